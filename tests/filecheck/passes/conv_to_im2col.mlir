// RUN: tcc-opt %s -p conv-to-im2col | filecheck %s
// RUN: tcc-opt %s -p "conv-to-im2col,conv-to-im2win,lower-kernels-to-loops" | filecheck %s --check-prefix=LOOPS

// conv-to-im2col rewrites every call of a conv scheduled `im2col` into an im2col kernel
// writing a new arena buffer and a pointwise conv over it (the filter seen through a view),
// which keeps the conv's bias, residual and activation and the schedule's tile knobs:
// - @conv_0 is called twice (dedup-kernels left one function): each call site gets its own
//   buffer, view and pair of kernels, and @conv_0 is gone;
// - @conv_1: grouped, strided, dilated, asymmetric pads, clip, batch 2;
// - @conv_2 (scheduled im2win) is another pass's business and stays as it is;
// - @conv_3 (im2col, no call site) keeps its function with the heuristic schedule.

builtin.module {
  func.func @main(%x: memref<1x2x6x20xf32>, %r: memref<1x4x6x20xf32>, %x2: memref<2x2x11x13xf32>, %y: memref<1x4x6x20xf32>, %z: memref<1x4x6x20xf32>, %g: memref<2x4x9x7xf32>, %t: memref<1x4x6x20xf32>) attributes {tcc.input_names = ["x", "r", "x2"], tcc.output_names = ["y", "z", "g", "t"], tcc.graph} {
    %w1 = kernel.weight "w1" : memref<4x2x3x3xf32>
    %b = kernel.weight "b" : memref<4xf32>
    func.call @conv_0(%x, %w1, %b, %r, %y) : (memref<1x2x6x20xf32>, memref<4x2x3x3xf32>, memref<4xf32>, memref<1x4x6x20xf32>, memref<1x4x6x20xf32>) -> ()
    %w2 = kernel.weight "w2" : memref<4x2x3x3xf32>
    func.call @conv_0(%x, %w2, %b, %y, %z) : (memref<1x2x6x20xf32>, memref<4x2x3x3xf32>, memref<4xf32>, memref<1x4x6x20xf32>, memref<1x4x6x20xf32>) -> ()
    %wg = kernel.weight "wg" : memref<4x1x3x2xf32>
    func.call @conv_1(%x2, %wg, %g) : (memref<2x2x11x13xf32>, memref<4x1x3x2xf32>, memref<2x4x9x7xf32>) -> ()
    func.call @conv_2(%x, %w1, %t) : (memref<1x2x6x20xf32>, memref<4x2x3x3xf32>, memref<1x4x6x20xf32>) -> ()
    func.return
  }
  func.func @conv_0(%0: memref<1x2x6x20xf32>, %1: memref<4x2x3x3xf32>, %2: memref<4xf32>, %3: memref<1x4x6x20xf32>, %4: memref<1x4x6x20xf32>) attributes {tcc.kernel, tcc.schedule_source = "heuristic"} {
    kernel.conv %0, %1 bias %2 residual %3 -> %4 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", schedule = {family = "conv", algorithm = "im2col", tile_channels = 4 : i64, tile_vectors = 2 : i64, lanes = 8 : i64, loop_order = "channels_rows", ic_block = 8 : i64}} : memref<1x2x6x20xf32>, memref<4x2x3x3xf32> bias memref<4xf32> residual memref<1x4x6x20xf32> -> memref<1x4x6x20xf32>
    func.return
  }
  func.func @conv_1(%0: memref<2x2x11x13xf32>, %1: memref<4x1x3x2xf32>, %2: memref<2x4x9x7xf32>) attributes {tcc.kernel, tcc.schedule_source = "random"} {
    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 2>, pads = array<i64: 0, 1, 2, 0>, dilations = array<i64: 2, 1>, group = 2 : i64, activation = "clip", clip_min = 0.0 : f32, clip_max = 6.0 : f32, schedule = {family = "conv", algorithm = "im2col", tile_channels = 2 : i64, tile_vectors = 1 : i64, lanes = 4 : i64, loop_order = "rows_channels", ic_block = 0 : i64}} : memref<2x2x11x13xf32>, memref<4x1x3x2xf32> -> memref<2x4x9x7xf32>
    func.return
  }
  func.func @conv_2(%0: memref<1x2x6x20xf32>, %1: memref<4x2x3x3xf32>, %2: memref<1x4x6x20xf32>) attributes {tcc.kernel, tcc.schedule_source = "heuristic"} {
    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, schedule = {family = "conv", algorithm = "im2win", tile_channels = 4 : i64, tile_vectors = 2 : i64, lanes = 16 : i64, loop_order = "channels_rows", ic_block = 0 : i64}} : memref<1x2x6x20xf32>, memref<4x2x3x3xf32> -> memref<1x4x6x20xf32>
    func.return
  }
  func.func @conv_3(%0: memref<1x2x6x20xf32>, %1: memref<4x2x3x3xf32>, %2: memref<1x4x6x20xf32>) attributes {tcc.kernel, tcc.schedule_source = "random"} {
    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, schedule = {family = "conv", algorithm = "im2col", tile_channels = 4 : i64, tile_vectors = 2 : i64, lanes = 16 : i64, loop_order = "channels_rows", ic_block = 0 : i64}} : memref<1x2x6x20xf32>, memref<4x2x3x3xf32> -> memref<1x4x6x20xf32>
    func.return
  }
}

// CHECK-LABEL: func.func @main
// CHECK-NEXT:    %w1 = kernel.weight "w1" : memref<4x2x3x3xf32>
// CHECK-NEXT:    %b = kernel.weight "b" : memref<4xf32>
// CHECK-NEXT:    [[COLS0:%.*]] = kernel.buffer : memref<1x18x6x20xf32>
// CHECK-NEXT:    func.call @[[IM0:im2col_[0-9]+]](%x, [[COLS0]]) : (memref<1x2x6x20xf32>, memref<1x18x6x20xf32>) -> ()
// CHECK-NEXT:    [[W1V:%.*]] = kernel.view %w1 : memref<4x2x3x3xf32> to memref<4x18x1x1xf32>
// CHECK-NEXT:    func.call @[[GEMM0:conv_[0-9]+]]([[COLS0]], [[W1V]], %b, %r, %y) : (memref<1x18x6x20xf32>, memref<4x18x1x1xf32>, memref<4xf32>, memref<1x4x6x20xf32>, memref<1x4x6x20xf32>) -> ()
// CHECK-NEXT:    %w2 = kernel.weight "w2" : memref<4x2x3x3xf32>
// CHECK-NEXT:    [[COLS1:%.*]] = kernel.buffer : memref<1x18x6x20xf32>
// CHECK-NEXT:    func.call @[[IM1:im2col_[0-9]+]](%x, [[COLS1]])
// CHECK-NEXT:    [[W2V:%.*]] = kernel.view %w2 : memref<4x2x3x3xf32> to memref<4x18x1x1xf32>
// CHECK-NEXT:    func.call @[[GEMM1:conv_[0-9]+]]([[COLS1]], [[W2V]], %b, %y, %z)
// CHECK-NEXT:    %wg = kernel.weight "wg" : memref<4x1x3x2xf32>
// CHECK-NEXT:    [[COLSG:%.*]] = kernel.buffer : memref<2x12x9x7xf32>
// CHECK-NEXT:    func.call @[[IMG:im2col_[0-9]+]](%x2, [[COLSG]]) : (memref<2x2x11x13xf32>, memref<2x12x9x7xf32>) -> ()
// CHECK-NEXT:    [[WGV:%.*]] = kernel.view %wg : memref<4x1x3x2xf32> to memref<4x6x1x1xf32>
// CHECK-NEXT:    func.call @[[GEMMG:conv_[0-9]+]]([[COLSG]], [[WGV]], %g) : (memref<2x12x9x7xf32>, memref<4x6x1x1xf32>, memref<2x4x9x7xf32>) -> ()
// CHECK-NEXT:    func.call @conv_2(%x, %w1, %t)
// CHECK-NEXT:    func.return

// CHECK-NOT:   func.func @conv_0(
// CHECK-NOT:   func.func @conv_1(

// CHECK:       func.func @conv_2(
// CHECK-SAME:    tcc.schedule_source = "heuristic"
// CHECK-NEXT:    kernel.conv
// CHECK-SAME:    algorithm = "im2win"

// CHECK:       func.func @conv_3(
// CHECK-SAME:    tcc.schedule_source = "heuristic"
// CHECK-NEXT:    kernel.conv
// CHECK-SAME:    algorithm = "tiled", tile_channels = 6 : i64, tile_vectors = 2 : i64, lanes = 16 : i64

// CHECK:       func.func @[[IM0]](%0: memref<1x2x6x20xf32>, %1: memref<1x18x6x20xf32>) attributes {tcc.kernel{{.*}}} {
// CHECK-NEXT:    kernel.im2col %0 -> %1 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, schedule = {family = "loops", unroll = 1 : i64}} : memref<1x2x6x20xf32> -> memref<1x18x6x20xf32>
// CHECK:       func.func @[[GEMM0]](
// CHECK-NEXT:    kernel.conv %0, %1 bias %2 residual %3 -> %4 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", schedule = {family = "conv", algorithm = "pointwise", tile_channels = 4 : i64, tile_vectors = 2 : i64, lanes = 8 : i64, loop_order = "channels_rows", ic_block = 8 : i64}} : memref<1x18x6x20xf32>, memref<4x18x1x1xf32> bias memref<4xf32> residual memref<1x4x6x20xf32> -> memref<1x4x6x20xf32>
// CHECK:       func.func @[[IM1]](
// CHECK-NEXT:    kernel.im2col
// CHECK:       func.func @[[GEMM1]](
// CHECK-NEXT:    kernel.conv %0, %1 bias %2 residual %3 -> %4
// CHECK-SAME:    activation = "relu", schedule = {family = "conv", algorithm = "pointwise", tile_channels = 4 : i64, tile_vectors = 2 : i64, lanes = 8 : i64, loop_order = "channels_rows", ic_block = 8 : i64}
// CHECK:       func.func @[[IMG]](
// CHECK-NEXT:    kernel.im2col %0 -> %1 {kernel_shape = array<i64: 3, 2>, strides = array<i64: 1, 2>, pads = array<i64: 0, 1, 2, 0>, dilations = array<i64: 2, 1>, schedule = {family = "loops", unroll = 1 : i64}} : memref<2x2x11x13xf32> -> memref<2x12x9x7xf32>
// CHECK:       func.func @[[GEMMG]](
// CHECK-NEXT:    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64, activation = "clip", clip_min = 0.000000e+00 : f32, clip_max = 6.000000e+00 : f32, schedule = {family = "conv", algorithm = "pointwise", tile_channels = 2 : i64, tile_vectors = 1 : i64, lanes = 4 : i64, loop_order = "rows_channels", ic_block = 0 : i64}} : memref<2x12x9x7xf32>, memref<4x6x1x1xf32> -> memref<2x4x9x7xf32>

// Both passes, then the loops: every kernel lowers (none is left with an expanded algorithm).
// LOOPS-NOT:   kernel.{{conv|im2col|im2win}} 
// LOOPS:       func.func @im2col_0(
// LOOPS:       scf.for
// LOOPS-NOT:   kernel.{{conv|im2col|im2win}} 
// LOOPS:       func.func @im2win_0(
// LOOPS:       scf.for
// LOOPS-NOT:   kernel.{{conv|im2col|im2win}} 
