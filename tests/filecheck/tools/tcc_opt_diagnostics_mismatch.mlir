// RUN: not tcc-opt %s --split-input-file --verify-diagnostics 2>&1 | filecheck %s

// Every mismatch is one line on stderr, in line order, and the exit code is 1: an annotation
// nothing matched (at the annotation's line; "at N" when it points elsewhere), an error nobody
// expected (at its own line), and an error a located annotation does not match because it has
// no line (or the other way round).

// CHECK:      tcc_opt_diagnostics_mismatch.mlir:[[# @LINE + 3]]: expected error at [[# @LINE + 4]] "perm [1, 1]" was not produced
// CHECK-NEXT: tcc_opt_diagnostics_mismatch.mlir:[[# @LINE + 3]]: unexpected error: onnx.Transpose: perm [0, 0] is not a permutation of 0..1
func.func @wrong_text(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error@+1 {{perm [1, 1]}}
  %t = "onnx.Transpose"(%x) <{perm = array<i64: 0, 0>}> : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return %t : tensor<3x2xf32>
}

// -----

// CHECK-NEXT: tcc_opt_diagnostics_mismatch.mlir:[[# @LINE + 3]]: unexpected error: onnx.Transpose: perm [2, 2]
// CHECK-NEXT: tcc_opt_diagnostics_mismatch.mlir:[[# @LINE + 3]]: expected error at [[# @LINE + 4]] "perm [2, 2]" was not produced
func.func @wrong_line(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %t = "onnx.Transpose"(%x) <{perm = array<i64: 2, 2>}> : (tensor<2x3xf32>) -> tensor<3x2xf32>
  // expected-error@+1 {{perm [2, 2]}}
  func.return %t : tensor<3x2xf32>
}

// -----

// CHECK-NEXT: tcc_opt_diagnostics_mismatch.mlir:[[# @LINE + 2]]: expected warning "never warned" was not produced
func.func @missing(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  func.return %x : tensor<2x3xf32> // expected-warning {{never warned}}
}

// -----

// CHECK-NEXT: tcc_opt_diagnostics_mismatch.mlir:[[# @LINE + 2]]: expected error at unknown "is not a permutation" was not produced
// CHECK-NEXT: tcc_opt_diagnostics_mismatch.mlir:[[# @LINE + 3]]: unexpected error: onnx.Transpose: perm [3, 3]
// expected-error@unknown {{is not a permutation}}
func.func @located(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %t = "onnx.Transpose"(%x) <{perm = array<i64: 3, 3>}> : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return %t : tensor<3x2xf32>
}
