// RUN: tcc-opt %s -p convert-onnx-to-kernel | filecheck %s
// RUN: tcc-opt %s -p "convert-onnx-to-kernel,fuse-conv-epilogue,fuse-elementwise,outline-kernels,dedup-kernels" | filecheck %s --check-prefix=STAGE

// The conversion alone: one kernel op per onnx op, each writing a fresh buffer or, when its
// result is returned, its output argument; Flatten is a view. A result with one use is
// computed where that use asks for it: each conv and map right before the op reading it, the
// relus when the return needs them.
// STAGE, the whole `kernels` stage: Conv + residual Add + Relu fuse into one kernel, Mul ->
// Add -> Relu into one map, each outlined into a function.

builtin.module {
  func.func @main(%x: tensor<1x3x8x8xf32>, %r: tensor<1x4x8x8xf32>) -> (tensor<1x4x8x8xf32>, tensor<1x256xf32>) attributes {tcc.input_names = ["x", "r"], tcc.output_names = ["y", "z"]} {
    %w = onnx.initializer "w" : tensor<4x3x3x3xf32>
    %c = "onnx.Conv"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
    %a = "onnx.Add"(%c, %r) : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %y = "onnx.Relu"(%a) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %c2 = "onnx.Conv"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
    %f = "onnx.Flatten"(%c2) : (tensor<1x4x8x8xf32>) -> tensor<1x256xf32>
    %m = "onnx.Mul"(%f, %f) : (tensor<1x256xf32>, tensor<1x256xf32>) -> tensor<1x256xf32>
    %s = "onnx.Add"(%m, %f) : (tensor<1x256xf32>, tensor<1x256xf32>) -> tensor<1x256xf32>
    %z = "onnx.Relu"(%s) : (tensor<1x256xf32>) -> tensor<1x256xf32>
    func.return %y, %z : tensor<1x4x8x8xf32>, tensor<1x256xf32>
  }
}

// CHECK:      func.func @main(%[[X:.*]]: memref<1x3x8x8xf32>, %[[R:.*]]: memref<1x4x8x8xf32>, %[[Y:.*]]: memref<1x4x8x8xf32>, %[[Z:.*]]: memref<1x256xf32>)
// CHECK-SAME: tcc.graph
// CHECK-NEXT:   %[[W:.*]] = kernel.weight "w" : memref<4x3x3x3xf32>
// CHECK-NEXT:   %[[C:.*]] = kernel.buffer : memref<1x4x8x8xf32>
// CHECK-NEXT:   kernel.conv %[[X]], %[[W]] -> %[[C]] {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
// CHECK-NEXT:   %[[A:.*]] = kernel.buffer : memref<1x4x8x8xf32>
// CHECK-NEXT:   kernel.map %[[C]], %[[R]] -> %[[A]]
// CHECK:          arith.addf
// CHECK:        %[[C2:.*]] = kernel.buffer : memref<1x4x8x8xf32>
// CHECK-NEXT:   kernel.conv %[[X]], %[[W]] -> %[[C2]]
// CHECK-NEXT:   %[[F:.*]] = kernel.view %[[C2]] : memref<1x4x8x8xf32> to memref<1x256xf32>
// CHECK-NEXT:   %[[M:.*]] = kernel.buffer : memref<1x256xf32>
// CHECK-NEXT:   kernel.map %[[F]] -> %[[M]]
// CHECK:          arith.mulf
// CHECK:        %[[S:.*]] = kernel.buffer : memref<1x256xf32>
// CHECK-NEXT:   kernel.map %[[M]], %[[F]] -> %[[S]]
// CHECK:          arith.addf
// CHECK:        kernel.map %[[A]] -> %[[Y]]
// CHECK:          arith.maximumf
// CHECK:        kernel.map %[[S]] -> %[[Z]]
// CHECK:          arith.maximumf
// CHECK:        func.return

// STAGE:      func.func @main(%[[X:.*]]: memref<1x3x8x8xf32>, %[[R:.*]]: memref<1x4x8x8xf32>, %[[Y:.*]]: memref<1x4x8x8xf32>, %[[Z:.*]]: memref<1x256xf32>)
// STAGE-SAME: tcc.graph
// STAGE:        %[[W:.*]] = kernel.weight "w" : memref<4x3x3x3xf32>
// STAGE-NEXT:   %[[T:.*]] = kernel.buffer : memref<1x4x8x8xf32>
// STAGE-NEXT:   func.call @conv_0(%[[X]], %[[W]], %[[T]])
// STAGE-NEXT:   %[[V:.*]] = kernel.view %[[T]] : memref<1x4x8x8xf32> to memref<1x256xf32>
// STAGE-NEXT:   func.call @conv_1(%[[X]], %[[W]], %[[R]], %[[Y]])
// STAGE-NEXT:   func.call @map_0(%[[V]], %[[Z]])
// STAGE-NEXT:   func.return
// STAGE:      func.func @conv_0
// STAGE-SAME: tcc.kernel
// STAGE-NEXT:   kernel.conv %{{.*}}, %{{.*}} -> %{{.*}} {strides
// STAGE:      func.func @conv_1
// STAGE-NEXT:   kernel.conv %{{.*}}, %{{.*}} residual %{{.*}} -> %{{.*}} {{.*}}activation = "relu"
// STAGE:      func.func @map_0
// STAGE:        arith.mulf
// STAGE-NEXT:   arith.addf
// STAGE-NEXT:   arith.constant 0.0
// STAGE-NEXT:   arith.maximumf
// STAGE-NEXT:   kernel.yield
