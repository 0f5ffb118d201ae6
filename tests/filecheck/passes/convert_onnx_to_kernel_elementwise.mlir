// RUN: tcc-opt %s -p convert-onnx-to-kernel | filecheck %s
// RUN: tcc-opt %s -p "convert-onnx-to-kernel,fuse-elementwise,outline-kernels" | filecheck %s --check-prefix=FUSED

// Typed maps: a compare (f32 -> i1), Not on bool, Where selecting i64 values and a Cast back
// to f32 are each a kernel.map whose block arguments take each input's element type and whose
// yield has the output's; a splat constant becomes an arith.constant of its type. With
// fuse-elementwise the four maps are one.

builtin.module {
  func.func @main(%x: tensor<2x3xf32>, %a: tensor<2x3xi64>) -> tensor<2x3xf32> attributes {tcc.input_names = ["x", "a"], tcc.output_names = ["y"]} {
    %zero = "onnx.Constant"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32>
    %seven = "onnx.Constant"() <{value = dense<7> : tensor<i64>}> : () -> tensor<i64>
    %g = "onnx.Greater"(%x, %zero) : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xi1>
    %n = "onnx.Not"(%g) : (tensor<2x3xi1>) -> tensor<2x3xi1>
    %w = "onnx.Where"(%n, %a, %seven) : (tensor<2x3xi1>, tensor<2x3xi64>, tensor<i64>) -> tensor<2x3xi64>
    %y = "onnx.Cast"(%w) <{to = 1 : i64}> : (tensor<2x3xi64>) -> tensor<2x3xf32>
    func.return %y : tensor<2x3xf32>
  }
}

// CHECK:      func.func @main(%[[X:.*]]: memref<2x3xf32>, %[[A:.*]]: memref<2x3xi64>, %[[Y:.*]]: memref<2x3xf32>)
// CHECK-NEXT:   %[[B1:.*]] = kernel.buffer : memref<2x3xi1>
// CHECK-NEXT:   kernel.map %[[X]] -> %[[B1]] : memref<2x3xf32> -> memref<2x3xi1> {
// CHECK-NEXT:   ^{{.*}}(%[[P:.*]]: f32):
// CHECK-NEXT:     %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:     %[[G:.*]] = arith.cmpf ogt, %[[P]], %[[Z]] : f32
// CHECK-NEXT:     kernel.yield %[[G]] : i1
// CHECK:        %[[B2:.*]] = kernel.buffer : memref<2x3xi1>
// CHECK-NEXT:   kernel.map %[[B1]] -> %[[B2]] : memref<2x3xi1> -> memref<2x3xi1> {
// CHECK:          arith.xori
// CHECK:        %[[B3:.*]] = kernel.buffer : memref<2x3xi64>
// CHECK-NEXT:   kernel.map %[[B2]], %[[A]] -> %[[B3]] : memref<2x3xi1>, memref<2x3xi64> -> memref<2x3xi64> {
// CHECK-NEXT:   ^{{.*}}(%[[K:.*]]: i1, %[[Q:.*]]: i64):
// CHECK-NEXT:     %[[S:.*]] = arith.constant 7 : i64
// CHECK-NEXT:     %[[W:.*]] = arith.select %[[K]], %[[Q]], %[[S]] : i64
// CHECK:        kernel.map %[[B3]] -> %[[Y]] : memref<2x3xi64> -> memref<2x3xf32> {
// CHECK:          arith.sitofp

// FUSED:      func.func @main(%[[X:.*]]: memref<2x3xf32>, %[[A:.*]]: memref<2x3xi64>, %[[Y:.*]]: memref<2x3xf32>)
// FUSED-NEXT:   func.call @map_0(%[[X]], %[[A]], %[[Y]])
// FUSED-NEXT:   func.return
// FUSED:      func.func @map_0
// FUSED:        kernel.map %{{.*}}, %{{.*}} -> %{{.*}} : memref<2x3xf32>, memref<2x3xi64> -> memref<2x3xf32> {
// FUSED-NEXT:   ^{{.*}}(%[[P:.*]]: f32, %[[Q:.*]]: i64):
// FUSED-NEXT:     %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// FUSED-NEXT:     %[[G:.*]] = arith.cmpf ogt, %[[P]], %[[Z]] : f32
// FUSED-NEXT:     %[[T:.*]] = arith.constant true
// FUSED-NEXT:     %[[N:.*]] = arith.xori %[[G]], %[[T]] : i1
// FUSED-NEXT:     %[[S:.*]] = arith.constant 7 : i64
// FUSED-NEXT:     %[[W:.*]] = arith.select %[[N]], %[[Q]], %[[S]] : i64
// FUSED-NEXT:     %[[F:.*]] = arith.sitofp %[[W]] : i64 to f32
// FUSED-NEXT:     kernel.yield %[[F]] : f32
