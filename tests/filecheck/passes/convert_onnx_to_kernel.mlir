// RUN: tcc-opt %s -p convert-onnx-to-kernel | filecheck %s

// Conv + residual Add + Relu fuse into one kernel; Mul -> Add -> Relu fuse into one map;
// Flatten is a view; a result that is returned is written straight into its output buffer
// (the fused conv is launched when the return needs it).

builtin.module {
  func.func @main(%x: tensor<1x3x8x8xf32>, %r: tensor<1x4x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x256xf32>) attributes {tcc.input_names = ["x", "r"], tcc.output_names = ["y", "z"]} {
    %w = onnx.initializer "w" : tensor<4x3x3x3xf32>
    %c = "onnx.Conv"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
    %a = "onnx.Add"(%c, %r) : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %y = "onnx.Relu"(%a) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %c2 = "onnx.Conv"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
    %f = "onnx.Flatten"(%c2) : (tensor<1x4x8x8xf32>) -> tensor<1x256xf32>
    %m = "onnx.Mul"(%f, %f) : (tensor<1x256xf32>, tensor<1x256xf32>) -> tensor<1x256xf32>
    %s = "onnx.Add"(%m, %f) : (tensor<1x256xf32>, tensor<1x256xf32>) -> tensor<1x256xf32>
    %z = "onnx.Relu"(%s) : (tensor<1x256xf32>) -> tensor<1x256xf32>
    func.return %y, %z : tensor<1x4x8x8xf32>, tensor<1x256xf32>
  }
}

// CHECK:      func.func @main(%[[X:.*]]: memref<1x3x8x8xf32>, %[[R:.*]]: memref<1x4x8x8xf32>, %[[Y:.*]]: memref<1x4x8x8xf32>, %[[Z:.*]]: memref<1x256xf32>)
// CHECK-SAME: tcc.graph
// CHECK:        %[[W:.*]] = kernel.weight "w" : memref<4x3x3x3xf32>
// CHECK-NEXT:   %[[T:.*]] = kernel.buffer : memref<1x4x8x8xf32>
// CHECK-NEXT:   func.call @conv_0(%[[X]], %[[W]], %[[T]])
// CHECK-NEXT:   %[[V:.*]] = kernel.view %[[T]] : memref<1x4x8x8xf32> to memref<1x256xf32>
// CHECK-NEXT:   func.call @conv_1(%[[X]], %[[W]], %[[R]], %[[Y]])
// CHECK-NEXT:   func.call @map_0(%[[V]], %[[Z]])
// CHECK-NEXT:   func.return
// CHECK:      func.func @conv_0
// CHECK-SAME: tcc.kernel
// CHECK-NEXT:   kernel.conv %{{.*}}, %{{.*}} -> %{{.*}} {strides
// CHECK:      func.func @conv_1
// CHECK-NEXT:   kernel.conv %{{.*}}, %{{.*}} residual %{{.*}} -> %{{.*}} {{.*}}activation = "relu"
// CHECK:      func.func @map_0
// CHECK:        arith.mulf
// CHECK-NEXT:   arith.addf
// CHECK-NEXT:   arith.constant 0.0
// CHECK-NEXT:   arith.maximumf
// CHECK-NEXT:   kernel.yield
