// RUN: tcc-opt %s -p convert-memref-to-llvm | filecheck %s

// Every access through a memref becomes one GEP (index values cast to i64 once) and a load or
// store; allocas move to the entry block; memref values and signatures become !llvm.ptr.

builtin.module {
  // CHECK:      func.func @k(%a: !llvm.ptr, %v: !llvm.ptr, %s: !llvm.ptr) {
  func.func @k(%a: memref<4x8xf32>, %v: memref<32xf32>, %s: memref<f32>) {
    // CHECK-NEXT:   %[[N:.*]] = llvm.mlir.constant(32) : i64
    // CHECK-NEXT:   %t = llvm.alloca %[[N]] x f32 {alignment = 64 : i64} : (i64) -> !llvm.ptr
    // CHECK-NEXT:   %c1 = arith.constant 1 : index
    // CHECK-NEXT:   %[[I1:.*]] = arith.index_cast %c1 : index to i64
    // CHECK-NEXT:   %c2 = arith.constant 2 : index
    // CHECK-NEXT:   %[[I2:.*]] = arith.index_cast %c2 : index to i64
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %t = memref.alloca() {alignment = 64 : i64} : memref<2x16xf32>
    // CHECK-NEXT:   %[[P:.*]] = llvm.getelementptr inbounds %a[%[[I1]], %[[I2]]] : (!llvm.ptr, i64, i64) -> !llvm.ptr, !llvm.array<8 x f32>
    // CHECK-NEXT:   %[[X:.*]] = llvm.load %[[P]] : !llvm.ptr -> f32
    %x = memref.load %a[%c1, %c2] : memref<4x8xf32>
    // CHECK-NEXT:   %[[Q:.*]] = llvm.getelementptr inbounds %t[%[[I1]], %[[I2]]] : (!llvm.ptr, i64, i64) -> !llvm.ptr, !llvm.array<16 x f32>
    // CHECK-NEXT:   llvm.store %[[X]], %[[Q]] : f32, !llvm.ptr
    memref.store %x, %t[%c1, %c2] : memref<2x16xf32>
    // CHECK-NEXT:   %[[R:.*]] = llvm.getelementptr inbounds %v[%[[I2]]] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    // CHECK-NEXT:   %[[W:.*]] = llvm.load %[[R]] {alignment = 4 : i64} : !llvm.ptr -> vector<16xf32>
    %w = vector.load %v[%c2] : memref<32xf32>, vector<16xf32>
    // CHECK-NEXT:   %[[S:.*]] = llvm.getelementptr inbounds %v[%[[I1]]] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    // CHECK-NEXT:   llvm.store %[[W]], %[[S]] {alignment = 4 : i64} : vector<16xf32>, !llvm.ptr
    vector.store %w, %v[%c1] : memref<32xf32>, vector<16xf32>
    // CHECK-NEXT:   llvm.store %[[X]], %s : f32, !llvm.ptr
    memref.store %x, %s[] : memref<f32>
    // CHECK-NEXT:   func.return
    func.return
  }
  // CHECK:      func.func private @ext(!llvm.ptr) -> ()
  func.func private @ext(memref<4xf32>)
}
