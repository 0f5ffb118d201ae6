// RUN: tcc-opt %s --no-weights -p conv-to-im2win | filecheck %s
// RUN: tcc-opt %s -p conv-to-im2win | filecheck %s
// RUN: tcc-opt %s --no-weights -p conv-to-im2win | not grep 'algorithm = "im2win"'
// RUN: tcc-opt %s --no-weights -p "conv-to-im2win,lower-kernels-to-loops" | filecheck %s --check-prefix=LOOPS
// RUN: D=$(mktemp -d) && python -c "import numpy as np, sys; np.savez(sys.argv[1], w=np.ones((4, 2, 3, 3), np.float32))" $D/w.npz && tcc-opt %s --weights $D/w.npz -p "conv-to-im2win,lower-kernels-to-loops" | filecheck %s --check-prefix=MIXED; rc=$?; rm -rf $D; exit $rc

// A strided im2win conv needs its filter's values (the per-phase re-layout is done at compile
// time). Without a weight store (`--no-weights`), with an empty one (no `--weights`), or when a
// call's filter is not a weight of the store (%v, a graph input), that call keeps the conv with
// the heuristic schedule (tiled here), and no function is left with algorithm im2win (the
// loops stage refuses one). With `--weights`, the call whose filter is the weight "w" is
// rewritten and the other falls back.

builtin.module {
  func.func @main(%x: memref<1x2x6x20xf32>, %v: memref<4x2x3x3xf32>, %y: memref<1x4x3x10xf32>, %z: memref<1x4x3x10xf32>) attributes {tcc.input_names = ["x", "v"], tcc.output_names = ["y", "z"], tcc.graph} {
    %w = kernel.weight "w" : memref<4x2x3x3xf32>
    func.call @conv_0(%x, %w, %y) : (memref<1x2x6x20xf32>, memref<4x2x3x3xf32>, memref<1x4x3x10xf32>) -> ()
    func.call @conv_0(%x, %v, %z) : (memref<1x2x6x20xf32>, memref<4x2x3x3xf32>, memref<1x4x3x10xf32>) -> ()
    func.return
  }
  func.func @conv_0(%0: memref<1x2x6x20xf32>, %1: memref<4x2x3x3xf32>, %2: memref<1x4x3x10xf32>) attributes {tcc.kernel, tcc.schedule_source = "random"} {
    kernel.conv %0, %1 -> %2 {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, schedule = {family = "conv", algorithm = "im2win", tile_channels = 2 : i64, tile_vectors = 1 : i64, lanes = 8 : i64, loop_order = "rows_channels", ic_block = 0 : i64}} : memref<1x2x6x20xf32>, memref<4x2x3x3xf32> -> memref<1x4x3x10xf32>
    func.return
  }
}

// CHECK-LABEL: func.func @main
// CHECK-NEXT:    %w = kernel.weight "w" : memref<4x2x3x3xf32>
// CHECK-NEXT:    func.call @[[F:conv_[0-9]+]](%x, %w, %y)
// CHECK-NEXT:    func.call @[[F]](%x, %v, %z)
// CHECK-NEXT:    func.return
// CHECK:       func.func @[[F]](
// CHECK-SAME:    tcc.schedule_source = "heuristic"
// CHECK-NEXT:    kernel.conv %0, %1 -> %2 {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, schedule = {family = "conv", algorithm = "tiled",

// LOOPS:       func.func @{{conv_[0-9]+}}(
// LOOPS:       scf.for

// MIXED-LABEL: func.func @main
// MIXED:         kernel.weight "w.im2win" : memref<4x12x1x2xf32>
// MIXED:         func.call @{{im2win_[0-9]+}}(%x,
// MIXED:         func.call @{{conv_[0-9]+}}(
// MIXED:         func.call @{{conv_[0-9]+}}(%x, %v, %z, %{{[0-9]+}}, %{{[0-9]+}})
