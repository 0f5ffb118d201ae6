// RUN: tcc-opt %s --no-weights -p fold-batchnorm | filecheck %s --check-prefix=NOSTORE
// RUN: D=$(mktemp -d) && python -c "import numpy as np, sys; np.savez(sys.argv[1], w=np.ones((4, 2, 3, 3), np.float32))" $D/w.npz && tcc-opt %s --weights $D/w.npz -p fold-batchnorm | filecheck %s; rc=$?; rm -rf $D; exit $rc

// Without a WeightStore the pass changes nothing.
// NOSTORE: "onnx.Conv"
// NOSTORE: "onnx.BatchNormalization"

builtin.module {
  // CHECK-LABEL: func.func @conv_bn
  // CHECK-NEXT:    %w = onnx.initializer "w_bn" : tensor<4x2x3x3xf32>
  // CHECK-NEXT:    %bias = "onnx.Constant"() <{value = dense<[1.000000e+00, 3.000000e+00, 5.000000e+00, 7.000000e+00]> : tensor<4xf32>}>
  // CHECK-NEXT:    %y = "onnx.Conv"(%x, %w, %bias) <{pads = array<i64: 1, 1, 1, 1>}> {onnx.name = "conv"}
  // CHECK-NEXT:    %r = "onnx.Relu"(%y)
  // CHECK-NEXT:    func.return %r
  func.func @conv_bn(%x: tensor<1x2x5x5xf32>) -> tensor<1x4x5x5xf32> {
    %w = onnx.initializer "w" : tensor<4x2x3x3xf32>
    %scale = "onnx.Constant"() <{value = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
    %shift = "onnx.Constant"() <{value = dense<[1.0, 3.0, 5.0, 7.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
    %mean = "onnx.Constant"() <{value = dense<0.0> : tensor<4xf32>}> : () -> tensor<4xf32>
    %var = "onnx.Constant"() <{value = dense<1.0> : tensor<4xf32>}> : () -> tensor<4xf32>
    %c = "onnx.Conv"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>}> {onnx.name = "conv"} : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x5x5xf32>
    %y = "onnx.BatchNormalization"(%c, %scale, %shift, %mean, %var) <{epsilon = 0.0 : f32, resultSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<1x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x5x5xf32>
    %r = "onnx.Relu"(%y) : (tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32>
    func.return %r : tensor<1x4x5x5xf32>
  }

  // A Conv result with another use is not folded.
  // CHECK-LABEL: func.func @conv_two_uses
  // CHECK:         "onnx.BatchNormalization"
  func.func @conv_two_uses(%x: tensor<1x2x5x5xf32>) -> (tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>) {
    %w = onnx.initializer "w" : tensor<4x2x3x3xf32>
    %s = "onnx.Constant"() <{value = dense<1.0> : tensor<4xf32>}> : () -> tensor<4xf32>
    %c = "onnx.Conv"(%x, %w) : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x3x3xf32>
    %y = "onnx.BatchNormalization"(%c, %s, %s, %s, %s) <{resultSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<1x4x3x3xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x3x3xf32>
    func.return %c, %y : tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>
  }
}
