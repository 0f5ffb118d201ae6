// RUN: tcc-opt %s -p convert-onnx-to-kernel | filecheck %s

// The call of a loop (`tcompiler.loop_bodies`): the same call on buffers, its results written
// straight into the outputs they are returned as (else into new buffers), then its scratch;
// it writes its last `tcc.writes` arguments, and the declaration takes the buffer types.

builtin.module {
  func.func @main(%h0: tensor<2x4xf32>, %x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<100x2x4xf32>) attributes {tcc.input_names = ["h0", "x"], tcc.output_names = ["h", "ys"]} {
    %h, %ys, %t = func.call @tcc_loop_0(%h0, %x) {tcc.loop_scratch = 448 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<100x2x4xf32>, tensor<f32>)
    %y = "onnx.Relu"(%t) : (tensor<f32>) -> tensor<f32>
    func.return %h, %ys : tensor<2x4xf32>, tensor<100x2x4xf32>
  }
  func.func private @tcc_loop_0(tensor<2x4xf32>, tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<100x2x4xf32>, tensor<f32>) attributes {tcc.loop}
}

// CHECK:      func.func @main(%[[H0:.*]]: memref<2x4xf32>, %[[X:.*]]: memref<2x4xf32>, %[[H:.*]]: memref<2x4xf32>, %[[YS:.*]]: memref<100x2x4xf32>)
// CHECK-NEXT:   %[[T:.*]] = kernel.buffer : memref<f32>
// CHECK-NEXT:   %[[S:.*]] = kernel.buffer : memref<448xi8>
// CHECK-NEXT:   func.call @tcc_loop_0(%[[H0]], %[[X]], %[[H]], %[[YS]], %[[T]], %[[S]]) {tcc.writes = 4 : i64, tcc.loop_scratch = 448 : i64}
// CHECK-NEXT:   func.return
// CHECK:      func.func private @tcc_loop_0(memref<2x4xf32>, memref<2x4xf32>, memref<2x4xf32>, memref<100x2x4xf32>, memref<f32>, memref<448xi8>) -> () attributes {tcc.loop}
