// RUN: tcc-opt %s -p conv-to-im2win | filecheck %s
// RUN: tcc-opt %s --no-weights -p conv-to-im2win | filecheck %s
// RUN: tcc-opt %s -p "conv-to-im2win,conv-to-im2col,lower-kernels-to-loops" | filecheck %s --check-prefix=LOOPS

// conv-to-im2win rewrites every call of a conv scheduled `im2win` into an im2win kernel writing
// the window tensor (a new arena buffer) and a tiled stride-1 unpadded 1 x Q conv over it that
// keeps the conv's bias, residual, activation and the schedule's tile knobs. All the convs here
// have one phase (width stride 1, or a dilation that is a multiple of the stride), so the
// filter is a view of the conv's filter and no weight store is needed (`--no-weights` gives the
// same result); conv_to_im2win_phases.mlir has the strided convs that need the filter's values.
// - @conv_0 is called twice (dedup-kernels left one function): two windows, two views, two
//   pairs of kernels, and @conv_0 is gone;
// - @conv_1: grouped, width dilation 2 with width stride 2 (one phase, window dilation 1),
//   height stride 2, asymmetric pads, clip, batch 2;
// - @conv_2: width dilation 3 at stride 1 (the window conv keeps dilation 3);
// - @conv_3 (tiled) and @conv_4 (im2col) are left alone.

builtin.module {
  func.func @main(%x: memref<1x2x6x20xf32>, %r: memref<1x4x4x18xf32>, %x2: memref<2x4x9x24xf32>, %y: memref<1x4x4x18xf32>, %z: memref<1x4x4x18xf32>, %g: memref<2x6x5x11xf32>, %d: memref<1x4x4x14xf32>, %t: memref<1x4x6x20xf32>, %u: memref<1x4x6x20xf32>) attributes {tcc.input_names = ["x", "r", "x2"], tcc.output_names = ["y", "z", "g", "d", "t", "u"], tcc.graph} {
    %w1 = kernel.weight "w1" : memref<4x2x3x3xf32>
    %b = kernel.weight "b" : memref<4xf32>
    func.call @conv_0(%x, %w1, %b, %r, %y) : (memref<1x2x6x20xf32>, memref<4x2x3x3xf32>, memref<4xf32>, memref<1x4x4x18xf32>, memref<1x4x4x18xf32>) -> ()
    %w2 = kernel.weight "w2" : memref<4x2x3x3xf32>
    func.call @conv_0(%x, %w2, %b, %y, %z) : (memref<1x2x6x20xf32>, memref<4x2x3x3xf32>, memref<4xf32>, memref<1x4x4x18xf32>, memref<1x4x4x18xf32>) -> ()
    %wg = kernel.weight "wg" : memref<6x2x2x3xf32>
    func.call @conv_1(%x2, %wg, %g) : (memref<2x4x9x24xf32>, memref<6x2x2x3xf32>, memref<2x6x5x11xf32>) -> ()
    func.call @conv_2(%x, %w1, %d) : (memref<1x2x6x20xf32>, memref<4x2x3x3xf32>, memref<1x4x4x14xf32>) -> ()
    func.call @conv_3(%x, %w1, %t) : (memref<1x2x6x20xf32>, memref<4x2x3x3xf32>, memref<1x4x6x20xf32>) -> ()
    func.call @conv_4(%x, %w2, %u) : (memref<1x2x6x20xf32>, memref<4x2x3x3xf32>, memref<1x4x6x20xf32>) -> ()
    func.return
  }
  func.func @conv_0(%0: memref<1x2x6x20xf32>, %1: memref<4x2x3x3xf32>, %2: memref<4xf32>, %3: memref<1x4x4x18xf32>, %4: memref<1x4x4x18xf32>) attributes {tcc.kernel, tcc.schedule_source = "heuristic"} {
    kernel.conv %0, %1 bias %2 residual %3 -> %4 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", schedule = {family = "conv", algorithm = "im2win", tile_channels = 4 : i64, tile_vectors = 1 : i64, lanes = 16 : i64, loop_order = "rows_channels", ic_block = 3 : i64}} : memref<1x2x6x20xf32>, memref<4x2x3x3xf32> bias memref<4xf32> residual memref<1x4x4x18xf32> -> memref<1x4x4x18xf32>
    func.return
  }
  func.func @conv_1(%0: memref<2x4x9x24xf32>, %1: memref<6x2x2x3xf32>, %2: memref<2x6x5x11xf32>) attributes {tcc.kernel, tcc.schedule_source = "random"} {
    kernel.conv %0, %1 -> %2 {strides = array<i64: 2, 2>, pads = array<i64: 1, 0, 0, 2>, dilations = array<i64: 1, 2>, group = 2 : i64, activation = "clip", clip_min = 0.0 : f32, clip_max = 6.0 : f32, schedule = {family = "conv", algorithm = "im2win", tile_channels = 3 : i64, tile_vectors = 1 : i64, lanes = 8 : i64, loop_order = "channels_rows", ic_block = 0 : i64}} : memref<2x4x9x24xf32>, memref<6x2x2x3xf32> -> memref<2x6x5x11xf32>
    func.return
  }
  func.func @conv_2(%0: memref<1x2x6x20xf32>, %1: memref<4x2x3x3xf32>, %2: memref<1x4x4x14xf32>) attributes {tcc.kernel, tcc.schedule_source = "random"} {
    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 3>, group = 1 : i64, schedule = {family = "conv", algorithm = "im2win", tile_channels = 2 : i64, tile_vectors = 2 : i64, lanes = 4 : i64, loop_order = "channels_rows", ic_block = 0 : i64}} : memref<1x2x6x20xf32>, memref<4x2x3x3xf32> -> memref<1x4x4x14xf32>
    func.return
  }
  func.func @conv_3(%0: memref<1x2x6x20xf32>, %1: memref<4x2x3x3xf32>, %2: memref<1x4x6x20xf32>) attributes {tcc.kernel, tcc.schedule_source = "heuristic"} {
    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, schedule = {family = "conv", algorithm = "tiled", tile_channels = 4 : i64, tile_vectors = 2 : i64, lanes = 16 : i64, loop_order = "channels_rows", ic_block = 0 : i64}} : memref<1x2x6x20xf32>, memref<4x2x3x3xf32> -> memref<1x4x6x20xf32>
    func.return
  }
  func.func @conv_4(%0: memref<1x2x6x20xf32>, %1: memref<4x2x3x3xf32>, %2: memref<1x4x6x20xf32>) attributes {tcc.kernel, tcc.schedule_source = "random"} {
    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, schedule = {family = "conv", algorithm = "im2col", tile_channels = 4 : i64, tile_vectors = 2 : i64, lanes = 16 : i64, loop_order = "channels_rows", ic_block = 0 : i64}} : memref<1x2x6x20xf32>, memref<4x2x3x3xf32> -> memref<1x4x6x20xf32>
    func.return
  }
}

// CHECK-LABEL: func.func @main
// CHECK-NEXT:    %w1 = kernel.weight "w1" : memref<4x2x3x3xf32>
// CHECK-NEXT:    %b = kernel.weight "b" : memref<4xf32>
// CHECK-NEXT:    [[W1V:%.*]] = kernel.view %w1 : memref<4x2x3x3xf32> to memref<4x6x1x3xf32>
// CHECK-NEXT:    [[WIN0:%.*]] = kernel.buffer : memref<1x6x4x20xf32>
// CHECK-NEXT:    func.call @[[IW0:im2win_[0-9]+]](%x, [[WIN0]]) : (memref<1x2x6x20xf32>, memref<1x6x4x20xf32>) -> ()
// CHECK-NEXT:    func.call @[[C0:conv_[0-9]+]]([[WIN0]], [[W1V]], %b, %r, %y) : (memref<1x6x4x20xf32>, memref<4x6x1x3xf32>, memref<4xf32>, memref<1x4x4x18xf32>, memref<1x4x4x18xf32>) -> ()
// CHECK-NEXT:    %w2 = kernel.weight "w2" : memref<4x2x3x3xf32>
// CHECK-NEXT:    [[W2V:%.*]] = kernel.view %w2 : memref<4x2x3x3xf32> to memref<4x6x1x3xf32>
// CHECK-NEXT:    [[WIN1:%.*]] = kernel.buffer : memref<1x6x4x20xf32>
// CHECK-NEXT:    func.call @[[IW1:im2win_[0-9]+]](%x, [[WIN1]])
// CHECK-NEXT:    func.call @[[C1:conv_[0-9]+]]([[WIN1]], [[W2V]], %b, %y, %z)
// CHECK-NEXT:    %wg = kernel.weight "wg" : memref<6x2x2x3xf32>
// CHECK-NEXT:    [[WGV:%.*]] = kernel.view %wg : memref<6x2x2x3xf32> to memref<6x4x1x3xf32>
// CHECK-NEXT:    [[WING:%.*]] = kernel.buffer : memref<2x8x5x13xf32>
// CHECK-NEXT:    func.call @[[IWG:im2win_[0-9]+]](%x2, [[WING]]) : (memref<2x4x9x24xf32>, memref<2x8x5x13xf32>) -> ()
// CHECK-NEXT:    func.call @[[CG:conv_[0-9]+]]([[WING]], [[WGV]], %g) : (memref<2x8x5x13xf32>, memref<6x4x1x3xf32>, memref<2x6x5x11xf32>) -> ()
// CHECK-NEXT:    [[W1D:%.*]] = kernel.view %w1 : memref<4x2x3x3xf32> to memref<4x6x1x3xf32>
// CHECK-NEXT:    [[WIND:%.*]] = kernel.buffer : memref<1x6x4x20xf32>
// CHECK-NEXT:    func.call @[[IWD:im2win_[0-9]+]](%x, [[WIND]])
// CHECK-NEXT:    func.call @[[CD:conv_[0-9]+]]([[WIND]], [[W1D]], %d) : (memref<1x6x4x20xf32>, memref<4x6x1x3xf32>, memref<1x4x4x14xf32>) -> ()
// CHECK-NEXT:    func.call @conv_3(%x, %w1, %t)
// CHECK-NEXT:    func.call @conv_4(%x, %w2, %u)
// CHECK-NEXT:    func.return

// CHECK-NOT:   func.func @conv_0(
// CHECK-NOT:   func.func @conv_1(
// CHECK-NOT:   func.func @conv_2(
// CHECK:       func.func @conv_3(
// CHECK-NEXT:    kernel.conv
// CHECK-SAME:    algorithm = "tiled"
// CHECK:       func.func @conv_4(
// CHECK-NEXT:    kernel.conv
// CHECK-SAME:    algorithm = "im2col"

// CHECK:       func.func @[[IW0]](%0: memref<1x2x6x20xf32>, %1: memref<1x6x4x20xf32>) attributes {tcc.kernel{{.*}}} {
// CHECK-NEXT:    kernel.im2win %0 -> %1 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, schedule = {family = "loops", unroll = 1 : i64}} : memref<1x2x6x20xf32> -> memref<1x6x4x20xf32>
// CHECK:       func.func @[[C0]](
// CHECK-NEXT:    kernel.conv %0, %1 bias %2 residual %3 -> %4 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", schedule = {family = "conv", algorithm = "tiled", tile_channels = 4 : i64, tile_vectors = 1 : i64, lanes = 16 : i64, loop_order = "rows_channels", ic_block = 3 : i64}} : memref<1x6x4x20xf32>, memref<4x6x1x3xf32> bias memref<4xf32> residual memref<1x4x4x18xf32> -> memref<1x4x4x18xf32>
// CHECK:       func.func @[[IW1]](
// CHECK-NEXT:    kernel.im2win
// CHECK:       func.func @[[C1]](
// CHECK-NEXT:    kernel.conv %0, %1 bias %2 residual %3 -> %4
// CHECK-SAME:    activation = "relu", schedule = {family = "conv", algorithm = "tiled", tile_channels = 4 : i64, tile_vectors = 1 : i64, lanes = 16 : i64, loop_order = "rows_channels", ic_block = 3 : i64}
// CHECK:       func.func @[[IWG]](
// CHECK-NEXT:    kernel.im2win %0 -> %1 {kernel_shape = array<i64: 2, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 0, 0, 2>, dilations = array<i64: 1, 2>, schedule = {family = "loops", unroll = 1 : i64}} : memref<2x4x9x24xf32> -> memref<2x8x5x13xf32>
// CHECK:       func.func @[[CG]](
// CHECK-NEXT:    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64, activation = "clip", clip_min = 0.000000e+00 : f32, clip_max = 6.000000e+00 : f32, schedule = {family = "conv", algorithm = "tiled", tile_channels = 3 : i64, tile_vectors = 1 : i64, lanes = 8 : i64, loop_order = "channels_rows", ic_block = 0 : i64}} : memref<2x8x5x13xf32>, memref<6x4x1x3xf32> -> memref<2x6x5x11xf32>
// CHECK:       func.func @[[IWD]](
// CHECK-NEXT:    kernel.im2win %0 -> %1 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 3>,
// CHECK:       func.func @[[CD]](
// CHECK-NEXT:    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 3>, group = 1 : i64, schedule = {family = "conv", algorithm = "tiled", tile_channels = 2 : i64, tile_vectors = 2 : i64, lanes = 4 : i64

// LOOPS-NOT:   kernel.{{conv|im2win}} 
// LOOPS:       func.func @im2win_0(
// LOOPS:       scf.for
// LOOPS-NOT:   kernel.{{conv|im2win}} 
