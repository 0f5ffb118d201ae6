// RUN: tcc-opt %s -p lower-kernels-to-loops | filecheck %s

builtin.module {
  // A stride-2, padded conv with bias, residual and relu, too narrow (3 output columns) for
  // the tiled path: the output plane starts as B + R, then per (ic, kh, kw) a clipped output
  // range and a check-free innermost loop, then relu.
  func.func @conv_0(%x: memref<1x2x7x5xf32>, %w: memref<4x2x3x3xf32>, %b: memref<4xf32>, %r: memref<1x4x4x3xf32>, %y: memref<1x4x4x3xf32>) attributes {tcc.kernel} {
    kernel.conv %x, %w bias %b residual %r -> %y {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x2x7x5xf32>, memref<4x2x3x3xf32> bias memref<4xf32> residual memref<1x4x4x3xf32> -> memref<1x4x4x3xf32>
    func.return
  }
  // CHECK-LABEL: func.func @conv_0
  // CHECK-NOT:   kernel.conv
  // CHECK:       scf.for %[[OC:.*]] = %{{.*}} to %{{.*}} step
  // CHECK:         %[[BIAS:.*]] = memref.load %{{.*}}[%[[OC]]] : memref<4xf32>
  // CHECK:         %[[RES:.*]] = memref.load %{{.*}} : memref<1x4x4x3xf32>
  // CHECK:         %[[INIT:.*]] = arith.addf %[[BIAS]], %[[RES]] : f32
  // CHECK:         memref.store %[[INIT]], %{{.*}} : memref<1x4x4x3xf32>
  // CHECK:         scf.for %[[IC:.*]] = %{{.*}} to %{{.*}} step
  // CHECK:           scf.for %[[KH:.*]] = %{{.*}} to %{{.*}} step
  // CHECK:             scf.for %[[KW:.*]] = %{{.*}} to %{{.*}} step
  // CHECK:               memref.load %{{.*}}[%[[OC]], %[[IC]], %[[KH]], %[[KW]]] : memref<4x2x3x3xf32>
  // CHECK:               arith.ceildivsi
  // CHECK:               arith.maxsi
  // CHECK:               arith.floordivsi
  // CHECK:               arith.minsi
  // CHECK:               scf.for
  // CHECK:                 scf.for
  // CHECK-NOT:               scf.if
  // CHECK:                   arith.mulf
  // CHECK:                   arith.addf
  // CHECK:                   memref.store
  // CHECK:         memref.load %{{.*}} : memref<1x4x4x3xf32>
  // CHECK-NEXT:    arith.maximumf
  // CHECK:       func.return

  // A 3x3 conv wide enough for the register-tiled path: vector accumulators carried through
  // the (ic, kh) loops, kw unrolled, the left window shifted in with zeros, relu on store.
  func.func @conv_tiled(%x: memref<1x2x4x16xf32>, %w: memref<3x2x3x3xf32>, %y: memref<1x3x4x16xf32>) attributes {tcc.kernel} {
    kernel.conv %x, %w -> %y {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x2x4x16xf32>, memref<3x2x3x3xf32> -> memref<1x3x4x16xf32>
    func.return
  }
  // CHECK-LABEL: func.func @conv_tiled
  // CHECK:       scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
  // CHECK:         scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
  // CHECK:           vector.shuffle
  // CHECK:           vector.broadcast
  // CHECK:           vector.fma
  // CHECK:       arith.maximumf %{{.*}}, %{{.*}} : vector<16xf32>
  // CHECK:       vector.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<1x3x4x16xf32>, vector<16xf32>
  // CHECK:       func.return

  // A broadcasting map: the body is cloned into the innermost loop; the [4, 1, 1] input is
  // indexed with the channel index and constant 0 on its broadcast dims. The (c, h) rows are
  // 32 independent units: the function takes the unit range [lo, hi) a call runs.
  func.func @map_0(%a: memref<1x4x8x8xf32>, %s: memref<4x1x1xf32>, %y: memref<1x4x8x8xf32>) attributes {tcc.kernel} {
    kernel.map %a, %s -> %y : memref<1x4x8x8xf32>, memref<4x1x1xf32> -> memref<1x4x8x8xf32> {
    ^bb0(%p: f32, %q: f32):
      %m = arith.mulf %p, %q : f32
      kernel.yield %m : f32
    }
    func.return
  }
  // CHECK-LABEL: func.func @map_0
  // CHECK-SAME:    %[[LO:[^:]*]]: index, %[[HI:[^:]*]]: index) attributes {tcc.kernel, tcc.parallel = 32 : i64}
  // CHECK:       %[[C0:.*]] = arith.constant 0 : index
  // CHECK:       scf.for %[[U:.*]] = %[[LO]] to %[[HI]] step
  // CHECK:         %[[H:.*]] = arith.remsi %[[U]], %{{.*}} : index
  // CHECK:         %[[C:.*]] = arith.floordivsi %[[U]], %{{.*}} : index
  // CHECK:         scf.for %[[W:.*]] = %{{.*}} to %{{.*}} step
  // CHECK:           %[[P:.*]] = memref.load %{{.*}}[%[[C0]], %[[C]], %[[H]], %[[W]]] : memref<1x4x8x8xf32>
  // CHECK:           %[[Q:.*]] = memref.load %{{.*}}[%[[C]], %[[C0]], %[[C0]]] : memref<4x1x1xf32>
  // CHECK:           %[[M:.*]] = arith.mulf %[[P]], %[[Q]] : f32
  // CHECK:           memref.store %[[M]], %{{.*}}[%[[C0]], %[[C]], %[[H]], %[[W]]]
  // CHECK:       } {tcc.parallel = 32 : i64}
  // CHECK-NOT:   kernel.
  // CHECK:       func.return
}
