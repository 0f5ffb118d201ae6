// RUN: tcc-opt %s | tcc-opt | filecheck %s
// RUN: tcc-opt %s --print-op-generic | tcc-opt | filecheck %s

// onnx.Loop (a region: iteration, condition, carried, captured) and onnx.yield print and
// re-parse.

builtin.module {
  func.func @main(%v0: tensor<2x3xf32>, %x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<100x2x3xf32>) {
    // CHECK: %{{.*}}, %{{.*}} = "onnx.Loop"(%v0, %x) <{trip_count = 100 : i64, operandSegmentSizes = array<i32: 0, 1, 1>}> ({
    // CHECK-NEXT: ^{{.*}}(%{{.*}}: tensor<i64>, %{{.*}}: tensor<i1>, %{{.*}}: tensor<2x3xf32>, %{{.*}}: tensor<2x3xf32>):
    // CHECK-NEXT: "onnx.Add"
    // CHECK-NEXT: onnx.yield %{{.*}}, %{{.*}}, %{{.*}} : tensor<i1>, tensor<2x3xf32>, tensor<2x3xf32>
    // CHECK-NEXT: }) {onnx.name = "loop"} : (tensor<2x3xf32>, tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<100x2x3xf32>)
    %v, %ys = "onnx.Loop"(%v0, %x) <{trip_count = 100 : i64, operandSegmentSizes = array<i32: 0, 1, 1>}> ({
    ^bb0(%i: tensor<i64>, %c: tensor<i1>, %v_in: tensor<2x3xf32>, %x_in: tensor<2x3xf32>):
      %s = "onnx.Add"(%v_in, %x_in) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
      onnx.yield %c, %s, %s : tensor<i1>, tensor<2x3xf32>, tensor<2x3xf32>
    }) {onnx.name = "loop"} : (tensor<2x3xf32>, tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<100x2x3xf32>)
    func.return %v, %ys : tensor<2x3xf32>, tensor<100x2x3xf32>
  }
  // A trip count known at run time (carried values only).
  func.func @by_input(%m: tensor<i64>, %v0: tensor<2x3xf32>) -> tensor<2x3xf32> {
    // CHECK: "onnx.Loop"(%m, %v0) <{trip_count = -1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>}>
    %v = "onnx.Loop"(%m, %v0) <{trip_count = -1 : i64, operandSegmentSizes = array<i32: 1, 1, 0>}> ({
    ^bb0(%i: tensor<i64>, %c: tensor<i1>, %v_in: tensor<2x3xf32>):
      onnx.yield %c, %v_in : tensor<i1>, tensor<2x3xf32>
    }) : (tensor<i64>, tensor<2x3xf32>) -> tensor<2x3xf32>
    func.return %v : tensor<2x3xf32>
  }
}
