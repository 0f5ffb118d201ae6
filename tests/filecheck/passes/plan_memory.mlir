// RUN: tcc-opt %s -p plan-memory | filecheck %s
// RUN: tcc-opt %s -p "plan-memory{method=naive}" | filecheck %s --check-prefix=NAIVE

// %a is dead once %b is written, so greedy-by-size puts %c on %a's bytes; naive never reuses.

builtin.module {
  func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) attributes {tcc.graph} {
    %a = kernel.buffer : memref<64xf32>
    func.call @k(%x, %a) : (memref<64xf32>, memref<64xf32>) -> ()
    %b = kernel.buffer : memref<64xf32>
    func.call @k(%a, %b) : (memref<64xf32>, memref<64xf32>) -> ()
    %c = kernel.buffer : memref<64xf32>
    func.call @k(%b, %c) : (memref<64xf32>, memref<64xf32>) -> ()
    func.call @k(%c, %y) : (memref<64xf32>, memref<64xf32>) -> ()
    func.return
  }
  func.func @k(%i: memref<64xf32>, %o: memref<64xf32>) attributes {tcc.kernel} {
    kernel.copy %i -> %o : memref<64xf32> -> memref<64xf32>
    func.return
  }
}

// CHECK:      tcc.arena_size = 512 : i64
// CHECK-SAME: tcc.memory_plan = "greedy-by-size"
// CHECK:      kernel.buffer {offset = [[A:[0-9]+]] : i64}
// CHECK:      kernel.buffer {offset = {{[0-9]+}} : i64}
// CHECK:      kernel.buffer {offset = [[A]] : i64}

// NAIVE:      tcc.arena_size = 768 : i64
// NAIVE:      kernel.buffer {offset = 0 : i64}
// NAIVE:      kernel.buffer {offset = 256 : i64}
// NAIVE:      kernel.buffer {offset = 512 : i64}
