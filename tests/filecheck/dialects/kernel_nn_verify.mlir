// RUN: tcc-opt %s --split-input-file --verify-diagnostics

// Verifier errors of the nn and reduction kernels, one per chunk, each at its op's line.

func.func @k(%x: memref<2x3xf32>, %y: memref<2x3xf32>) {
  // expected-error@+1 {{kernel.reduce: Y (2, 3) is not X (2, 3) reduced over axes [1]}}
  kernel.reduce "sum" %x -> %y {axes = array<i64: 1>} : memref<2x3xf32> -> memref<2x3xf32>
  func.return
}

// -----

func.func @k(%x: memref<2x3xf32>, %y: memref<2xf32>) {
  // expected-error@+1 {{kernel.reduce: kind must be one of ('sum', 'mean', 'max', 'min', 'prod'), got 'median'}}
  kernel.reduce "median" %x -> %y {axes = array<i64: 1>} : memref<2x3xf32> -> memref<2xf32>
  func.return
}

// -----

func.func @k(%x: memref<2x3xf32>, %y: memref<2xf32>) {
  // expected-error@+1 {{kernel.reduce: axes [1, 1] must be distinct, ascending, in 0..1}}
  kernel.reduce "sum" %x -> %y {axes = array<i64: 1, 1>} : memref<2x3xf32> -> memref<2xf32>
  func.return
}

// -----

func.func @k(%a: memref<2x3xf32>, %b: memref<4x5xf32>, %y: memref<2x5xf32>) {
  // expected-error@+1 {{kernel.matmul: shapes A (2, 3), B (4, 5), Y (2, 5) disagree}}
  kernel.matmul %a, %b -> %y : memref<2x3xf32>, memref<4x5xf32> -> memref<2x5xf32>
  func.return
}

// -----

func.func @k(%a: memref<2x3xf32>, %b: memref<2x3x16xf32>, %y: memref<2x40xf32>) {
  // expected-error@+1 {{kernel.matmul: B (2, 3, 16) is not [ceil(N/NR), K, NR] for N = 40, NR = b_panel = 16}}
  kernel.matmul %a, %b -> %y {b_panel = 16 : i64} : memref<2x3xf32>, memref<2x3x16xf32> -> memref<2x40xf32>
  func.return
}

// -----

func.func @k(%a: memref<3xf32>, %b: memref<1x3x16xf32>, %y: memref<16xf32>) {
  // expected-error@+1 {{kernel.matmul: a B packed in panels (b_panel) is a matrix and A has rows, got A (3,)}}
  kernel.matmul %a, %b -> %y {b_panel = 16 : i64} : memref<3xf32>, memref<1x3x16xf32> -> memref<16xf32>
  func.return
}

// -----

func.func @k(%a: memref<2x3xf32>, %b: memref<1x3x16xf32>, %y: memref<2x16xf32>) {
  // expected-error@+1 {{kernel.gemm: a B packed in panels (b_panel) has trans_b = 0}}
  kernel.gemm %a, %b -> %y {trans_a = 0 : i64, trans_b = 1 : i64, alpha = 1.0 : f32, beta = 0.0 : f32, b_panel = 16 : i64} : memref<2x3xf32>, memref<1x3x16xf32> -> memref<2x16xf32>
  func.return
}

// -----

func.func @k(%x: memref<1x2x3x3xf32>, %w: memref<2x3x3x3xf32>, %y: memref<1x4x5x5xf32>) {
  // expected-error@+1 {{kernel.conv_transpose: channels of X (1, 2, 3, 3), W (2, 3, 3, 3), Y (1, 4, 5, 5) disagree (group 1)}}
  kernel.conv_transpose %x, %w -> %y {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x2x3x3xf32>, memref<2x3x3x3xf32> -> memref<1x4x5x5xf32>
  func.return
}

// -----

func.func @k(%x: memref<2x3xf32>, %s: memref<2xf32>, %y: memref<2x3xf32>) {
  // expected-error@+1 {{kernel.normalize: (2,) does not broadcast to (2, 3)}}
  kernel.normalize "normalize" %x scale %s -> %y {axes = array<i64: 1>, epsilon = 1.0e-05 : f32} : memref<2x3xf32> scale memref<2xf32> -> memref<2x3xf32>
  func.return
}

// -----

func.func @k(%x: memref<1x1x4x4xf32>, %y: memref<1x1x2x2xf32>) {
  // expected-error@+1 {{kernel.pool: Y must be i64 exactly for kind argmax}}
  kernel.pool "argmax" %x -> %y {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, count_include_pad = 0 : i64} : memref<1x1x4x4xf32> -> memref<1x1x2x2xf32>
  func.return
}

// -----

// Found by `tcc fuzz` (an attribute mutation): an axis past X's rank crashed the lowering.
func.func @k(%x: memref<3xf32>, %i: memref<1xi64>, %y: memref<1xf32>) {
  // expected-error@+1 {{kernel.gather_elements: axis 2 is not a dim of X (3,)}}
  kernel.gather_elements %x, %i -> %y {axis = 2 : i64} : memref<3xf32>, memref<1xi64> -> memref<1xf32>
  func.return
}

// -----

func.func @k(%x: memref<3x2xf32>, %i: memref<1x4xi64>, %y: memref<1x4xf32>) {
  // expected-error@+1 {{kernel.gather_elements: I (1, 4) is larger than X (3, 2) off axis 0}}
  kernel.gather_elements %x, %i -> %y {axis = 0 : i64} : memref<3x2xf32>, memref<1x4xi64> -> memref<1x4xf32>
  func.return
}

// -----

func.func @k(%x: memref<3xf32>, %i: memref<2xi64>, %y: memref<3x2xf32>) {
  // expected-error@+1 {{kernel.gather: axis 1 is not a dim of X (3,)}}
  kernel.gather %x, %i -> %y {axis = 1 : i64} : memref<3xf32>, memref<2xi64> -> memref<3x2xf32>
  func.return
}

// -----

// a packed filter's blocks must cover the output channels with less than one block to spare
func.func @k(%x: memref<1x2x6x6xf32>, %w: memref<3x2x3x3x8xf32>, %y: memref<1x16x4x4xf32>) {
  // expected-error@+1 {{kernel.conv: a packed filter (3, 2, 3, 3, 8) needs group 1 and 3 blocks of 8 covering the 16 output channels}}
  kernel.conv %x, %w -> %y {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x2x6x6xf32>, memref<3x2x3x3x8xf32> -> memref<1x16x4x4xf32>
  func.return
}

// -----

func.func @k(%x: memref<1x4x6x6xf32>, %w: memref<1x2x3x3x16xf32>, %y: memref<1x16x4x4xf32>) {
  // expected-error@+1 {{kernel.conv: a packed filter (1, 2, 3, 3, 16) needs group 1 and 1 blocks of 16 covering the 16 output channels}}
  kernel.conv %x, %w -> %y {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64} : memref<1x4x6x6xf32>, memref<1x2x3x3x16xf32> -> memref<1x16x4x4xf32>
  func.return
}
