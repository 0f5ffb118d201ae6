// RUN: tcc-opt %s -p "plan-memory{method=greedy}" | filecheck %s --check-prefix=GREEDY
// RUN: tcc-opt %s -p "plan-memory{method=ilp time_limit=5.0 workers=1}" | filecheck %s --check-prefix=ILP

// Two big tensors (%a, %b: 4 KiB each), each reduced to a small one (%c, %d: 256 B). In program
// order both big ones are alive together (arena 8448); the ILP reduces %a before making %b
// (arena 4608 = one big + two small, the lower bound). The calls move after the buffers.

builtin.module {
  func.func @main(%x: memref<64xf32>, %y: memref<1x64xf32>) attributes {tcc.graph} {
    %w = kernel.weight "w" : memref<1x16xf32>
    %a = kernel.buffer : memref<16x64xf32>
    func.call @big(%x, %a) : (memref<64xf32>, memref<16x64xf32>) -> ()
    %b = kernel.buffer : memref<16x64xf32>
    func.call @big(%x, %b) : (memref<64xf32>, memref<16x64xf32>) -> ()
    %c = kernel.buffer : memref<1x64xf32>
    func.call @small(%w, %a, %c) : (memref<1x16xf32>, memref<16x64xf32>, memref<1x64xf32>) -> ()
    %d = kernel.buffer : memref<1x64xf32>
    func.call @small(%w, %b, %d) : (memref<1x16xf32>, memref<16x64xf32>, memref<1x64xf32>) -> ()
    func.call @join(%c, %d, %y) : (memref<1x64xf32>, memref<1x64xf32>, memref<1x64xf32>) -> ()
    func.return
  }
  func.func @big(%i: memref<64xf32>, %o: memref<16x64xf32>) attributes {tcc.kernel} {
    kernel.map %i -> %o : memref<64xf32> -> memref<16x64xf32> {
    ^bb0(%p: f32):
      kernel.yield %p : f32
    }
    func.return
  }
  func.func @small(%m: memref<1x16xf32>, %i: memref<16x64xf32>, %o: memref<1x64xf32>) attributes {tcc.kernel} {
    kernel.gemm %m, %i -> %o {trans_a = 0 : i64, trans_b = 0 : i64, alpha = 1.0 : f32, beta = 1.0 : f32} : memref<1x16xf32>, memref<16x64xf32> -> memref<1x64xf32>
    func.return
  }
  func.func @join(%p: memref<1x64xf32>, %q: memref<1x64xf32>, %o: memref<1x64xf32>) attributes {tcc.kernel} {
    kernel.map %p, %q -> %o : memref<1x64xf32>, memref<1x64xf32> -> memref<1x64xf32> {
    ^bb0(%u: f32, %v: f32):
      %s = arith.addf %u, %v : f32
      kernel.yield %s : f32
    }
    func.return
  }
}

// GREEDY:      tcc.arena_size = 8448 : i64
// GREEDY:      func.call @big(%x, %a)
// GREEDY-NEXT: kernel.buffer
// GREEDY-NEXT: func.call @big(%x, %b)

// ILP:      tcc.arena_size = 4608 : i64, tcc.arena_lower_bound = 4608 : i64, tcc.memory_plan = "ilp"
// ILP:      func.call @big(%x, %a)
// ILP-NEXT: func.call @small(%w, %a, %c)
// ILP-NEXT: func.call @big(%x, %b)
// ILP-NEXT: func.call @small(%w, %b, %d)
// ILP-NEXT: func.call @join(%c, %d, %y)
