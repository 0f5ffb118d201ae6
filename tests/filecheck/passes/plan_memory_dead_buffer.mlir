// RUN: tcc-opt %s -p plan-memory | filecheck %s
// RUN: tcc-opt %s -p "plan-memory{method=greedy}" | filecheck %s

// A buffer no call uses is not placed, and an offset it carries from an older plan is dropped
// (it would lie outside the new arena; found by tcc fuzz on a filecheck seed).

builtin.module {
  func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) attributes {tcc.graph} {
    %dead = kernel.buffer {offset = 128 : i64} : memref<64xf32>
    %v = kernel.view %dead : memref<64xf32> to memref<8x8xf32>
    func.call @k(%x, %y) : (memref<64xf32>, memref<64xf32>) -> ()
    func.return
  }
  func.func @k(%i: memref<64xf32>, %o: memref<64xf32>) attributes {tcc.kernel} {
    kernel.copy %i -> %o : memref<64xf32> -> memref<64xf32>
    func.return
  }
}

// CHECK:      tcc.arena_size = 0 : i64
// CHECK:      %dead = kernel.buffer : memref<64xf32>
