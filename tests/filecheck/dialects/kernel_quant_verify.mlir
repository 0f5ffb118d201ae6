// RUN: tcc-opt %s --split-input-file --verify-diagnostics

// Verifier errors of the int8 kernels, one per chunk, each at its op's line.

func.func @k(%x: memref<1x5x8x8xui8>, %y: memref<1x11x256xi8>) {
  // expected-error@+1 {{kernel.qpack_im2col: Y (1, 11, 256) must be (1, 12, 256)}}
  kernel.qpack_im2col %x -> %y {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, zero = 3 : i64, flip = 0 : i64} : memref<1x5x8x8xui8> -> memref<1x11x256xi8>
  func.return
}

// -----

func.func @k(%x: memref<2x7xf32>, %y: memref<2x8xi8>) {
  // expected-error@+1 {{kernel.qpack_rows: X must hold 8-bit integers, got f32}}
  kernel.qpack_rows %x -> %y {flip = 0 : i64} : memref<2x7xf32> -> memref<2x8xi8>
  func.return
}

// -----

func.func @k(%a: memref<1x4x48xi8>, %b: memref<1x11x64xi8>, %c: memref<4x1xi32>, %y: memref<1x4x16xi32>) {
  // expected-error@+1 {{kernel.qgemm: shapes A (1, 4, 48), B (1, 11, 64), C (4, 1), Y (1, 4, 16) disagree}}
  kernel.qgemm %a, %b, %c -> %y {unsigned = "b", vnni = 1 : i64} : memref<1x4x48xi8>, memref<1x11x64xi8>, memref<4x1xi32> -> memref<1x4x16xi32>
  func.return
}

// -----

func.func @k(%a: memref<1x4x48xi8>, %b: memref<1x12x64xi8>, %c: memref<4x1xi32>, %y: memref<1x4x16xi32>) {
  // expected-error@+1 {{kernel.qgemm: unsigned must be "a" or "b", got 'c'}}
  kernel.qgemm %a, %b, %c -> %y {unsigned = "c", vnni = 1 : i64} : memref<1x4x48xi8>, memref<1x12x64xi8>, memref<4x1xi32> -> memref<1x4x16xi32>
  func.return
}

// -----

func.func @k(%a: memref<1x4x48xi8>, %b: memref<1x12x64xi8>, %c: memref<4x1xi32>, %s: memref<4x1xf32>, %y: memref<1x4x16xui8>) {
  // expected-error@+1 {{kernel.qgemm: a scale S needs C's shape (4, 1) and a zero}}
  kernel.qgemm %a, %b, %c scale %s -> %y {unsigned = "b", vnni = 1 : i64} : memref<1x4x48xi8>, memref<1x12x64xi8>, memref<4x1xi32> scale memref<4x1xf32> -> memref<1x4x16xui8>
  func.return
}
