// RUN: tcc-opt %s -p convert-onnx-to-kernel | filecheck %s

// nn and reduction rules (issue 4): a 2-d MatMul is a gemm (so fuse-conv-epilogue can give it
// the Relu's activation), a batched one a kernel.matmul; ReduceMean with constant axes input is a kernel.reduce (keepdims=0: the
// axis dropped from Y); LayerNormalization a kernel.normalize over the trailing axes;
// LogSoftmax a kernel.softmax with `log`.

builtin.module {
  func.func @main(%a: tensor<3x4xf32>, %b: tensor<2x4x5xf32>, %x: tensor<2x3x4xf32>) -> (tensor<3x4xf32>, tensor<2x3x5xf32>, tensor<2x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) attributes {tcc.input_names = ["a", "b", "x"], tcc.output_names = ["g", "m", "r", "ln", "ls"]} {
    %w = onnx.initializer "w" : tensor<4x4xf32>
    %mm = "onnx.MatMul"(%a, %w) : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32>
    %g = "onnx.Relu"(%mm) : (tensor<3x4xf32>) -> tensor<3x4xf32>
    %m = "onnx.MatMul"(%x, %b) : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
    %axes = "onnx.Constant"() <{value = dense<[-2]> : tensor<1xi64>}> : () -> tensor<1xi64>
    %r = "onnx.ReduceMean"(%x, %axes) <{keepdims = 0 : i64}> : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x4xf32>
    %s = onnx.initializer "s" : tensor<4xf32>
    %ln = "onnx.LayerNormalization"(%x, %s) <{axis = -1 : i64, resultSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
    %ls = "onnx.LogSoftmax"(%x) <{axis = 1 : i64}> : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
    func.return %g, %m, %r, %ln, %ls : tensor<3x4xf32>, tensor<2x3x5xf32>, tensor<2x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>
  }
}

// CHECK:      kernel.gemm %{{.*}}, %{{.*}} -> %[[G:.*]] {trans_a = 0 : i64, trans_b = 0 : i64, alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32} : memref<3x4xf32>, memref<4x4xf32> -> memref<3x4xf32>
// CHECK:      kernel.map %[[G]]
// CHECK:        arith.maximumf
// CHECK:      kernel.matmul %{{.*}}, %{{.*}} -> %{{.*}} : memref<2x3x4xf32>, memref<2x4x5xf32> -> memref<2x3x5xf32>
// CHECK:      kernel.reduce "mean" %{{.*}} -> %{{.*}} {axes = array<i64: 1>} : memref<2x3x4xf32> -> memref<2x4xf32>
// CHECK:      kernel.normalize "normalize" %{{.*}} scale %{{.*}} -> %{{.*}} {{.*}}axes = array<i64: 2>
// CHECK:      kernel.softmax %{{.*}} -> %{{.*}} {axis = 1 : i64, log}
