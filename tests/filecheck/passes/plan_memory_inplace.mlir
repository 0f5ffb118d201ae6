// RUN: tcc-opt %s -p "plan-memory{method=ilp}" | filecheck %s

// The copy may write over the buffer it last reads (in place): that call goes to a copy of
// the kernel marked tcc.may_alias (lower-to-llvm then drops `noalias`); the others keep @k.

builtin.module {
  func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) attributes {tcc.graph} {
    %a = kernel.buffer : memref<64xf32>
    func.call @k(%x, %a) : (memref<64xf32>, memref<64xf32>) -> ()
    %b = kernel.buffer : memref<64xf32>
    func.call @k(%a, %b) : (memref<64xf32>, memref<64xf32>) -> ()
    func.call @k(%b, %y) : (memref<64xf32>, memref<64xf32>) -> ()
    func.return
  }
  func.func @k(%i: memref<64xf32>, %o: memref<64xf32>) attributes {tcc.kernel} {
    kernel.copy %i -> %o : memref<64xf32> -> memref<64xf32>
    func.return
  }
}

// CHECK:      tcc.arena_size = 256 : i64
// CHECK:      func.call @k(%{{.*}}, %{{.*}})
// CHECK:      func.call @k_alias(%{{.*}}, %{{.*}})
// CHECK-NEXT: func.call @k(%{{.*}}, %{{.*}})
// CHECK:      func.func @k(
// CHECK:      func.func @k_alias(
// CHECK-SAME: tcc.may_alias
