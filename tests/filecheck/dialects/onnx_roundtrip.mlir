// RUN: tcc-opt %s | tcc-opt | filecheck %s
// RUN: tcc-opt %s --print-op-generic | tcc-opt | filecheck %s

// Every onnx op with its attribute forms prints and re-parses (custom and generic form).

builtin.module {
  func.func @main(%x: tensor<1x3x8x8xf32>, %v: tensor<2x3xf32>) -> (tensor<1x10xf32>, tensor<2x3xf32>) attributes {tcc.input_names = ["x", "v"], tcc.output_names = ["y", "z"]} {
    // CHECK: %w = onnx.initializer "conv.w" : tensor<4x3x3x3xf32>
    %w = onnx.initializer "conv.w" : tensor<4x3x3x3xf32>
    // CHECK-NEXT: "onnx.Constant"() <{value = dense<[1.000000e-01, 2.000000e-01, 3.000000e-01, 4.000000e-01]> : tensor<4xf32>}> : () -> tensor<4xf32>
    %b = "onnx.Constant"() <{value = dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>}> : () -> tensor<4xf32>
    %s = "onnx.Constant"() <{value = dense<[1, -1]> : tensor<2xi64>}> : () -> tensor<2xi64>
    %ax = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}> : () -> tensor<1xi64>
    %t = "onnx.Constant"() <{value = dense<false> : tensor<i1>}> : () -> tensor<i1>
    %r = "onnx.Constant"() <{value = dense<5.000000e-01> : tensor<f32>}> : () -> tensor<f32>
    // CHECK: "onnx.ConstantOfShape"(%{{.*}}) <{value = dense<0.000000e+00> : tensor<1xf32>}> : (tensor<2xi64>) -> tensor<2x3xf32>
    %shape = "onnx.Constant"() <{value = dense<[2, 3]> : tensor<2xi64>}> : () -> tensor<2xi64>
    %zeros = "onnx.ConstantOfShape"(%shape) <{value = dense<0.0> : tensor<1xf32>}> : (tensor<2xi64>) -> tensor<2x3xf32>
    // CHECK: "onnx.Conv"(%x, %w, %{{.*}}) <{pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, kernel_shape = array<i64: 3, 3>, auto_pad = "NOTSET"}> {onnx.name = "conv1"}
    %c = "onnx.Conv"(%x, %w, %b) <{pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, kernel_shape = array<i64: 3, 3>, auto_pad = "NOTSET"}> {onnx.name = "conv1"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    // CHECK: "onnx.BatchNormalization"({{.*}}) <{epsilon = 1.000000e-05 : f32, momentum = 9.000000e-01 : f32, resultSegmentSizes = array<i32: 1, 0, 0>}>
    %bn = "onnx.BatchNormalization"(%c, %b, %b, %b, %b) <{epsilon = 1.0e-5 : f32, momentum = 0.9 : f32, resultSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    // CHECK: "onnx.Relu"
    %relu = "onnx.Relu"(%bn) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    // CHECK: "onnx.LRN"({{.*}}) <{size = 3 : i64, alpha = 1.000000e-04 : f32, beta = 7.500000e-01 : f32, bias = 1.000000e+00 : f32}>
    %lrn = "onnx.LRN"(%relu) <{size = 3 : i64, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 1.0 : f32}> : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    // CHECK: "onnx.MaxPool"({{.*}}) <{kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = 0 : i64, storage_order = 0 : i64}>
    %mp = "onnx.MaxPool"(%lrn) <{kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = 0 : i64, storage_order = 0 : i64}> : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
    // CHECK: "onnx.AveragePool"({{.*}}) <{kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = 1 : i64}>
    %ap = "onnx.AveragePool"(%mp) <{kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = 1 : i64}> : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
    // CHECK: "onnx.Sum"(%{{.*}}, %{{.*}}, %{{.*}})
    %sum = "onnx.Sum"(%mp, %ap, %mp) : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
    // CHECK: "onnx.Concat"({{.*}}) <{axis = 1 : i64}>
    %cat = "onnx.Concat"(%sum, %ap) <{axis = 1 : i64}> : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x8x4x4xf32>
    // CHECK: "onnx.Transpose"({{.*}}) <{perm = array<i64: 0, 2, 3, 1>}>
    %tr = "onnx.Transpose"(%cat) <{perm = array<i64: 0, 2, 3, 1>}> : (tensor<1x8x4x4xf32>) -> tensor<1x4x4x8xf32>
    // CHECK: "onnx.GlobalAveragePool"
    %gap = "onnx.GlobalAveragePool"(%cat) : (tensor<1x8x4x4xf32>) -> tensor<1x8x1x1xf32>
    // CHECK: "onnx.Flatten"({{.*}}) <{axis = 1 : i64}>
    %fl = "onnx.Flatten"(%gap) <{axis = 1 : i64}> : (tensor<1x8x1x1xf32>) -> tensor<1x8xf32>
    // CHECK: "onnx.Reshape"({{.*}}) <{allowzero = 0 : i64}>
    %rs = "onnx.Reshape"(%tr, %s) <{allowzero = 0 : i64}> : (tensor<1x4x4x8xf32>, tensor<2xi64>) -> tensor<1x128xf32>
    %fcw = onnx.initializer "fc.w" : tensor<10x8xf32>
    // CHECK: "onnx.Gemm"({{.*}}) <{alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32, transA = 0 : i64, transB = 1 : i64}>
    %gemm = "onnx.Gemm"(%fl, %fcw) <{alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64}> : (tensor<1x8xf32>, tensor<10x8xf32>) -> tensor<1x10xf32>
    // CHECK: "onnx.Dropout"({{.*}}) <{seed = 7 : i64, operandSegmentSizes = array<i32: 1, 1, 1>, resultSegmentSizes = array<i32: 1, 1>}>
    %d, %mask = "onnx.Dropout"(%gemm, %r, %t) <{seed = 7 : i64, operandSegmentSizes = array<i32: 1, 1, 1>, resultSegmentSizes = array<i32: 1, 1>}> : (tensor<1x10xf32>, tensor<f32>, tensor<i1>) -> (tensor<1x10xf32>, tensor<1x10xi1>)
    // CHECK: "onnx.Softmax"({{.*}}) <{axis = -1 : i64}>
    %sm = "onnx.Softmax"(%d) <{axis = -1 : i64}> : (tensor<1x10xf32>) -> tensor<1x10xf32>
    // CHECK: "onnx.Identity"
    %id = "onnx.Identity"(%sm) : (tensor<1x10xf32>) -> tensor<1x10xf32>
    // CHECK: "onnx.Unsqueeze"
    %un = "onnx.Unsqueeze"(%id, %ax) : (tensor<1x10xf32>, tensor<1xi64>) -> tensor<1x1x10xf32>
    // CHECK: "onnx.Add"
    %add = "onnx.Add"(%v, %zeros) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
    // CHECK: "onnx.Mul"
    %mul = "onnx.Mul"(%add, %r) : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
    // CHECK: func.return
    func.return %id, %mul : tensor<1x10xf32>, tensor<2x3xf32>
  }
}
