// RUN: tcc-opt %s -p "convert-onnx-to-kernel,fuse-conv-epilogue,outline-kernels" | filecheck %s

// Clip with constant bounds after a conv (MobileNetV2's ReLU6) becomes the conv's clip
// activation; a Clip of a graph input stays a map.

builtin.module {
  func.func @main(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) attributes {tcc.input_names = ["x"], tcc.output_names = ["y", "z"]} {
    %w = onnx.initializer "w" : tensor<2x1x3x3xf32>
    %lo = "onnx.Constant"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32>
    %hi = "onnx.Constant"() <{value = dense<6.0> : tensor<f32>}> : () -> tensor<f32>
    %c = "onnx.Conv"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>, group = 2 : i64}> : (tensor<1x2x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
    %y = "onnx.Clip"(%c, %lo, %hi) <{operandSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x4x4xf32>
    %z = "onnx.Clip"(%x, %lo, %hi) <{operandSegmentSizes = array<i32: 1, 1, 1>}> : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x4x4xf32>
    func.return %y, %z : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
  }
}

// CHECK:      func.call @conv_0
// CHECK-NEXT: func.call @map_0
// CHECK:      func.func @conv_0
// CHECK-NEXT:   kernel.conv {{.*}}clip_min = 0.000000e+00 : f32, clip_max = 6.000000e+00 : f32, activation = "clip"
// CHECK:      func.func @map_0
// CHECK:        arith.maximumf
// CHECK-NEXT:   arith.constant 6.000000e+00
// CHECK-NEXT:   arith.minimumf
