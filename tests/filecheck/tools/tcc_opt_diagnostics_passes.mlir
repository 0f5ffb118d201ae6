// RUN: tcc-opt %s --verify-diagnostics -p onnx-canonicalize,plan-memory

// Pass diagnostics under --verify-diagnostics. A pass that looks up weights tcc-opt was not
// given (no --weights) warns, at the first op naming one of them; an error of a pass that
// names no op has no location, and is matched by @unknown.

// expected-error@unknown {{pass 'plan-memory' precondition failed}}
func.func @needs_weights() -> tensor<9xf32> {
  %w = onnx.initializer "w" : tensor<3x3xf32> // expected-warning {{pass 'onnx-canonicalize' looked up 1 weight it was not given ('w')}}
  %s = "onnx.Constant"() <{value = dense<[9]> : tensor<1xi64>}> : () -> tensor<1xi64>
  %y = "onnx.Reshape"(%w, %s) : (tensor<3x3xf32>, tensor<1xi64>) -> tensor<9xf32>
  func.return %y : tensor<9xf32>
}
