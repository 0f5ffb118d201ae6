// RUN: tcc-opt %s --no-weights -p fuse-qdq | filecheck %s

builtin.module {
  // DQ -> Conv (per-channel weights, int32 bias) -> Q: one QLinearConv; the DQs are gone.
  // CHECK-LABEL: func.func @conv
  // CHECK-NOT:     onnx.DequantizeLinear
  // CHECK:         %y = "onnx.QLinearConv"(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %b) <{pads = array<i64: 1, 1, 1, 1>}> {onnx.name = "conv"} : (tensor<1x2x4x4xui8>, tensor<f32>, tensor<ui8>, tensor<2x2x3x3xi8>, tensor<2xf32>, tensor<2xi8>, tensor<f32>, tensor<ui8>, tensor<2xi32>) -> tensor<1x2x4x4xui8>
  // CHECK-NEXT:    func.return %y
  func.func @conv(%x: tensor<1x2x4x4xui8>) -> tensor<1x2x4x4xui8> {
    %xs = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
    %xz = "onnx.Constant"() <{value = dense<3> : tensor<ui8>}> : () -> tensor<ui8>
    %w = onnx.initializer "w" : tensor<2x2x3x3xi8>
    %ws = "onnx.Constant"() <{value = dense<[0.25, 0.125]> : tensor<2xf32>}> : () -> tensor<2xf32>
    %wz = "onnx.Constant"() <{value = dense<0> : tensor<2xi8>}> : () -> tensor<2xi8>
    %b = "onnx.Constant"() <{value = dense<[5, -7]> : tensor<2xi32>}> : () -> tensor<2xi32>
    %bs = "onnx.Constant"() <{value = dense<[0.125, 0.0625]> : tensor<2xf32>}> : () -> tensor<2xf32>
    %ys = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
    %yz = "onnx.Constant"() <{value = dense<0> : tensor<ui8>}> : () -> tensor<ui8>
    %xf = "onnx.DequantizeLinear"(%x, %xs, %xz) : (tensor<1x2x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xf32>
    %wf = "onnx.DequantizeLinear"(%w, %ws, %wz) <{axis = 0 : i64}> : (tensor<2x2x3x3xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<2x2x3x3xf32>
    %bf = "onnx.DequantizeLinear"(%b, %bs) <{axis = 0 : i64}> : (tensor<2xi32>, tensor<2xf32>) -> tensor<2xf32>
    %c = "onnx.Conv"(%xf, %wf, %bf) <{pads = array<i64: 1, 1, 1, 1>}> {onnx.name = "conv"} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    %y = "onnx.QuantizeLinear"(%c, %ys, %yz) : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xui8>
    func.return %y : tensor<1x2x4x4xui8>
  }

  // A bias the frontend folded to floats (b * x_scale * w_scale) becomes int32 again; a Relu
  // before a Q whose zero point is 0 (u8) changes nothing and is dropped.
  // CHECK-LABEL: func.func @float_bias_and_relu
  // CHECK:         %{{.*}} = "onnx.Constant"() <{value = dense<[5, -7]> : tensor<2xi32>}>
  // CHECK:         "onnx.QLinearConv"
  // CHECK-NOT:     onnx.Relu
  func.func @float_bias_and_relu(%x: tensor<1x2x4x4xui8>) -> tensor<1x2x4x4xui8> {
    %xs = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
    %xz = "onnx.Constant"() <{value = dense<3> : tensor<ui8>}> : () -> tensor<ui8>
    %w = onnx.initializer "w" : tensor<2x2x3x3xi8>
    %ws = "onnx.Constant"() <{value = dense<[0.25, 0.125]> : tensor<2xf32>}> : () -> tensor<2xf32>
    %wz = "onnx.Constant"() <{value = dense<0> : tensor<2xi8>}> : () -> tensor<2xi8>
    %bf = "onnx.Constant"() <{value = dense<[0.625, -0.4375]> : tensor<2xf32>}> : () -> tensor<2xf32>
    %ys = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
    %yz = "onnx.Constant"() <{value = dense<0> : tensor<ui8>}> : () -> tensor<ui8>
    %xf = "onnx.DequantizeLinear"(%x, %xs, %xz) : (tensor<1x2x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xf32>
    %wf = "onnx.DequantizeLinear"(%w, %ws, %wz) <{axis = 0 : i64}> : (tensor<2x2x3x3xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<2x2x3x3xf32>
    %c = "onnx.Conv"(%xf, %wf, %bf) <{pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    %r = "onnx.Relu"(%c) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %y = "onnx.QuantizeLinear"(%r, %ys, %yz) : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xui8>
    func.return %y : tensor<1x2x4x4xui8>
  }

  // DQ -> MatMul (weights per column) -> Q: one QLinearMatMul.
  // CHECK-LABEL: func.func @matmul
  // CHECK:         %y = "onnx.QLinearMatMul"(%a, %as, %az, %w, %ws, %wz, %ys, %yz) : (tensor<3x4xi8>, tensor<f32>, tensor<i8>, tensor<4x2xi8>, tensor<2xf32>, tensor<2xi8>, tensor<f32>, tensor<i8>) -> tensor<3x2xi8>
  func.func @matmul(%a: tensor<3x4xi8>) -> tensor<3x2xi8> {
    %as = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
    %az = "onnx.Constant"() <{value = dense<-4> : tensor<i8>}> : () -> tensor<i8>
    %w = onnx.initializer "mw" : tensor<4x2xi8>
    %ws = "onnx.Constant"() <{value = dense<[0.25, 0.125]> : tensor<2xf32>}> : () -> tensor<2xf32>
    %wz = "onnx.Constant"() <{value = dense<0> : tensor<2xi8>}> : () -> tensor<2xi8>
    %ys = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
    %yz = "onnx.Constant"() <{value = dense<1> : tensor<i8>}> : () -> tensor<i8>
    %af = "onnx.DequantizeLinear"(%a, %as, %az) : (tensor<3x4xi8>, tensor<f32>, tensor<i8>) -> tensor<3x4xf32>
    %wf = "onnx.DequantizeLinear"(%w, %ws, %wz) <{axis = 1 : i64}> : (tensor<4x2xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<4x2xf32>
    %m = "onnx.MatMul"(%af, %wf) : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
    %y = "onnx.QuantizeLinear"(%m, %ys, %yz) : (tensor<3x2xf32>, tensor<f32>, tensor<i8>) -> tensor<3x2xi8>
    func.return %y : tensor<3x2xi8>
  }

  // A Relu before a Q whose zero point is above its lowest value clamps more than the Q: it
  // stays as Max(y, y_zero_point). Not fused: a float result with another use, and weights
  // computed at run time.
  // CHECK-LABEL: func.func @relu_kept_and_not_fused
  // CHECK:         %[[Q:.*]] = "onnx.QLinearMatMul"(%a, %as, %az, %w, %ws, %wz, %ys, %yz)
  // CHECK-NEXT:    %{{.*}} = "onnx.Max"(%[[Q]], %yz) : (tensor<3x2xi8>, tensor<i8>) -> tensor<3x2xi8>
  // CHECK-NOT:     onnx.QLinear
  // CHECK:         func.return
  func.func @relu_kept_and_not_fused(%a: tensor<3x4xi8>, %wq: tensor<4x2xi8>) -> (tensor<3x2xi8>, tensor<3x2xi8>, tensor<3x2xf32>, tensor<3x2xi8>) {
    %as = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
    %az = "onnx.Constant"() <{value = dense<-4> : tensor<i8>}> : () -> tensor<i8>
    %w = onnx.initializer "mw" : tensor<4x2xi8>
    %ws = "onnx.Constant"() <{value = dense<0.25> : tensor<f32>}> : () -> tensor<f32>
    %wz = "onnx.Constant"() <{value = dense<0> : tensor<i8>}> : () -> tensor<i8>
    %ys = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
    %yz = "onnx.Constant"() <{value = dense<1> : tensor<i8>}> : () -> tensor<i8>
    %af = "onnx.DequantizeLinear"(%a, %as, %az) : (tensor<3x4xi8>, tensor<f32>, tensor<i8>) -> tensor<3x4xf32>
    %wf = "onnx.DequantizeLinear"(%w, %ws, %wz) : (tensor<4x2xi8>, tensor<f32>, tensor<i8>) -> tensor<4x2xf32>
    %m = "onnx.MatMul"(%af, %wf) : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
    %r = "onnx.Relu"(%m) : (tensor<3x2xf32>) -> tensor<3x2xf32>
    %y = "onnx.QuantizeLinear"(%r, %ys, %yz) : (tensor<3x2xf32>, tensor<f32>, tensor<i8>) -> tensor<3x2xi8>
    %m2 = "onnx.MatMul"(%af, %wf) : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
    %y2 = "onnx.QuantizeLinear"(%m2, %ys, %yz) : (tensor<3x2xf32>, tensor<f32>, tensor<i8>) -> tensor<3x2xi8>
    %wf3 = "onnx.DequantizeLinear"(%wq, %ws, %wz) : (tensor<4x2xi8>, tensor<f32>, tensor<i8>) -> tensor<4x2xf32>
    %m3 = "onnx.MatMul"(%af, %wf3) : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
    %y3 = "onnx.QuantizeLinear"(%m3, %ys, %yz) : (tensor<3x2xf32>, tensor<f32>, tensor<i8>) -> tensor<3x2xi8>
    func.return %y, %y2, %m2, %y3 : tensor<3x2xi8>, tensor<3x2xi8>, tensor<3x2xf32>, tensor<3x2xi8>
  }

  // Not fused (the int8 kernels would not run them): a grouped conv, and weights whose zero
  // points are not all 0.
  // CHECK-LABEL: func.func @conv_not_fused
  // CHECK-NOT:     onnx.QLinear
  // CHECK:         func.return
  func.func @conv_not_fused(%x: tensor<1x2x4x4xui8>) -> (tensor<1x2x4x4xui8>, tensor<1x2x4x4xui8>) {
    %xs = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
    %xz = "onnx.Constant"() <{value = dense<3> : tensor<ui8>}> : () -> tensor<ui8>
    %w = onnx.initializer "w" : tensor<2x1x3x3xi8>
    %w2 = onnx.initializer "w2" : tensor<2x2x3x3xi8>
    %ws = "onnx.Constant"() <{value = dense<[0.25, 0.125]> : tensor<2xf32>}> : () -> tensor<2xf32>
    %wz = "onnx.Constant"() <{value = dense<0> : tensor<2xi8>}> : () -> tensor<2xi8>
    %wz2 = "onnx.Constant"() <{value = dense<[0, 1]> : tensor<2xi8>}> : () -> tensor<2xi8>
    %ys = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
    %yz = "onnx.Constant"() <{value = dense<0> : tensor<ui8>}> : () -> tensor<ui8>
    %xf = "onnx.DequantizeLinear"(%x, %xs, %xz) : (tensor<1x2x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xf32>
    %wf = "onnx.DequantizeLinear"(%w, %ws, %wz) <{axis = 0 : i64}> : (tensor<2x1x3x3xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<2x1x3x3xf32>
    %c = "onnx.Conv"(%xf, %wf) <{group = 2 : i64, pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x2x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
    %y = "onnx.QuantizeLinear"(%c, %ys, %yz) : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xui8>
    %wf2 = "onnx.DequantizeLinear"(%w2, %ws, %wz2) <{axis = 0 : i64}> : (tensor<2x2x3x3xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<2x2x3x3xf32>
    %c2 = "onnx.Conv"(%xf, %wf2) <{pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
    %y2 = "onnx.QuantizeLinear"(%c2, %ys, %yz) : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xui8>
    func.return %y, %y2 : tensor<1x2x4x4xui8>, tensor<1x2x4x4xui8>
  }
}
