// RUN: tcc-opt %s -p outline-kernels | filecheck %s

// Each kernel op of the graph function moves into a function `<kind>_<n>` of its own (one
// argument per operand, in order, even when an operand repeats); weights, buffers and views
// stay. A pool over the whole input is a globalpool; identical kernels stay separate.

builtin.module {
  func.func @main(%x: memref<1x4x8x8xf32>, %y: memref<1x4xf32>) attributes {tcc.graph} {
    %a = kernel.buffer : memref<1x4x8x8xf32>
    kernel.map %x, %x -> %a : memref<1x4x8x8xf32>, memref<1x4x8x8xf32> -> memref<1x4x8x8xf32> {
    ^bb0(%p: f32, %q: f32):
      %s = arith.mulf %p, %q : f32
      kernel.yield %s : f32
    }
    %b = kernel.buffer : memref<1x4x8x8xf32>
    kernel.map %a, %a -> %b : memref<1x4x8x8xf32>, memref<1x4x8x8xf32> -> memref<1x4x8x8xf32> {
    ^bb0(%p: f32, %q: f32):
      %s = arith.mulf %p, %q : f32
      kernel.yield %s : f32
    }
    %c = kernel.buffer : memref<1x4x1x1xf32>
    kernel.pool "avg" %b -> %c {kernel_shape = array<i64: 8, 8>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, count_include_pad = 0 : i64} : memref<1x4x8x8xf32> -> memref<1x4x1x1xf32>
    %v = kernel.view %c : memref<1x4x1x1xf32> to memref<1x4xf32>
    kernel.softmax %v -> %y {axis = 1 : i64, log} : memref<1x4xf32> -> memref<1x4xf32>
    func.return
  }
}

// CHECK:      func.func @main(%[[X:.*]]: memref<1x4x8x8xf32>, %[[Y:.*]]: memref<1x4xf32>)
// CHECK-NEXT:   %[[A:.*]] = kernel.buffer : memref<1x4x8x8xf32>
// CHECK-NEXT:   func.call @map_0(%[[X]], %[[X]], %[[A]]) : (memref<1x4x8x8xf32>, memref<1x4x8x8xf32>, memref<1x4x8x8xf32>) -> ()
// CHECK-NEXT:   %[[B:.*]] = kernel.buffer : memref<1x4x8x8xf32>
// CHECK-NEXT:   func.call @map_1(%[[A]], %[[A]], %[[B]])
// CHECK-NEXT:   %[[C:.*]] = kernel.buffer : memref<1x4x1x1xf32>
// CHECK-NEXT:   func.call @globalpool_0(%[[B]], %[[C]])
// CHECK-NEXT:   %[[V:.*]] = kernel.view %[[C]]
// CHECK-NEXT:   func.call @logsoftmax_0(%[[V]], %[[Y]])
// CHECK-NEXT:   func.return
// CHECK:      func.func @map_0(%[[P:.*]]: memref<1x4x8x8xf32>, %[[Q:.*]]: memref<1x4x8x8xf32>, %[[R:.*]]: memref<1x4x8x8xf32>) attributes {tcc.kernel} {
// CHECK-NEXT:   kernel.map %[[P]], %[[Q]] -> %[[R]]
// CHECK:      func.func @map_1(
// CHECK:      func.func @globalpool_0(
// CHECK-NEXT:   kernel.pool "avg"
// CHECK:      func.func @logsoftmax_0(
