// RUN: tcc-opt %s --split-input-file --verify-diagnostics | filecheck %s
// RUN: not tcc-opt %s --split-input-file 2>&1 | filecheck %s --check-prefix=STRICT

// --verify-diagnostics checks each chunk's errors against its `expected-*` annotations (exit 0
// when they agree); a chunk that errs prints nothing, the others print their IR. Without it the
// first error fails the run.

func.func @ok(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %t = "onnx.Transpose"(%x) <{perm = array<i64: 1, 0>}> : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return %t : tensor<3x2xf32>
}

// CHECK:      func.func @ok
// CHECK:      // -----
// CHECK-NEXT: // -----
// CHECK-NEXT: // -----
// CHECK-NEXT: // -----
// CHECK-NEXT: // -----
// CHECK-NEXT: // -----
// CHECK-NEXT: builtin.module {
// CHECK-NEXT:   func.func @after

// STRICT:     tcc-opt: error: onnx.Transpose: perm [0, 0] is not a permutation of 0..1

// -----

// A verifier error is located at the op that does not verify: @+N counts lines from here.
func.func @bad(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error@+1 {{onnx.Transpose: perm [0, 0] is not a permutation of 0..1}}
  %t = "onnx.Transpose"(%x) <{perm = array<i64: 0, 0>}> : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return %t : tensor<3x2xf32>
}

// -----

// On the op's own line, and with @above (the line before); the text is a substring.
func.func @same_line(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %t = "onnx.Transpose"(%x) <{perm = array<i64: 1, 1>}> : (tensor<2x3xf32>) -> tensor<3x2xf32> // expected-error {{perm [1, 1]}}
  func.return %t : tensor<3x2xf32>
}

// -----

func.func @above(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %t = "onnx.Transpose"(%x) <{perm = array<i64: 2, 0>}> : (tensor<2x3xf32>) -> tensor<3x2xf32>
  // expected-error@above {{perm [2, 0] is not a permutation}}
  func.return %t : tensor<3x2xf32>
}

// -----

// @-N and @below; a parse error is located at the token xDSL reports.
func.func @parse(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = "onnx.Relu"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // expected-error@below {{SSA value %y is already defined}}
  %y = "onnx.Relu"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  func.return %y : tensor<2x3xf32>
}

// -----

// A parse error's reference is a note at the line it points to.
func.func @blocks() {
^bb0:  // expected-note {{originally declared here}}
  func.return
^bb0:
  func.return
}
// expected-error@-3 {{re-declaration of block 'bb0'}}

// -----

func.func @after(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  func.return %x : tensor<2x3xf32>
}
