// RUN: tcc-opt %s | tcc-opt | filecheck %s
// RUN: tcc-opt %s --print-op-generic | tcc-opt | filecheck %s

builtin.module {
  func.func @conv_0(%x: memref<1x3x8x8xf32>, %w: memref<4x3x3x3xf32>, %b: memref<4xf32>, %y: memref<1x4x8x8xf32>) attributes {tcc.kernel} {
    // CHECK: kernel.conv %{{.*}}, %{{.*}} bias %{{.*}} -> %{{.*}} {{.*}}activation = "relu"
    kernel.conv %x, %w bias %b -> %y {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x3x8x8xf32>, memref<4x3x3x3xf32> bias memref<4xf32> -> memref<1x4x8x8xf32>
    func.return
  }
  func.func @map_0(%a: memref<1x4x8x8xf32>, %s: memref<4x1x1xf32>, %y: memref<1x4x8x8xf32>) attributes {tcc.kernel} {
    kernel.map %a, %s -> %y : memref<1x4x8x8xf32>, memref<4x1x1xf32> -> memref<1x4x8x8xf32> {
    ^bb0(%p: f32, %q: f32):
      %r = arith.mulf %p, %q : f32
      // CHECK: kernel.yield %{{.*}} : f32
      kernel.yield %r : f32
    }
    func.return
  }
  func.func @main(%x: memref<1x3x8x8xf32>, %out: memref<1x4x8x8xf32>) attributes {tcc.graph} {
    %w = kernel.weight "conv.w" : memref<4x3x3x3xf32>
    %t = kernel.buffer {offset = 128 : i64} : memref<1x4x8x8xf32>
    // CHECK: kernel.view %{{.*}} : memref<1x4x8x8xf32> to memref<256xf32>
    %v = kernel.view %t : memref<1x4x8x8xf32> to memref<256xf32>
    func.return
  }
}
