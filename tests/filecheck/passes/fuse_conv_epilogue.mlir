// RUN: tcc-opt %s -p fuse-conv-epilogue | filecheck %s
// RUN: tcc-opt %s -p "fuse-conv-epilogue{residual=false}" | filecheck %s --check-prefix=NORES
// RUN: tcc-opt %s -p "fuse-conv-epilogue{activation=false}" | filecheck %s --check-prefix=NOACT

// @block: conv -> residual add -> relu fold into one conv writing the relu's output, at the
// relu's place; the intermediate buffers are gone (without residuals nothing folds: the relu
// reads the add, not the conv). @gemm: a gemm takes a relu, not a clip.
// @shared: a conv output that another op also reads stays a buffer (nothing folds).
// @clip: a constant clip (ReLU6) of a conv is its clip activation.

builtin.module {
  func.func @block(%x: memref<1x4x8x8xf32>, %r: memref<1x4x8x8xf32>, %y: memref<1x4x8x8xf32>) attributes {tcc.graph} {
    %w = kernel.weight "w" : memref<4x4x3x3xf32>
    %c = kernel.buffer : memref<1x4x8x8xf32>
    kernel.conv %x, %w -> %c {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x4x8x8xf32>, memref<4x4x3x3xf32> -> memref<1x4x8x8xf32>
    %a = kernel.buffer : memref<1x4x8x8xf32>
    kernel.map %r, %c -> %a : memref<1x4x8x8xf32>, memref<1x4x8x8xf32> -> memref<1x4x8x8xf32> {
    ^bb0(%p: f32, %q: f32):
      %s = arith.addf %p, %q : f32
      kernel.yield %s : f32
    }
    kernel.map %a -> %y : memref<1x4x8x8xf32> -> memref<1x4x8x8xf32> {
    ^bb0(%p: f32):
      %zero = arith.constant 0.000000e+00 : f32
      %m = arith.maximumf %p, %zero : f32
      kernel.yield %m : f32
    }
    func.return
  }
  // CHECK-LABEL: func.func @block(
  // CHECK-SAME:    %[[X:.*]]: memref<1x4x8x8xf32>, %[[R:.*]]: memref<1x4x8x8xf32>, %[[Y:.*]]: memref<1x4x8x8xf32>)
  // CHECK-NEXT:    %[[W:.*]] = kernel.weight "w"
  // CHECK-NEXT:    kernel.conv %[[X]], %[[W]] residual %[[R]] -> %[[Y]] {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"}
  // CHECK-NEXT:    func.return
  // NORES-LABEL: func.func @block(
  // NORES:         kernel.conv %{{.*}}, %{{.*}} -> %{{.*}} {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
  // NORES:         arith.addf
  // NORES:         arith.maximumf
  // NOACT-LABEL: func.func @block(
  // NOACT:         kernel.conv %{{.*}}, %{{.*}} residual %{{.*}} -> %[[A:.*]] {strides
  // NOACT-NOT:     activation
  // NOACT-NEXT:    kernel.map %[[A]] -> %{{.*}}

  func.func @gemm(%x: memref<2x4xf32>, %y: memref<2x4xf32>, %z: memref<2x4xf32>) attributes {tcc.graph} {
    %w = kernel.weight "w" : memref<4x4xf32>
    %g = kernel.buffer : memref<2x4xf32>
    kernel.gemm %x, %w -> %g {trans_a = 0 : i64, trans_b = 0 : i64, alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32} : memref<2x4xf32>, memref<4x4xf32> -> memref<2x4xf32>
    kernel.map %g -> %y : memref<2x4xf32> -> memref<2x4xf32> {
    ^bb0(%p: f32):
      %zero = arith.constant 0.000000e+00 : f32
      %m = arith.maximumf %p, %zero : f32
      kernel.yield %m : f32
    }
    %h = kernel.buffer : memref<2x4xf32>
    kernel.gemm %x, %w -> %h {trans_a = 0 : i64, trans_b = 0 : i64, alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32} : memref<2x4xf32>, memref<4x4xf32> -> memref<2x4xf32>
    kernel.map %h -> %z : memref<2x4xf32> -> memref<2x4xf32> {
    ^bb0(%p: f32):
      %lo = arith.constant 0.000000e+00 : f32
      %m = arith.maximumf %p, %lo : f32
      %hi = arith.constant 6.000000e+00 : f32
      %n = arith.minimumf %m, %hi : f32
      kernel.yield %n : f32
    }
    func.return
  }
  // CHECK-LABEL: func.func @gemm(
  // CHECK:         kernel.gemm %{{.*}}, %{{.*}} -> %{{.*}} {{.*}}beta = 1.000000e+00 : f32, activation = "relu"}
  // CHECK-NEXT:    kernel.buffer
  // CHECK-NEXT:    kernel.gemm
  // CHECK-NEXT:    kernel.map

  func.func @shared(%x: memref<1x4x8x8xf32>, %y: memref<1x4x8x8xf32>, %z: memref<1x4x8x8xf32>) attributes {tcc.graph} {
    %w = kernel.weight "w" : memref<4x4x3x3xf32>
    %c = kernel.buffer : memref<1x4x8x8xf32>
    kernel.conv %x, %w -> %c {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x4x8x8xf32>, memref<4x4x3x3xf32> -> memref<1x4x8x8xf32>
    kernel.map %c -> %y : memref<1x4x8x8xf32> -> memref<1x4x8x8xf32> {
    ^bb0(%p: f32):
      %zero = arith.constant 0.000000e+00 : f32
      %m = arith.maximumf %p, %zero : f32
      kernel.yield %m : f32
    }
    kernel.copy %c -> %z : memref<1x4x8x8xf32> -> memref<1x4x8x8xf32>
    func.return
  }
  // CHECK-LABEL: func.func @shared(
  // CHECK:         kernel.buffer
  // CHECK-NEXT:    kernel.conv
  // CHECK-NOT:     activation
  // CHECK-NEXT:    kernel.map

  func.func @clip(%x: memref<1x4x8x8xf32>, %y: memref<1x4x8x8xf32>) attributes {tcc.graph} {
    %w = kernel.weight "w" : memref<4x4x3x3xf32>
    %c = kernel.buffer : memref<1x4x8x8xf32>
    kernel.conv %x, %w -> %c {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x4x8x8xf32>, memref<4x4x3x3xf32> -> memref<1x4x8x8xf32>
    kernel.map %c -> %y : memref<1x4x8x8xf32> -> memref<1x4x8x8xf32> {
    ^bb0(%p: f32):
      %lo = arith.constant 0.000000e+00 : f32
      %m = arith.maximumf %p, %lo : f32
      %hi = arith.constant 6.000000e+00 : f32
      %n = arith.minimumf %m, %hi : f32
      kernel.yield %n : f32
    }
    func.return
  }
  // CHECK-LABEL: func.func @clip(
  // CHECK-NEXT:    kernel.weight
  // CHECK-NEXT:    kernel.conv {{.*}}group = 1 : i64, clip_min = 0.000000e+00 : f32, clip_max = 6.000000e+00 : f32, activation = "clip"}
  // CHECK-NEXT:    func.return
}
