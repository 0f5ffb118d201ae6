// RUN: tcc-opt %s -p convert-arith-to-llvm | filecheck %s

// index becomes i64 everywhere (the index_cast convert-memref-to-llvm left disappears), then
// every arith op is replaced by rule; other ops are left alone.

builtin.module {
  // CHECK:      func.func @k(%p: !llvm.ptr, %n: i64) -> i64 {
  func.func @k(%p: !llvm.ptr, %n: index) -> index {
    // CHECK-NEXT:   %c1 = llvm.mlir.constant(1) : i64
    %c1 = arith.constant 1 : index
    %i = arith.index_cast %c1 : index to i64
    // CHECK-NEXT:   %[[Q:.*]] = llvm.getelementptr inbounds %p[%c1] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %q = llvm.getelementptr inbounds %p[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    // CHECK-NEXT:   %[[X:.*]] = llvm.load %[[Q]] : !llvm.ptr -> f32
    %x = llvm.load %q : !llvm.ptr -> f32
    // CHECK-NEXT:   %[[M:.*]] = llvm.call_intrinsic "llvm.maximum.f32"(%[[X]], %[[X]]) : (f32, f32) -> f32
    %m = arith.maximumf %x, %x : f32
    // CHECK-NEXT:   %[[S:.*]] = llvm.fadd %[[M]], %[[X]] {fastmathFlags = #llvm.fastmath<reassoc,contract>} : f32
    %s = arith.addf %m, %x : f32
    // CHECK-NEXT:   %[[E:.*]] = math.exp %[[S]] : f32
    %e = math.exp %s : f32
    // CHECK-NEXT:   %[[F:.*]] = llvm.call_intrinsic "llvm.fptosi.sat.i32.f32"(%[[E]]) : (f32) -> i32
    %f = arith.fptosi %e : f32 to i32
    // CHECK-NEXT:   llvm.sext %[[F]] : i32 to i64
    %j = arith.index_cast %f : i32 to index
    // CHECK:        llvm.sdiv
    // CHECK:        llvm.srem
    // CHECK:        llvm.select
    %d = arith.floordivsi %j, %n : index
    // CHECK:        llvm.add %{{.*}}, %c1 : i64
    %r = arith.addi %d, %c1 : index
    // CHECK-NEXT:   func.return %{{.*}} : i64
    func.return %r : index
  }
}
