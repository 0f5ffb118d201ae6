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

  // Mul and Add by one constant per output channel (as exporters write a BatchNormalization)
  // fold into the filter and bias: the filter times 2 (an initializer of its own), the bias
  // 0 * 2 + t.
  // CHECK-LABEL: func.func @conv_mul_add
  // CHECK-NEXT:    %w = onnx.initializer "w_scaled" : tensor<4x2x3x3xf32>
  // CHECK-NEXT:    %bias = "onnx.Constant"() <{value = dense<[5.000000e-01, 1.500000e+00, 2.500000e+00, 3.500000e+00]> : tensor<4xf32>}>
  // CHECK-NEXT:    %y = "onnx.Conv"(%x, %w, %bias) <{pads = array<i64: 1, 1, 1, 1>}>
  // CHECK-NEXT:    func.return %y
  func.func @conv_mul_add(%x: tensor<1x2x5x5xf32>) -> tensor<1x4x5x5xf32> {
    %w = onnx.initializer "w" : tensor<4x2x3x3xf32>
    %s = "onnx.Constant"() <{value = dense<[[[2.0]], [[2.0]], [[2.0]], [[2.0]]]> : tensor<4x1x1xf32>}> : () -> tensor<4x1x1xf32>
    %t = "onnx.Constant"() <{value = dense<[[[[0.5]], [[1.5]], [[2.5]], [[3.5]]]]> : tensor<1x4x1x1xf32>}> : () -> tensor<1x4x1x1xf32>
    %c = "onnx.Conv"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x5x5xf32>
    %m = "onnx.Mul"(%s, %c) : (tensor<4x1x1xf32>, tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32>
    %y = "onnx.Add"(%m, %t) : (tensor<1x4x5x5xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x5x5xf32>
    func.return %y : tensor<1x4x5x5xf32>
  }

  // Not per channel: a Mul along the width, an Add that broadcasts the output to a larger
  // shape, a Mul by a run-time value. None folds.
  // CHECK-LABEL: func.func @not_per_channel
  // CHECK:         "onnx.Mul"
  // CHECK:         "onnx.Add"
  // CHECK:         "onnx.Mul"
  func.func @not_per_channel(%x: tensor<1x2x5x5xf32>, %v: tensor<1x4x5x5xf32>) -> (tensor<1x4x5x5xf32>, tensor<2x4x5x5xf32>, tensor<1x4x5x5xf32>) {
    %w = onnx.initializer "w" : tensor<4x2x3x3xf32>
    %row = "onnx.Constant"() <{value = dense<[1.0, 2.0, 3.0, 4.0, 5.0]> : tensor<5xf32>}> : () -> tensor<5xf32>
    %big = "onnx.Constant"() <{value = dense<1.0> : tensor<2x1x1x1xf32>}> : () -> tensor<2x1x1x1xf32>
    %c1 = "onnx.Conv"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x5x5xf32>
    %m1 = "onnx.Mul"(%c1, %row) : (tensor<1x4x5x5xf32>, tensor<5xf32>) -> tensor<1x4x5x5xf32>
    %c2 = "onnx.Conv"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x5x5xf32>
    %a2 = "onnx.Add"(%c2, %big) : (tensor<1x4x5x5xf32>, tensor<2x1x1x1xf32>) -> tensor<2x4x5x5xf32>
    %c3 = "onnx.Conv"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x5x5xf32>
    %m3 = "onnx.Mul"(%c3, %v) : (tensor<1x4x5x5xf32>, tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32>
    func.return %m1, %a2, %m3 : tensor<1x4x5x5xf32>, tensor<2x4x5x5xf32>, tensor<1x4x5x5xf32>
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
