// RUN: tcc-opt %s -p "choose-schedules{policy=costmodel}" | filecheck %s
// RUN: tcc-opt %s -p "choose-schedules{policy=costmodel max_weight_growth=-1.0}" | filecheck %s --check-prefix=UNLIMITED
// RUN: tcc-opt %s -p "choose-schedules{policy=costmodel max_weight_growth=3.0}" | filecheck %s --check-prefix=UNLIMITED

// A deep 3x3 conv at 28x28, where the model picks Winograd F(4x4,3x3): its transformed
// filter [36, 512, 512] is 4x the 9.4 MiB filter, 28 MiB more, past the default budget
// (10% of the weights, or 16 MiB). The conv falls back to F(2x2,3x3) (1.8x, 7 MiB more).
// With no limit (-1), or a budget of 3x the weights, F(4x4) stays (on the heuristic GEMM
// tile, so the source reads "heuristic").

builtin.module {
  func.func @main(%x: memref<1x512x28x28xf32>, %y: memref<1x512x28x28xf32>) attributes {tcc.graph} {
    %w = kernel.weight "w" : memref<512x512x3x3xf32>
    func.call @conv_0(%x, %w, %y) : (memref<1x512x28x28xf32>, memref<512x512x3x3xf32>, memref<1x512x28x28xf32>) -> ()
    func.return
  }
  func.func @conv_0(%x: memref<1x512x28x28xf32>, %w: memref<512x512x3x3xf32>, %y: memref<1x512x28x28xf32>) attributes {tcc.kernel} {
    kernel.conv %x, %w -> %y {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x512x28x28xf32>, memref<512x512x3x3xf32> -> memref<1x512x28x28xf32>
    func.return
  }
}

// CHECK:      func.func @conv_0
// CHECK-SAME: tcc.schedule_source = "weight-budget"
// CHECK:      kernel.conv
// CHECK-SAME: algorithm = "winograd2"

// UNLIMITED:      func.func @conv_0
// UNLIMITED-SAME: tcc.schedule_source = "heuristic"
// UNLIMITED:      kernel.conv
// UNLIMITED-SAME: algorithm = "winograd4"
