// RUN: D=$(mktemp -d) && python -c "import numpy as np, sys; np.savez(sys.argv[1], w=np.ones((20, 2, 3, 3), np.float32), b=np.ones(20, np.float32))" $D/w.npz && tcc-opt %s --weights $D/w.npz -p conv-to-packed | filecheck %s; rc=$?; rm -rf $D; exit $rc
// RUN: D=$(mktemp -d) && python -c "import numpy as np, sys; np.savez(sys.argv[1], w=np.ones((20, 2, 3, 3), np.float32), b=np.ones(20, np.float32))" $D/w.npz && tcc-opt %s --weights $D/w.npz -p conv-to-packed,conv-to-packed | filecheck %s; rc=$?; rm -rf $D; exit $rc
// RUN: D=$(mktemp -d) && python -c "import numpy as np, sys; np.savez(sys.argv[1], w=np.ones((20, 2, 3, 3), np.float32), b=np.ones(20, np.float32))" $D/w.npz && tcc-opt %s --weights $D/w.npz -p "conv-to-packed,lower-kernels-to-loops" | filecheck %s --check-prefix=LOOPS; rc=$?; rm -rf $D; exit $rc
// RUN: tcc-opt %s --no-weights -p conv-to-packed | not grep 'algorithm = "packed'

// conv-to-packed packs the filter of every conv scheduled `packed` at compile time into
// blocks of lanes x tile_vectors = 16 output channels, [2, C_in, 3, 3, 16] for 20 channels
// (zero past the 20th), as a new weight "w.packed16"; the conv keeps its bias, residual,
// activation and schedule and takes the packed filter. The loops broadcast one input value per
// pixel (a tile of 3 pixels here) against the tap's weight vectors, and store each output
// channel's pixels as one vector<3xf32> (the last block only its 4 channels). Without the
// filter's values the conv keeps the heuristic schedule. A second run leaves a packed conv as
// it is (tcc fuzz found it packing the packed filter again).

builtin.module {
  func.func @main(%x: memref<1x2x6x6xf32>, %r: memref<1x20x6x6xf32>, %y: memref<1x20x6x6xf32>) attributes {tcc.input_names = ["x", "r"], tcc.output_names = ["y"], tcc.graph} {
    %w = kernel.weight "w" : memref<20x2x3x3xf32>
    %b = kernel.weight "b" : memref<20xf32>
    func.call @conv_0(%x, %w, %b, %r, %y) : (memref<1x2x6x6xf32>, memref<20x2x3x3xf32>, memref<20xf32>, memref<1x20x6x6xf32>, memref<1x20x6x6xf32>) -> ()
    func.return
  }
  func.func @conv_0(%0: memref<1x2x6x6xf32>, %1: memref<20x2x3x3xf32>, %2: memref<20xf32>, %3: memref<1x20x6x6xf32>, %4: memref<1x20x6x6xf32>) attributes {tcc.kernel, tcc.schedule_source = "heuristic"} {
    kernel.conv %0, %1 bias %2 residual %3 -> %4 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu", schedule = {family = "conv", algorithm = "packed", tile_channels = 3 : i64, tile_vectors = 2 : i64, lanes = 8 : i64, loop_order = "channels_rows", ic_block = 0 : i64}} : memref<1x2x6x6xf32>, memref<20x2x3x3xf32> bias memref<20xf32> residual memref<1x20x6x6xf32> -> memref<1x20x6x6xf32>
    func.return
  }
}

// CHECK-LABEL: func.func @main
// CHECK-NEXT:    %b = kernel.weight "b" : memref<20xf32>
// CHECK-NEXT:    [[P:%.*]] = kernel.weight "w.packed16" : memref<2x2x3x3x16xf32>
// CHECK-NEXT:    func.call @[[CONV:conv_[0-9]+]](%x, [[P]], %b, %r, %y) : (memref<1x2x6x6xf32>, memref<2x2x3x3x16xf32>, memref<20xf32>, memref<1x20x6x6xf32>, memref<1x20x6x6xf32>) -> ()
// CHECK-NEXT:    func.return
// CHECK:       func.func @[[CONV]](
// CHECK-NEXT:    kernel.conv %{{.*}}, %{{.*}} bias %{{.*}} residual %{{.*}} -> %{{.*}} {{{.*}}activation = "relu"{{.*}}algorithm = "packed"{{.*}}} : memref<1x2x6x6xf32>, memref<2x2x3x3x16xf32> bias memref<20xf32> residual memref<1x20x6x6xf32> -> memref<1x20x6x6xf32>

// LOOPS:       func.func @conv_{{[0-9]+}}
// LOOPS:         vector.load %{{.*}} : memref<2x2x3x3x16xf32>, vector<8xf32>
// LOOPS:         vector.broadcast %{{.*}} : f32 to vector<8xf32>
// LOOPS:         vector.fma %{{.*}} : vector<8xf32>
// LOOPS:         vector.shuffle %{{.*}} : vector<8xf32>, vector<8xf32>
// LOOPS:         vector.store %{{.*}} : memref<1x20x6x6xf32>, vector<3xf32>
