// RUN: tcc-opt %s --load-plugin tcc_plugin_demo:UNIVERSE -p fold-reshapes | filecheck %s

builtin.module {
  // CHECK-LABEL: func.func @chain
  // CHECK-NEXT:    %s2 = "onnx.Constant"() <{value = dense<24> : tensor<1xi64>}>
  // CHECK-NEXT:    %b = "onnx.Reshape"(%x, %s2) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<24xf32>
  // CHECK-NEXT:    func.return %b
  func.func @chain(%x: tensor<2x3x4xf32>) -> tensor<24xf32> {
    %s1 = "onnx.Constant"() <{value = dense<[6, 4]> : tensor<2xi64>}> : () -> tensor<2xi64>
    %a = "onnx.Reshape"(%x, %s1) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
    %s2 = "onnx.Constant"() <{value = dense<24> : tensor<1xi64>}> : () -> tensor<1xi64>
    %b = "onnx.Reshape"(%a, %s2) : (tensor<6x4xf32>, tensor<1xi64>) -> tensor<24xf32>
    func.return %b : tensor<24xf32>
  }

  // A 0 in the outer shape copies a dimension of the inner result: not folded.
  // CHECK-LABEL: func.func @copies_dims
  // CHECK-COUNT-2: "onnx.Reshape"
  func.func @copies_dims(%x: tensor<2x3x4xf32>) -> tensor<6x2x2xf32> {
    %s1 = "onnx.Constant"() <{value = dense<[6, 4]> : tensor<2xi64>}> : () -> tensor<2xi64>
    %a = "onnx.Reshape"(%x, %s1) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
    %s2 = "onnx.Constant"() <{value = dense<[0, 2, 2]> : tensor<3xi64>}> : () -> tensor<3xi64>
    %b = "onnx.Reshape"(%a, %s2) : (tensor<6x4xf32>, tensor<3xi64>) -> tensor<6x2x2xf32>
    func.return %b : tensor<6x2x2xf32>
  }

  // A Reshape to the type it already has is removed.
  // CHECK-LABEL: func.func @no_op
  // CHECK-NEXT:    func.return %x
  func.func @no_op(%x: tensor<2x3xf32>, %s: tensor<2xi64>) -> tensor<2x3xf32> {
    %a = "onnx.Reshape"(%x, %s) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
    func.return %a : tensor<2x3xf32>
  }
}
