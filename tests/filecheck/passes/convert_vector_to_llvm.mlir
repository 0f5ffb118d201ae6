// RUN: tcc-opt %s -p convert-vector-to-llvm | filecheck %s

// 1-D vector value ops to llvm: broadcast is insertelement + a zero-mask shufflevector.

builtin.module {
  func.func @k(%s: f32, %a: vector<4xf32>) -> f32 {
    // CHECK:      %[[U:.*]] = llvm.mlir.undef : vector<4xf32>
    // CHECK-NEXT: %[[Z:.*]] = llvm.mlir.constant(0 : i32) : i32
    // CHECK-NEXT: %[[I:.*]] = llvm.insertelement %s, %[[U]][%[[Z]] : i32] : vector<4xf32>
    // CHECK-NEXT: %[[B:.*]] = llvm.shufflevector %[[I]], %[[I]] [0, 0, 0, 0] : vector<4xf32>
    %b = vector.broadcast %s : f32 to vector<4xf32>
    // CHECK-NEXT: %[[F:.*]] = llvm.intr.fma(%[[B]], %a, %a) : (vector<4xf32>, vector<4xf32>, vector<4xf32>) -> vector<4xf32>
    %f = vector.fma %b, %a, %a : vector<4xf32>
    // CHECK-NEXT: %[[H:.*]] = llvm.shufflevector %[[F]], %a [2, 3, 4, 5] : vector<4xf32>
    %h = vector.shuffle %f, %a [2, 3, 4, 5] : vector<4xf32>, vector<4xf32>
    // CHECK-NEXT: %[[L:.*]] = llvm.mlir.constant(1 : i32) : i32
    // CHECK-NEXT: %[[N:.*]] = llvm.insertelement %s, %[[H]][%[[L]] : i32] : vector<4xf32>
    %n = vector.insert %s, %h [1] : f32 into vector<4xf32>
    // CHECK-NEXT: %[[Z2:.*]] = llvm.mlir.constant(0.000000e+00 : f32) : f32
    // CHECK-NEXT: %{{.*}} = "llvm.intr.vector.reduce.fadd"(%[[Z2]], %[[N]]) <{fastmathFlags = #llvm.fastmath<reassoc,contract>}> : (f32, vector<4xf32>) -> f32
    %r = vector.reduction <add>, %n : vector<4xf32> into f32
    func.return %r : f32
  }
}
