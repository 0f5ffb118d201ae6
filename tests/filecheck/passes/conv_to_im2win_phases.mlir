// RUN: D=$(mktemp -d) && python -c "import numpy as np, sys; np.savez(sys.argv[1], w1=np.ones((4, 2, 3, 3), np.float32), w2=np.ones((4, 1, 3, 3), np.float32), b=np.ones(4, np.float32))" $D/w.npz && tcc-opt %s --weights $D/w.npz -p conv-to-im2win | filecheck %s; rc=$?; rm -rf $D; exit $rc

// A width stride that does not divide the width dilation splits the window tensor into phases
// (P = the stride): the window conv's filter is the conv's filter re-laid-out per phase at
// compile time, a new weight "<name>.im2win" of the store (so this needs --weights;
// conv_to_im2win_fallback.mlir has the conv without a weight store).
// - @conv_0 (stride 2, 3x3, pad 1, bias, relu; P = 2, taps (p, q) = (0, 0), (1, 0), (0, 1)):
//   called twice, each call site gets a re-laid-out filter [4, 2*3*2, 1, 2] and a window
//   [1, 12, 3, 10 + 1]; the filter "w1" has no use left and is dropped;
// - @conv_1 (width stride 3, dilation 2, grouped, asymmetric pads, batch 2; P = 3, taps
//   (0, 0), (2, 0), (1, 1)): window [2, 2*3*3, 6, 6 + 1], filter [4, 1*3*3, 1, 2].

builtin.module {
  func.func @main(%x: memref<1x2x6x20xf32>, %s: memref<1x4x3x10xf32>, %s2: memref<1x4x3x10xf32>, %d: memref<2x4x6x6xf32>, %x3: memref<2x2x6x20xf32>) attributes {tcc.input_names = ["x", "x3"], tcc.output_names = ["s", "s2", "d"], tcc.graph} {
    %w1 = kernel.weight "w1" : memref<4x2x3x3xf32>
    %b = kernel.weight "b" : memref<4xf32>
    func.call @conv_0(%x, %w1, %b, %s) : (memref<1x2x6x20xf32>, memref<4x2x3x3xf32>, memref<4xf32>, memref<1x4x3x10xf32>) -> ()
    func.call @conv_0(%x, %w1, %b, %s2) : (memref<1x2x6x20xf32>, memref<4x2x3x3xf32>, memref<4xf32>, memref<1x4x3x10xf32>) -> ()
    %w2 = kernel.weight "w2" : memref<4x1x3x3xf32>
    func.call @conv_1(%x3, %w2, %d) : (memref<2x2x6x20xf32>, memref<4x1x3x3xf32>, memref<2x4x6x6xf32>) -> ()
    func.return
  }
  func.func @conv_0(%0: memref<1x2x6x20xf32>, %1: memref<4x2x3x3xf32>, %2: memref<4xf32>, %3: memref<1x4x3x10xf32>) attributes {tcc.kernel, tcc.schedule_source = "random"} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", schedule = {family = "conv", algorithm = "im2win", tile_channels = 2 : i64, tile_vectors = 1 : i64, lanes = 8 : i64, loop_order = "rows_channels", ic_block = 0 : i64}} : memref<1x2x6x20xf32>, memref<4x2x3x3xf32> bias memref<4xf32> -> memref<1x4x3x10xf32>
    func.return
  }
  func.func @conv_1(%0: memref<2x2x6x20xf32>, %1: memref<4x1x3x3xf32>, %2: memref<2x4x6x6xf32>) attributes {tcc.kernel, tcc.schedule_source = "random"} {
    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 3>, pads = array<i64: 1, 2, 1, 0>, dilations = array<i64: 1, 2>, group = 2 : i64, schedule = {family = "conv", algorithm = "im2win", tile_channels = 1 : i64, tile_vectors = 1 : i64, lanes = 4 : i64, loop_order = "channels_rows", ic_block = 0 : i64}} : memref<2x2x6x20xf32>, memref<4x1x3x3xf32> -> memref<2x4x6x6xf32>
    func.return
  }
}

// CHECK-LABEL: func.func @main
// CHECK-NOT:     kernel.weight "w1" :
// CHECK:         %b = kernel.weight "b" : memref<4xf32>
// CHECK-NEXT:    [[F0:%.*]] = kernel.weight "w1.im2win{{(_[0-9]+)?}}" : memref<4x12x1x2xf32>
// CHECK-NEXT:    [[WIN0:%.*]] = kernel.buffer : memref<1x12x3x11xf32>
// CHECK-NEXT:    func.call @[[IW0:im2win_[0-9]+]](%x, [[WIN0]]) : (memref<1x2x6x20xf32>, memref<1x12x3x11xf32>) -> ()
// CHECK-NEXT:    func.call @[[C0:conv_[0-9]+]]([[WIN0]], [[F0]], %b, %s) : (memref<1x12x3x11xf32>, memref<4x12x1x2xf32>, memref<4xf32>, memref<1x4x3x10xf32>) -> ()
// CHECK-NEXT:    [[F1:%.*]] = kernel.weight "w1.im2win{{(_[0-9]+)?}}" : memref<4x12x1x2xf32>
// CHECK-NEXT:    [[WIN1:%.*]] = kernel.buffer : memref<1x12x3x11xf32>
// CHECK-NEXT:    func.call @[[IW1:im2win_[0-9]+]](%x, [[WIN1]])
// CHECK-NEXT:    func.call @[[C1:conv_[0-9]+]]([[WIN1]], [[F1]], %b, %s2)
// CHECK-NOT:     kernel.weight "w2" :
// CHECK:         [[F2:%.*]] = kernel.weight "w2.im2win" : memref<4x9x1x2xf32>
// CHECK-NEXT:    [[WIN2:%.*]] = kernel.buffer : memref<2x18x6x7xf32>
// CHECK-NEXT:    func.call @[[IW2:im2win_[0-9]+]](%x3, [[WIN2]]) : (memref<2x2x6x20xf32>, memref<2x18x6x7xf32>) -> ()
// CHECK-NEXT:    func.call @[[C2:conv_[0-9]+]]([[WIN2]], [[F2]], %d) : (memref<2x18x6x7xf32>, memref<4x9x1x2xf32>, memref<2x4x6x6xf32>) -> ()
// CHECK-NEXT:    func.return

// CHECK-NOT:   func.func @conv_0(
// CHECK-NOT:   func.func @conv_1(
// CHECK:       func.func @[[IW0]](
// CHECK-NEXT:    kernel.im2win %0 -> %1 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, schedule = {family = "loops", unroll = 1 : i64}} : memref<1x2x6x20xf32> -> memref<1x12x3x11xf32>
// CHECK:       func.func @[[C0]](
// CHECK-NEXT:    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", schedule = {family = "conv", algorithm = "tiled", tile_channels = 2 : i64, tile_vectors = 1 : i64, lanes = 8 : i64, loop_order = "rows_channels", ic_block = 0 : i64}} : memref<1x12x3x11xf32>, memref<4x12x1x2xf32> bias memref<4xf32> -> memref<1x4x3x10xf32>
// CHECK:       func.func @[[IW1]](
// CHECK-NEXT:    kernel.im2win
// CHECK:       func.func @[[C1]](
// CHECK-NEXT:    kernel.conv
// CHECK:       func.func @[[IW2]](
// CHECK-NEXT:    kernel.im2win %0 -> %1 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 3>, pads = array<i64: 1, 2, 1, 0>, dilations = array<i64: 1, 2>, schedule = {family = "loops", unroll = 1 : i64}} : memref<2x2x6x20xf32> -> memref<2x18x6x7xf32>
// CHECK:       func.func @[[C2]](
// CHECK-NEXT:    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64, schedule = {family = "conv", algorithm = "tiled", tile_channels = 1 : i64, tile_vectors = 1 : i64, lanes = 4 : i64, loop_order = "channels_rows", ic_block = 0 : i64}} : memref<2x18x6x7xf32>, memref<4x9x1x2xf32> -> memref<2x4x6x6xf32>
