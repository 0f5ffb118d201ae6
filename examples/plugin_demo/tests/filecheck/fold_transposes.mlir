// RUN: tcc-opt %s --load-plugin tcc_plugin_demo:UNIVERSE -p fold-transposes | filecheck %s

builtin.module {
  // Two Transposes that undo each other disappear.
  // CHECK-LABEL: func.func @inverse_pair
  // CHECK-NEXT:    %r = "onnx.Relu"(%x)
  // CHECK-NEXT:    func.return %r
  func.func @inverse_pair(%x: tensor<1x3x4x5xf32>) -> tensor<1x3x4x5xf32> {
    %t = "onnx.Transpose"(%x) <{perm = array<i64: 0, 2, 3, 1>}> : (tensor<1x3x4x5xf32>) -> tensor<1x4x5x3xf32>
    %u = "onnx.Transpose"(%t) <{perm = array<i64: 0, 3, 1, 2>}> : (tensor<1x4x5x3xf32>) -> tensor<1x3x4x5xf32>
    %r = "onnx.Relu"(%u) : (tensor<1x3x4x5xf32>) -> tensor<1x3x4x5xf32>
    func.return %r : tensor<1x3x4x5xf32>
  }

  // Two Transposes compose into one: r[i] = p[q[i]] = [1, 0, 2][[2, 0, 1][i]] = [2, 1, 0].
  // CHECK-LABEL: func.func @compose
  // CHECK-NEXT:    %u = "onnx.Transpose"(%x) <{perm = array<i64: 2, 1, 0>}> {onnx.name = "second"} : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  // CHECK-NEXT:    func.return %u
  func.func @compose(%x: tensor<2x3x4xf32>) -> tensor<4x3x2xf32> {
    %t = "onnx.Transpose"(%x) <{perm = array<i64: 1, 0, 2>}> : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
    %u = "onnx.Transpose"(%t) <{perm = array<i64: 2, 0, 1>}> {onnx.name = "second"} : (tensor<3x2x4xf32>) -> tensor<4x3x2xf32>
    func.return %u : tensor<4x3x2xf32>
  }

  // No perm means reversed axes; twice is the identity. An identity perm is removed.
  // CHECK-LABEL: func.func @default_and_identity
  // CHECK-NEXT:    func.return %x, %x
  func.func @default_and_identity(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
    %t = "onnx.Transpose"(%x) : (tensor<2x3xf32>) -> tensor<3x2xf32>
    %u = "onnx.Transpose"(%t) : (tensor<3x2xf32>) -> tensor<2x3xf32>
    %i = "onnx.Transpose"(%x) <{perm = array<i64: 0, 1>}> : (tensor<2x3xf32>) -> tensor<2x3xf32>
    func.return %u, %i : tensor<2x3xf32>, tensor<2x3xf32>
  }

  // An inner Transpose with another use stays; the outer one still reads %x directly.
  // CHECK-LABEL: func.func @shared_inner
  // CHECK-NEXT:    %t = "onnx.Transpose"(%x)
  // CHECK-NEXT:    func.return %t, %x
  func.func @shared_inner(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<2x3xf32>) {
    %t = "onnx.Transpose"(%x) : (tensor<2x3xf32>) -> tensor<3x2xf32>
    %u = "onnx.Transpose"(%t) : (tensor<3x2xf32>) -> tensor<2x3xf32>
    func.return %t, %u : tensor<3x2xf32>, tensor<2x3xf32>
  }
}
