// RUN: tcc-opt %s --no-weights -p onnx-canonicalize | filecheck %s
// RUN: D=$(mktemp -d) && python -c "import numpy as np, sys; np.savez(sys.argv[1], w=np.arange(96, dtype=np.float32).reshape(8, 12))" $D/w.npz && tcc-opt %s --weights $D/w.npz -p onnx-canonicalize | filecheck %s --check-prefix=STORE; rc=$?; rm -rf $D; exit $rc

builtin.module {
  // CHECK-LABEL: func.func @identity_and_dropout
  // CHECK-NEXT:    %y = "onnx.Relu"(%x)
  // CHECK-NEXT:    func.return %y
  func.func @identity_and_dropout(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
    %i = "onnx.Identity"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    %r = "onnx.Constant"() <{value = dense<5.000000e-01> : tensor<f32>}> : () -> tensor<f32>
    %d, %mask = "onnx.Dropout"(%i, %r) <{operandSegmentSizes = array<i32: 1, 1, 0>, resultSegmentSizes = array<i32: 1, 1>}> : (tensor<2x3xf32>, tensor<f32>) -> (tensor<2x3xf32>, tensor<2x3xi1>)
    %y = "onnx.Relu"(%d) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    func.return %y : tensor<2x3xf32>
  }

  // A used mask, or a training_mode that is true or unknown, keeps the Dropout.
  // CHECK-LABEL: func.func @dropout_kept
  // CHECK-COUNT-3: "onnx.Dropout"
  func.func @dropout_kept(%x: tensor<2x3xf32>, %mode: tensor<i1>) -> (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) {
    %d, %mask = "onnx.Dropout"(%x) <{operandSegmentSizes = array<i32: 1, 0, 0>, resultSegmentSizes = array<i32: 1, 1>}> : (tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xi1>)
    %t = "onnx.Constant"() <{value = dense<true> : tensor<i1>}> : () -> tensor<i1>
    %e = "onnx.Dropout"(%x, %t, %t) <{operandSegmentSizes = array<i32: 1, 1, 1>, resultSegmentSizes = array<i32: 1, 0>}> : (tensor<2x3xf32>, tensor<i1>, tensor<i1>) -> tensor<2x3xf32>
    %f = "onnx.Dropout"(%x, %mode) <{operandSegmentSizes = array<i32: 1, 0, 1>, resultSegmentSizes = array<i32: 1, 0>}> : (tensor<2x3xf32>, tensor<i1>) -> tensor<2x3xf32>
    func.return %mask, %e, %f : tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>
  }

  // CHECK-LABEL: func.func @dropout_training_false
  // CHECK-NEXT:    func.return %x, %x
  func.func @dropout_training_false(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
    %t = "onnx.Constant"() <{value = dense<false> : tensor<i1>}> : () -> tensor<i1>
    %e = "onnx.Dropout"(%x, %t) <{operandSegmentSizes = array<i32: 1, 0, 1>, resultSegmentSizes = array<i32: 1, 0>}> : (tensor<2x3xf32>, tensor<i1>) -> tensor<2x3xf32>
    %on = "onnx.Constant"() <{value = dense<true> : tensor<i1>}> : () -> tensor<i1>
    %zero = "onnx.Constant"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32>
    %f = "onnx.Dropout"(%x, %zero, %on) <{operandSegmentSizes = array<i32: 1, 1, 1>, resultSegmentSizes = array<i32: 1, 0>}> : (tensor<2x3xf32>, tensor<f32>, tensor<i1>) -> tensor<2x3xf32>
    func.return %e, %f : tensor<2x3xf32>, tensor<2x3xf32>
  }

  // CHECK-LABEL: func.func @constant_of_shape
  // CHECK-NEXT:    %small = "onnx.Constant"() <{value = dense<1.500000e+00> : tensor<2x3xf32>}>
  // CHECK:         %big = "onnx.ConstantOfShape"
  // STORE-LABEL: func.func @constant_of_shape
  // STORE:         %big = onnx.initializer "big" : tensor<10x10xf32>
  func.func @constant_of_shape() -> (tensor<2x3xf32>, tensor<10x10xf32>) {
    %s = "onnx.Constant"() <{value = dense<[2, 3]> : tensor<2xi64>}> : () -> tensor<2xi64>
    %small = "onnx.ConstantOfShape"(%s) <{value = dense<1.5> : tensor<1xf32>}> : (tensor<2xi64>) -> tensor<2x3xf32>
    %t = "onnx.Constant"() <{value = dense<[10, 10]> : tensor<2xi64>}> : () -> tensor<2xi64>
    %big = "onnx.ConstantOfShape"(%t) : (tensor<2xi64>) -> tensor<10x10xf32>
    func.return %small, %big : tensor<2x3xf32>, tensor<10x10xf32>
  }

  // CHECK-LABEL: func.func @shape_math
  // CHECK-NEXT:    %{{.*}} = "onnx.Constant"() <{value = dense<{{\[}}[1, 3], [2, 4]]> : tensor<2x2xi64>}>
  // CHECK-NEXT:    %{{.*}} = "onnx.Constant"() <{value = dense<[2, 4, 6, 8]> : tensor<4xi64>}>
  // CHECK-NEXT:    %{{.*}} = "onnx.Constant"() <{value = dense<{{\[}}[1, 2, 3, 4]]> : tensor<1x4xi64>}>
  // CHECK-NEXT:    %{{.*}} = "onnx.Constant"() <{value = dense<[1, 2, 3, 4]> : tensor<4xi64>}>
  // CHECK-NEXT:    func.return
  func.func @shape_math() -> (tensor<2x2xi64>, tensor<4xi64>, tensor<1x4xi64>, tensor<4xi64>) {
    %a = "onnx.Constant"() <{value = dense<[1, 2]> : tensor<2xi64>}> : () -> tensor<2xi64>
    %b = "onnx.Constant"() <{value = dense<[3, 4]> : tensor<2xi64>}> : () -> tensor<2xi64>
    %two = "onnx.Constant"() <{value = dense<2> : tensor<i64>}> : () -> tensor<i64>
    %ax = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}> : () -> tensor<1xi64>
    %cat = "onnx.Concat"(%a, %b) <{axis = 0 : i64}> : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
    %m = "onnx.Reshape"(%cat, %a) : (tensor<4xi64>, tensor<2xi64>) -> tensor<2x2xi64>
    %tr = "onnx.Transpose"(%m) : (tensor<2x2xi64>) -> tensor<2x2xi64>
    %mul = "onnx.Mul"(%cat, %two) : (tensor<4xi64>, tensor<i64>) -> tensor<4xi64>
    %un = "onnx.Unsqueeze"(%cat, %ax) : (tensor<4xi64>, tensor<1xi64>) -> tensor<1x4xi64>
    %fl = "onnx.Flatten"(%un) <{axis = 0 : i64}> : (tensor<1x4xi64>) -> tensor<1x4xi64>
    %zero = "onnx.Constant"() <{value = dense<0> : tensor<4xi64>}> : () -> tensor<4xi64>
    %add = "onnx.Add"(%cat, %zero) : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
    %dead = "onnx.Relu"(%a) : (tensor<2xi64>) -> tensor<2xi64>
    func.return %tr, %mul, %fl, %add : tensor<2x2xi64>, tensor<4xi64>, tensor<1x4xi64>, tensor<4xi64>
  }

  // Reshaping a weight needs the store: without one the Reshape stays.
  // CHECK-LABEL: func.func @reshape_weight
  // CHECK:         "onnx.Reshape"
  // STORE-LABEL: func.func @reshape_weight
  // STORE-NEXT:    %r = onnx.initializer "r" : tensor<96xf32>
  // STORE-NEXT:    func.return %r
  func.func @reshape_weight() -> tensor<96xf32> {
    %w = onnx.initializer "w" : tensor<8x12xf32>
    %s = "onnx.Constant"() <{value = dense<-1> : tensor<1xi64>}> : () -> tensor<1xi64>
    %r = "onnx.Reshape"(%w, %s) : (tensor<8x12xf32>, tensor<1xi64>) -> tensor<96xf32>
    func.return %r : tensor<96xf32>
  }
}
