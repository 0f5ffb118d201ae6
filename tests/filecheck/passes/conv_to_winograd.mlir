// RUN: D=$(mktemp -d) && python -c "import numpy as np, sys; np.savez(sys.argv[1], w=np.ones((16, 2, 3, 3), np.float32), w2=np.ones((16, 3, 3, 3), np.float32), b=np.ones(16, np.float32))" $D/w.npz && tcc-opt %s --weights $D/w.npz -p conv-to-winograd | filecheck %s; rc=$?; rm -rf $D; exit $rc
// RUN: D=$(mktemp -d) && python -c "import numpy as np, sys; np.savez(sys.argv[1], w=np.ones((16, 2, 3, 3), np.float32), w2=np.ones((16, 3, 3, 3), np.float32), b=np.ones(16, np.float32))" $D/w.npz && tcc-opt %s --weights $D/w.npz -p "conv-to-winograd,conv-to-im2col,lower-kernels-to-loops" | filecheck %s --check-prefix=LOOPS; rc=$?; rm -rf $D; exit $rc

// conv-to-winograd rewrites every call of a conv scheduled winograd2 / winograd4 into
// F(m x m, 3 x 3): the filter transform U [alpha^2, C_in, C_out] as a new weight
// "<filter>.winograd<m>" (done at compile time, so this needs --weights;
// conv_to_winograd_fallback.mlir has the conv without a weight store), the input transform
// into an arena buffer V [alpha^2, T, C_in], a batched matmul V @ U -> M on the register-tiled
// microkernel (the schedule's tile; ic_block becomes the matmul's k_block) and the output
// transform, which takes the conv's bias, residual and activation.
// - @conv_0 (winograd2, bias, residual, clip) is called twice with the same filter: each call
//   site gets its own U, V, M and three kernels, and @conv_0 is gone;
// - @conv_1 (winograd4, asymmetric pads, batch 2, odd sizes, relu): 6x8 outputs in 2x2 tiles
//   of 4x4 per image, T = 8; "w2" has no use left and is dropped;
// - @conv_2 (tiled) and @conv_3 (im2col) are left alone ("w" is still used by them).

builtin.module {
  func.func @main(%x: memref<1x2x6x6xf32>, %r: memref<1x16x4x4xf32>, %x2: memref<2x3x7x9xf32>, %y: memref<1x16x4x4xf32>, %z: memref<1x16x4x4xf32>, %q: memref<2x16x6x8xf32>, %t: memref<1x16x4x4xf32>, %u: memref<1x16x4x4xf32>) attributes {tcc.input_names = ["x", "r", "x2"], tcc.output_names = ["y", "z", "q", "t", "u"], tcc.graph} {
    %w = kernel.weight "w" : memref<16x2x3x3xf32>
    %b = kernel.weight "b" : memref<16xf32>
    func.call @conv_0(%x, %w, %b, %r, %y) : (memref<1x2x6x6xf32>, memref<16x2x3x3xf32>, memref<16xf32>, memref<1x16x4x4xf32>, memref<1x16x4x4xf32>) -> ()
    func.call @conv_0(%x, %w, %b, %y, %z) : (memref<1x2x6x6xf32>, memref<16x2x3x3xf32>, memref<16xf32>, memref<1x16x4x4xf32>, memref<1x16x4x4xf32>) -> ()
    %w2 = kernel.weight "w2" : memref<16x3x3x3xf32>
    func.call @conv_1(%x2, %w2, %q) : (memref<2x3x7x9xf32>, memref<16x3x3x3xf32>, memref<2x16x6x8xf32>) -> ()
    func.call @conv_2(%x, %w, %t) : (memref<1x2x6x6xf32>, memref<16x2x3x3xf32>, memref<1x16x4x4xf32>) -> ()
    func.call @conv_3(%x, %w, %u) : (memref<1x2x6x6xf32>, memref<16x2x3x3xf32>, memref<1x16x4x4xf32>) -> ()
    func.return
  }
  func.func @conv_0(%0: memref<1x2x6x6xf32>, %1: memref<16x2x3x3xf32>, %2: memref<16xf32>, %3: memref<1x16x4x4xf32>, %4: memref<1x16x4x4xf32>) attributes {tcc.kernel, tcc.schedule_source = "heuristic"} {
    kernel.conv %0, %1 bias %2 residual %3 -> %4 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "clip", clip_min = 0.0 : f32, clip_max = 6.0 : f32, schedule = {family = "conv", algorithm = "winograd2", tile_channels = 3 : i64, tile_vectors = 1 : i64, lanes = 16 : i64, loop_order = "channels_rows", ic_block = 8 : i64}} : memref<1x2x6x6xf32>, memref<16x2x3x3xf32> bias memref<16xf32> residual memref<1x16x4x4xf32> -> memref<1x16x4x4xf32>
    func.return
  }
  func.func @conv_1(%0: memref<2x3x7x9xf32>, %1: memref<16x3x3x3xf32>, %2: memref<2x16x6x8xf32>) attributes {tcc.kernel, tcc.schedule_source = "random"} {
    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 1, 0, 0, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", schedule = {family = "conv", algorithm = "winograd4", tile_channels = 6 : i64, tile_vectors = 2 : i64, lanes = 8 : i64, loop_order = "channels_rows", ic_block = 0 : i64}} : memref<2x3x7x9xf32>, memref<16x3x3x3xf32> -> memref<2x16x6x8xf32>
    func.return
  }
  func.func @conv_2(%0: memref<1x2x6x6xf32>, %1: memref<16x2x3x3xf32>, %2: memref<1x16x4x4xf32>) attributes {tcc.kernel, tcc.schedule_source = "heuristic"} {
    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, schedule = {family = "conv", algorithm = "tiled", tile_channels = 6 : i64, tile_vectors = 2 : i64, lanes = 4 : i64, loop_order = "channels_rows", ic_block = 0 : i64}} : memref<1x2x6x6xf32>, memref<16x2x3x3xf32> -> memref<1x16x4x4xf32>
    func.return
  }
  func.func @conv_3(%0: memref<1x2x6x6xf32>, %1: memref<16x2x3x3xf32>, %2: memref<1x16x4x4xf32>) attributes {tcc.kernel, tcc.schedule_source = "random"} {
    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, schedule = {family = "conv", algorithm = "im2col", tile_channels = 6 : i64, tile_vectors = 2 : i64, lanes = 4 : i64, loop_order = "channels_rows", ic_block = 0 : i64}} : memref<1x2x6x6xf32>, memref<16x2x3x3xf32> -> memref<1x16x4x4xf32>
    func.return
  }
}

// CHECK-LABEL: func.func @main
// CHECK-NEXT:    %w = kernel.weight "w" : memref<16x2x3x3xf32>
// CHECK-NEXT:    %b = kernel.weight "b" : memref<16xf32>
// CHECK-NEXT:    [[U0:%.*]] = kernel.weight "w.winograd2{{(_[0-9]+)?}}" : memref<16x2x16xf32>
// CHECK-NEXT:    [[V0:%.*]] = kernel.buffer : memref<16x4x2xf32>
// CHECK-NEXT:    func.call @[[IN0:winograd_input_[0-9]+]](%x, [[V0]]) : (memref<1x2x6x6xf32>, memref<16x4x2xf32>) -> ()
// CHECK-NEXT:    [[M0:%.*]] = kernel.buffer : memref<16x4x16xf32>
// CHECK-NEXT:    func.call @[[MM0:matmul_[0-9]+]]([[V0]], [[U0]], [[M0]]) : (memref<16x4x2xf32>, memref<16x2x16xf32>, memref<16x4x16xf32>) -> ()
// CHECK-NEXT:    func.call @[[OUT0:winograd_output_[0-9]+]]([[M0]], %b, %r, %y) : (memref<16x4x16xf32>, memref<16xf32>, memref<1x16x4x4xf32>, memref<1x16x4x4xf32>) -> ()
// CHECK-NEXT:    [[U1:%.*]] = kernel.weight "w.winograd2{{(_[0-9]+)?}}" : memref<16x2x16xf32>
// CHECK-NEXT:    [[V1:%.*]] = kernel.buffer : memref<16x4x2xf32>
// CHECK-NEXT:    func.call @[[IN1:winograd_input_[0-9]+]](%x, [[V1]])
// CHECK-NEXT:    [[M1:%.*]] = kernel.buffer : memref<16x4x16xf32>
// CHECK-NEXT:    func.call @[[MM1:matmul_[0-9]+]]([[V1]], [[U1]], [[M1]])
// CHECK-NEXT:    func.call @[[OUT1:winograd_output_[0-9]+]]([[M1]], %b, %y, %z)
// CHECK-NOT:     kernel.weight "w2" :
// CHECK:         [[U2:%.*]] = kernel.weight "w2.winograd4" : memref<36x3x16xf32>
// CHECK-NEXT:    [[V2:%.*]] = kernel.buffer : memref<36x8x3xf32>
// CHECK-NEXT:    func.call @[[IN2:winograd_input_[0-9]+]](%x2, [[V2]]) : (memref<2x3x7x9xf32>, memref<36x8x3xf32>) -> ()
// CHECK-NEXT:    [[M2:%.*]] = kernel.buffer : memref<36x8x16xf32>
// CHECK-NEXT:    func.call @[[MM2:matmul_[0-9]+]]([[V2]], [[U2]], [[M2]]) : (memref<36x8x3xf32>, memref<36x3x16xf32>, memref<36x8x16xf32>) -> ()
// CHECK-NEXT:    func.call @[[OUT2:winograd_output_[0-9]+]]([[M2]], %q) : (memref<36x8x16xf32>, memref<2x16x6x8xf32>) -> ()
// CHECK-NEXT:    func.call @conv_2(%x, %w, %t)
// CHECK-NEXT:    func.call @conv_3(%x, %w, %u)
// CHECK-NEXT:    func.return

// CHECK-NOT:   func.func @conv_0(
// CHECK-NOT:   func.func @conv_1(
// CHECK:       func.func @conv_2(
// CHECK-NEXT:    kernel.conv
// CHECK-SAME:    algorithm = "tiled"
// CHECK:       func.func @conv_3(
// CHECK-NEXT:    kernel.conv
// CHECK-SAME:    algorithm = "im2col"

// CHECK:       func.func @[[IN0]](%0: memref<1x2x6x6xf32>, %1: memref<16x4x2xf32>) attributes {tcc.kernel{{.*}}} {
// CHECK-NEXT:    kernel.winograd_input %0 -> %1 {tile = 2 : i64, pads = array<i64: 0, 0, 0, 0>, schedule = {family = "loops", unroll = 1 : i64}} : memref<1x2x6x6xf32> -> memref<16x4x2xf32>
// CHECK:       func.func @[[MM0]](
// CHECK-NEXT:    kernel.matmul %0, %1 -> %2 {schedule = {family = "gemm", algorithm = "tiled", tile_channels = 3 : i64, tile_vectors = 1 : i64, lanes = 16 : i64, k_block = 8 : i64, pack_b = false}} : memref<16x4x2xf32>, memref<16x2x16xf32> -> memref<16x4x16xf32>
// CHECK:       func.func @[[OUT0]](
// CHECK-NEXT:    kernel.winograd_output %0 bias %1 residual %2 -> %3 {tile = 2 : i64, activation = "clip", clip_min = 0.000000e+00 : f32, clip_max = 6.000000e+00 : f32, schedule = {family = "loops", unroll = 1 : i64}} : memref<16x4x16xf32> bias memref<16xf32> residual memref<1x16x4x4xf32> -> memref<1x16x4x4xf32>
// CHECK:       func.func @[[IN1]](
// CHECK-NEXT:    kernel.winograd_input
// CHECK:       func.func @[[MM1]](
// CHECK-NEXT:    kernel.matmul
// CHECK:       func.func @[[OUT1]](
// CHECK-NEXT:    kernel.winograd_output %0 bias %1 residual %2 -> %3 {tile = 2 : i64, activation = "clip"
// CHECK:       func.func @[[IN2]](
// CHECK-NEXT:    kernel.winograd_input %0 -> %1 {tile = 4 : i64, pads = array<i64: 1, 0, 0, 1>, schedule = {family = "loops", unroll = 1 : i64}} : memref<2x3x7x9xf32> -> memref<36x8x3xf32>
// CHECK:       func.func @[[MM2]](
// CHECK-NEXT:    kernel.matmul %0, %1 -> %2 {schedule = {family = "gemm", algorithm = "tiled", tile_channels = 6 : i64, tile_vectors = 2 : i64, lanes = 8 : i64, k_block = 0 : i64, pack_b = false}}
// CHECK:       func.func @[[OUT2]](
// CHECK-NEXT:    kernel.winograd_output %0 -> %1 {tile = 4 : i64, activation = "relu", schedule = {family = "loops", unroll = 1 : i64}} : memref<36x8x16xf32> -> memref<2x16x6x8xf32>

// LOOPS-NOT:   kernel.{{conv|winograd_input|winograd_output|matmul|im2col}} 
// LOOPS:       func.func @winograd_input_0(
// LOOPS:       scf.for
// LOOPS:       func.func @winograd_output_0(
// LOOPS:       scf.for
// LOOPS-NOT:   kernel.{{conv|winograd_input|winograd_output|matmul|im2col}} 
