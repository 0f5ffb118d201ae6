// RUN: tcc-opt %s --no-weights -p conv-to-winograd | filecheck %s
// RUN: tcc-opt %s -p conv-to-winograd | filecheck %s
// RUN: tcc-opt %s --no-weights -p conv-to-winograd | not grep 'algorithm = "winograd'
// RUN: tcc-opt %s --no-weights -p "conv-to-winograd,lower-kernels-to-loops" | filecheck %s --check-prefix=LOOPS

// Winograd transforms the filter at compile time, so it needs the filter's values: without a
// weight store (`--no-weights`) or with an empty one (no `--weights`), the conv keeps the
// heuristic schedule (tiled here) and no function is left with a winograd algorithm (the loops
// stage refuses one). This is what `tcc compile --conv-algorithm winograd` does for a conv
// whose filter is a graph input.

builtin.module {
  func.func @main(%x: memref<1x2x6x20xf32>, %y: memref<1x16x6x20xf32>) attributes {tcc.input_names = ["x"], tcc.output_names = ["y"], tcc.graph} {
    %w = kernel.weight "w" : memref<16x2x3x3xf32>
    func.call @conv_0(%x, %w, %y) : (memref<1x2x6x20xf32>, memref<16x2x3x3xf32>, memref<1x16x6x20xf32>) -> ()
    func.return
  }
  func.func @conv_0(%0: memref<1x2x6x20xf32>, %1: memref<16x2x3x3xf32>, %2: memref<1x16x6x20xf32>) attributes {tcc.kernel, tcc.schedule_source = "heuristic"} {
    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, schedule = {family = "conv", algorithm = "winograd4", tile_channels = 6 : i64, tile_vectors = 2 : i64, lanes = 16 : i64, loop_order = "channels_rows", ic_block = 0 : i64}} : memref<1x2x6x20xf32>, memref<16x2x3x3xf32> -> memref<1x16x6x20xf32>
    func.return
  }
}

// CHECK-LABEL: func.func @main
// CHECK-NEXT:    %w = kernel.weight "w" : memref<16x2x3x3xf32>
// CHECK-NEXT:    func.call @[[F:conv_[0-9]+]](%x, %w, %y)
// CHECK-NEXT:    func.return
// CHECK:       func.func @[[F]](
// CHECK-SAME:    tcc.schedule_source = "heuristic"
// CHECK-NEXT:    kernel.conv %0, %1 -> %2 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, schedule = {family = "conv", algorithm = "tiled",

// LOOPS:       func.func @{{conv_[0-9]+}}(
// LOOPS:       scf.for
