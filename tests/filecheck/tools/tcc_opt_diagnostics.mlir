// RUN: tcc-opt %s --split-input-file --verify-diagnostics | filecheck %s
// RUN: not tcc-opt %s --split-input-file 2>&1 | filecheck %s --check-prefix=STRICT

// Each `// -----` chunk is parsed, verified and printed on its own; with --verify-diagnostics
// a chunk's error is printed in its place (exit 0), without it the first error fails the run.

func.func @ok(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %t = "onnx.Transpose"(%x) <{perm = array<i64: 1, 0>}> : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return %t : tensor<3x2xf32>
}

// CHECK:      func.func @ok
// CHECK:      // -----
// CHECK-NEXT: error: onnx.Transpose: perm [0, 0] is not a permutation of 0..1
// CHECK-NEXT: // -----
// CHECK-NEXT: builtin.module {
// CHECK-NEXT:   func.func @after

// STRICT:     tcc-opt: error: onnx.Transpose: perm [0, 0] is not a permutation of 0..1

// -----

func.func @bad(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %t = "onnx.Transpose"(%x) <{perm = array<i64: 0, 0>}> : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return %t : tensor<3x2xf32>
}

// -----

func.func @after(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  func.return %x : tensor<2x3xf32>
}
