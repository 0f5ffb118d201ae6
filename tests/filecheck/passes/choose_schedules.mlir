// RUN: tcc-opt %s -p "choose-schedules" | filecheck %s
// RUN: tcc-opt %s -p "choose-schedules{policy=random seed=3}" | filecheck %s --check-prefix=RANDOM
// RUN: tcc-opt %s -p "choose-schedules{policy=random seed=3},lower-kernels-to-loops" | filecheck %s --check-prefix=LOOPS

// The heuristic tiles the 3x3 conv (6 channels x 2 vectors of 16) and keeps the map's loop;
// a random schedule is legal (any algorithm of the conv's space) and lowers.

builtin.module {
  func.func @conv_0(%x: memref<1x8x16x16xf32>, %w: memref<8x8x3x3xf32>, %y: memref<1x8x16x16xf32>) attributes {tcc.kernel} {
    kernel.conv %x, %w -> %y {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x8x16x16xf32>, memref<8x8x3x3xf32> -> memref<1x8x16x16xf32>
    func.return
  }
  func.func @map_0(%x: memref<4x4xf32>, %y: memref<4x4xf32>) attributes {tcc.kernel} {
    kernel.map %x -> %y : memref<4x4xf32> -> memref<4x4xf32> {
    ^bb0(%v: f32):
      kernel.yield %v : f32
    }
    func.return
  }
}

// CHECK:      func.func @conv_0
// CHECK-SAME: tcc.schedule_source = "heuristic"
// CHECK:      kernel.conv
// CHECK-SAME: schedule = {family = "conv", algorithm = "tiled", tile_channels = 6 : i64, tile_vectors = 2 : i64, lanes = 16 : i64, loop_order = "channels_rows", ic_block = 0 : i64}
// CHECK:      func.func @map_0
// CHECK:      kernel.map
// CHECK-SAME: schedule = {family = "loops", unroll = 1 : i64}

// RANDOM:      func.func @conv_0
// RANDOM-SAME: tcc.schedule_source = "random"
// RANDOM:      kernel.conv
// RANDOM-SAME: schedule = {family = "conv", algorithm = "{{direct|tiled}}"
// RANDOM:      kernel.map
// RANDOM-SAME: schedule = {family = "loops", unroll = {{[1248]}} : i64}

// LOOPS-NOT:  kernel.
// LOOPS:      func.func @conv_0
// LOOPS:      scf.for
