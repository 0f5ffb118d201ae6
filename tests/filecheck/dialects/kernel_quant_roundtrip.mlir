// RUN: tcc-opt %s | tcc-opt | filecheck %s
// RUN: tcc-opt %s --print-op-generic | tcc-opt | filecheck %s

// The int8 kernels: the packings and qgemm, with and without the requantizing epilogue.

builtin.module {
  func.func @qpack_im2col_0(%x: memref<1x5x8x8xui8>, %y: memref<1x12x256xi8>) attributes {tcc.kernel} {
    // CHECK: kernel.qpack_im2col %{{.*}} -> %{{.*}} {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, zero = 3 : i64, flip = 0 : i64} : memref<1x5x8x8xui8> -> memref<1x12x256xi8>
    kernel.qpack_im2col %x -> %y {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, zero = 3 : i64, flip = 0 : i64} : memref<1x5x8x8xui8> -> memref<1x12x256xi8>
    func.return
  }
  func.func @qpack_rows_0(%x: memref<2x3x7xi8>, %y: memref<2x3x8xi8>) attributes {tcc.kernel} {
    // CHECK: kernel.qpack_rows %{{.*}} -> %{{.*}} {flip = 1 : i64} : memref<2x3x7xi8> -> memref<2x3x8xi8>
    kernel.qpack_rows %x -> %y {flip = 1 : i64} : memref<2x3x7xi8> -> memref<2x3x8xi8>
    func.return
  }
  func.func @qgemm_0(%a: memref<1x4x48xi8>, %b: memref<2x12x64xi8>, %c: memref<4x1xi32>, %y: memref<2x4x16xi32>) attributes {tcc.kernel} {
    // CHECK: kernel.qgemm %{{.*}}, %{{.*}}, %{{.*}} -> %{{.*}} {unsigned = "b", vnni = 1 : i64} : memref<1x4x48xi8>, memref<2x12x64xi8>, memref<4x1xi32> -> memref<2x4x16xi32>
    kernel.qgemm %a, %b, %c -> %y {unsigned = "b", vnni = 1 : i64} : memref<1x4x48xi8>, memref<2x12x64xi8>, memref<4x1xi32> -> memref<2x4x16xi32>
    func.return
  }
  func.func @qgemm_1(%a: memref<3x2x8xi8>, %b: memref<1x2x20xi8>, %c: memref<1x5xi32>, %s: memref<1x5xf32>, %y: memref<3x2x5xui8>) attributes {tcc.kernel} {
    // CHECK: kernel.qgemm %{{.*}}, %{{.*}}, %{{.*}} scale %{{.*}} -> %{{.*}} {unsigned = "a", vnni = 0 : i64, zero = 7 : i64} : memref<3x2x8xi8>, memref<1x2x20xi8>, memref<1x5xi32> scale memref<1x5xf32> -> memref<3x2x5xui8>
    kernel.qgemm %a, %b, %c scale %s -> %y {unsigned = "a", vnni = 0 : i64, zero = 7 : i64} : memref<3x2x8xi8>, memref<1x2x20xi8>, memref<1x5xi32> scale memref<1x5xf32> -> memref<3x2x5xui8>
    func.return
  }
}
