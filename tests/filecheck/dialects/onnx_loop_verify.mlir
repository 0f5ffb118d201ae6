// RUN: tcc-opt %s --split-input-file --verify-diagnostics

// Verifier errors of onnx.Loop, one per chunk.

func.func @main(%v0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{onnx.Loop: carried values change type: (tensor<2xf32>) -> (tensor<3xf32>)}}
  %v = "onnx.Loop"(%v0) <{trip_count = 10 : i64, operandSegmentSizes = array<i32: 0, 1, 0>}> ({
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %v_in: tensor<2xf32>):
    %w = "onnx.Constant"() <{value = dense<1.0> : tensor<3xf32>}> : () -> tensor<3xf32>
    onnx.yield %c, %w : tensor<i1>, tensor<3xf32>
  }) : (tensor<2xf32>) -> tensor<2xf32>
  func.return %v : tensor<2xf32>
}

// -----

func.func @main(%v0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{onnx.Loop: body condition must be a one-element i1 tensor, got tensor<2xf32>}}
  %v = "onnx.Loop"(%v0) <{trip_count = 10 : i64, operandSegmentSizes = array<i32: 0, 1, 0>}> ({
  ^bb0(%i: tensor<i64>, %c: tensor<2xf32>, %v_in: tensor<2xf32>):
    onnx.yield %c, %v_in : tensor<2xf32>, tensor<2xf32>
  }) : (tensor<2xf32>) -> tensor<2xf32>
  func.return %v : tensor<2xf32>
}

// -----

func.func @main(%v0: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  // expected-error@+1 {{onnx.Loop: scan output tensor<2xf32> is not -1 slices tensor<2xf32> stacked (scan outputs need a trip count)}}
  %v, %ys = "onnx.Loop"(%v0) <{trip_count = -1 : i64, operandSegmentSizes = array<i32: 0, 1, 0>}> ({
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %v_in: tensor<2xf32>):
    onnx.yield %c, %v_in, %v_in : tensor<i1>, tensor<2xf32>, tensor<2xf32>
  }) : (tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  func.return %v, %ys : tensor<2xf32>, tensor<2xf32>
}

// -----

func.func @main(%m: tensor<i64>, %v0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error@+1 {{onnx.Loop: a trip count input needs trip_count = -1 and no scan outputs}}
  %v = "onnx.Loop"(%m, %v0) <{trip_count = 10 : i64, operandSegmentSizes = array<i32: 1, 1, 0>}> ({
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %v_in: tensor<2xf32>):
    onnx.yield %c, %v_in : tensor<i1>, tensor<2xf32>
  }) : (tensor<i64>, tensor<2xf32>) -> tensor<2xf32>
  func.return %v : tensor<2xf32>
}
