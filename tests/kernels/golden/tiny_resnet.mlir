builtin.module {
  func.func @main(%0: memref<1x3x32x32xf32>, %1: memref<1x10xf32>, %2: memref<1x10xf32>) attributes {tcc.input_names = ["x"], tcc.output_names = ["probs", "logits"], tcc.graph} {
    %3 = kernel.weight "c1_w_bn" : memref<16x3x3x3xf32>
    %4 = kernel.weight "bias" : memref<16xf32>
    %r1 = kernel.buffer : memref<1x16x32x32xf32>
    func.call @conv_0(%0, %3, %4, %r1) : (memref<1x3x32x32xf32>, memref<16x3x3x3xf32>, memref<16xf32>, memref<1x16x32x32xf32>) -> ()
    %p1 = kernel.buffer : memref<1x16x16x16xf32>
    func.call @maxpool_0(%r1, %p1) : (memref<1x16x32x32xf32>, memref<1x16x16x16xf32>) -> ()
    %5 = kernel.weight "c2_w_bn" : memref<16x16x3x3xf32>
    %6 = kernel.weight "bias_1" : memref<16xf32>
    %r2 = kernel.buffer : memref<1x16x16x16xf32>
    func.call @conv_1(%p1, %5, %6, %r2) : (memref<1x16x16x16xf32>, memref<16x16x3x3xf32>, memref<16xf32>, memref<1x16x16x16xf32>) -> ()
    %7 = kernel.weight "c3_w" : memref<16x16x3x3xf32>
    %r3 = kernel.buffer : memref<1x16x16x16xf32>
    func.call @conv_2(%r2, %7, %p1, %r3) : (memref<1x16x16x16xf32>, memref<16x16x3x3xf32>, memref<1x16x16x16xf32>, memref<1x16x16x16xf32>) -> ()
    %g = kernel.buffer : memref<1x16x1x1xf32>
    func.call @globalpool_0(%r3, %g) : (memref<1x16x16x16xf32>, memref<1x16x1x1xf32>) -> ()
    %8 = kernel.view %g : memref<1x16x1x1xf32> to memref<1x16xf32>
    %9 = kernel.weight "fc_w" : memref<10x16xf32>
    %10 = kernel.weight "fc_b" : memref<10xf32>
    func.call @gemm_0(%8, %9, %10, %2) : (memref<1x16xf32>, memref<10x16xf32>, memref<10xf32>, memref<1x10xf32>) -> ()
    func.call @softmax_0(%2, %1) : (memref<1x10xf32>, memref<1x10xf32>) -> ()
    func.return
  }
  func.func @conv_0(%0: memref<1x3x32x32xf32>, %1: memref<16x3x3x3xf32>, %2: memref<16xf32>, %3: memref<1x16x32x32xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x3x32x32xf32>, memref<16x3x3x3xf32> bias memref<16xf32> -> memref<1x16x32x32xf32>
    func.return
  }
  func.func @maxpool_0(%0: memref<1x16x32x32xf32>, %1: memref<1x16x16x16xf32>) attributes {tcc.kernel} {
    kernel.pool "max" %0 -> %1 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, count_include_pad = 0 : i64} : memref<1x16x32x32xf32> -> memref<1x16x16x16xf32>
    func.return
  }
  func.func @conv_1(%0: memref<1x16x16x16xf32>, %1: memref<16x16x3x3xf32>, %2: memref<16xf32>, %3: memref<1x16x16x16xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x16x16x16xf32>, memref<16x16x3x3xf32> bias memref<16xf32> -> memref<1x16x16x16xf32>
    func.return
  }
  func.func @conv_2(%0: memref<1x16x16x16xf32>, %1: memref<16x16x3x3xf32>, %2: memref<1x16x16x16xf32>, %3: memref<1x16x16x16xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 residual %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x16x16x16xf32>, memref<16x16x3x3xf32> residual memref<1x16x16x16xf32> -> memref<1x16x16x16xf32>
    func.return
  }
  func.func @globalpool_0(%0: memref<1x16x16x16xf32>, %1: memref<1x16x1x1xf32>) attributes {tcc.kernel} {
    kernel.pool "avg" %0 -> %1 {kernel_shape = array<i64: 16, 16>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, count_include_pad = 0 : i64} : memref<1x16x16x16xf32> -> memref<1x16x1x1xf32>
    func.return
  }
  func.func @gemm_0(%0: memref<1x16xf32>, %1: memref<10x16xf32>, %2: memref<10xf32>, %3: memref<1x10xf32>) attributes {tcc.kernel} {
    kernel.gemm %0, %1 bias %2 -> %3 {trans_a = 0 : i64, trans_b = 1 : i64, alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32} : memref<1x16xf32>, memref<10x16xf32> bias memref<10xf32> -> memref<1x10xf32>
    func.return
  }
  func.func @softmax_0(%0: memref<1x10xf32>, %1: memref<1x10xf32>) attributes {tcc.kernel} {
    kernel.softmax %0 -> %1 {axis = 1 : i64} : memref<1x10xf32> -> memref<1x10xf32>
    func.return
  }
}
