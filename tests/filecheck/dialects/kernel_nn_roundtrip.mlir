// RUN: tcc-opt %s | tcc-opt | filecheck %s
// RUN: tcc-opt %s --print-op-generic | tcc-opt | filecheck %s

// The nn and reduction kernels of issue 4: reduce, matmul, conv_transpose, normalize, pool
// argmax, log-softmax.

builtin.module {
  func.func @reduce_0(%x: memref<2x3x4xf32>, %y: memref<2x4xf32>) attributes {tcc.kernel} {
    // CHECK: kernel.reduce "mean" %{{.*}} -> %{{.*}} {axes = array<i64: 1>} : memref<2x3x4xf32> -> memref<2x4xf32>
    kernel.reduce "mean" %x -> %y {axes = array<i64: 1>} : memref<2x3x4xf32> -> memref<2x4xf32>
    func.return
  }
  func.func @reduce_1(%x: memref<2x3xi64>, %y: memref<1x3xi64>) attributes {tcc.kernel} {
    // CHECK: kernel.reduce "max" %{{.*}} -> %{{.*}} {axes = array<i64: 0>} : memref<2x3xi64> -> memref<1x3xi64>
    kernel.reduce "max" %x -> %y {axes = array<i64: 0>} : memref<2x3xi64> -> memref<1x3xi64>
    func.return
  }
  func.func @matmul_0(%a: memref<2x1x3x4xf32>, %b: memref<5x4x6xf32>, %y: memref<2x5x3x6xf32>) attributes {tcc.kernel} {
    // CHECK: kernel.matmul %{{.*}}, %{{.*}} -> %{{.*}} : memref<2x1x3x4xf32>, memref<5x4x6xf32> -> memref<2x5x3x6xf32>
    kernel.matmul %a, %b -> %y : memref<2x1x3x4xf32>, memref<5x4x6xf32> -> memref<2x5x3x6xf32>
    func.return
  }
  func.func @matmul_1(%a: memref<4xf32>, %b: memref<4xf32>, %y: memref<f32>) attributes {tcc.kernel} {
    // CHECK: kernel.matmul %{{.*}}, %{{.*}} -> %{{.*}} : memref<4xf32>, memref<4xf32> -> memref<f32>
    kernel.matmul %a, %b -> %y : memref<4xf32>, memref<4xf32> -> memref<f32>
    func.return
  }
  func.func @matmul_2(%a: memref<2x3x4xf32>, %b: memref<3x4x16xf32>, %y: memref<2x3x40xf32>) attributes {tcc.kernel} {
    // CHECK: kernel.matmul %{{.*}}, %{{.*}} -> %{{.*}} {b_panel = 16 : i64} : memref<2x3x4xf32>, memref<3x4x16xf32> -> memref<2x3x40xf32>
    kernel.matmul %a, %b -> %y {b_panel = 16 : i64} : memref<2x3x4xf32>, memref<3x4x16xf32> -> memref<2x3x40xf32>
    func.return
  }
  func.func @conv_transpose_0(%x: memref<1x2x3x3xf32>, %w: memref<2x3x3x3xf32>, %b: memref<6xf32>, %y: memref<1x6x7x7xf32>) attributes {tcc.kernel} {
    // CHECK: kernel.conv_transpose %{{.*}}, %{{.*}} bias %{{.*}} -> %{{.*}} {{.*}}group = 2 : i64
    kernel.conv_transpose %x, %w bias %b -> %y {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64} : memref<1x2x3x3xf32>, memref<2x3x3x3xf32> bias memref<6xf32> -> memref<1x6x7x7xf32>
    func.return
  }
  func.func @normalize_0(%x: memref<2x3x4xf32>, %s: memref<4xf32>, %y: memref<2x3x4xf32>) attributes {tcc.kernel} {
    // CHECK: kernel.normalize "normalize" %{{.*}} scale %{{.*}} -> %{{.*}} {{.*}}axes = array<i64: 2>
    kernel.normalize "normalize" %x scale %s -> %y {axes = array<i64: 2>, epsilon = 1.0e-05 : f32} : memref<2x3x4xf32> scale memref<4xf32> -> memref<2x3x4xf32>
    func.return
  }
  func.func @normalize_1(%x: memref<2x3x4xf32>, %y: memref<3xf32>) attributes {tcc.kernel} {
    // CHECK: kernel.normalize "var" %{{.*}} -> %{{.*}} {{.*}}axes = array<i64: 0, 2>
    kernel.normalize "var" %x -> %y {axes = array<i64: 0, 2>, epsilon = 1.0e-05 : f32} : memref<2x3x4xf32> -> memref<3xf32>
    func.return
  }
  func.func @argmax_0(%x: memref<1x2x4x4xf32>, %y: memref<1x2x2x2xi64>) attributes {tcc.kernel} {
    // CHECK: kernel.pool "argmax" %{{.*}} -> %{{.*}} {{.*}}storage_order = 1 : i64
    kernel.pool "argmax" %x -> %y {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, count_include_pad = 0 : i64, storage_order = 1 : i64} : memref<1x2x4x4xf32> -> memref<1x2x2x2xi64>
    func.return
  }
  func.func @logsoftmax_0(%x: memref<2x5xf32>, %y: memref<2x5xf32>) attributes {tcc.kernel} {
    // CHECK: kernel.softmax %{{.*}} -> %{{.*}} {axis = 1 : i64, log}
    kernel.softmax %x -> %y {axis = 1 : i64, log} : memref<2x5xf32> -> memref<2x5xf32>
    func.return
  }
}
