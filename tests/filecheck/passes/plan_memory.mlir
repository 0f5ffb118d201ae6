// RUN: tcc-opt %s -p "plan-memory{method=greedy}" | filecheck %s --check-prefix=GREEDY
// RUN: tcc-opt %s -p "plan-memory{method=naive}" | filecheck %s --check-prefix=NAIVE
// RUN: tcc-opt %s -p "plan-memory{method=ilp time_limit=5.0 workers=1}" | filecheck %s --check-prefix=ILP
// RUN: tcc-opt %s -p plan-memory | filecheck %s --check-prefix=ILP

// %a is dead once %b is written, so greedy-by-size puts %c on %a's bytes; naive never reuses.
// A copy may write over the input it last reads, so the ILP puts all three on the same bytes.

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

// GREEDY:      tcc.arena_size = 512 : i64
// GREEDY-SAME: tcc.memory_plan = "greedy-by-size"
// GREEDY:      kernel.buffer {offset = [[A:[0-9]+]] : i64}
// GREEDY:      kernel.buffer {offset = {{[0-9]+}} : i64}
// GREEDY:      kernel.buffer {offset = [[A]] : i64}

// NAIVE:      tcc.arena_size = 768 : i64
// NAIVE:      kernel.buffer {offset = 0 : i64}
// NAIVE:      kernel.buffer {offset = 256 : i64}
// NAIVE:      kernel.buffer {offset = 512 : i64}

// ILP:      tcc.arena_size = 256 : i64, tcc.arena_lower_bound = 256 : i64, tcc.memory_plan = "ilp"
// ILP-SAME: tcc.plan_baseline = 512 : i64
// ILP-SAME: tcc.plan_optimal = true, tcc.plan_inplace = 2 : i64
// The takeovers are recorded on their calls (argument positions), so the plan can still be
// checked once the kernels are lowered; greedy plans take nothing over.
// ILP:      kernel.buffer {offset = 0 : i64}
// ILP-NEXT: func.call @k(%x, %a) : (
// ILP-NEXT: kernel.buffer {offset = 0 : i64}
// ILP-NEXT: func.call @k_alias(%a, %b) {tcc.inplace = [0 : i64]}
// ILP-NEXT: kernel.buffer {offset = 0 : i64}
// ILP-NEXT: func.call @k_alias(%b, %c) {tcc.inplace = [0 : i64]}
// ILP-NEXT: func.call @k(%c, %y) : (
// GREEDY-NOT: tcc.inplace
