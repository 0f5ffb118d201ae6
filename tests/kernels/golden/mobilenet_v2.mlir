builtin.module {
  func.func @main(%0: memref<1x3x32x32xf32>, %1: memref<1x10xf32>) attributes {tcc.input_names = ["x"], tcc.output_names = ["gemm_79"], tcc.graph} {
    %2 = kernel.weight "w_1" : memref<16x3x3x3xf32>
    %3 = kernel.weight "w" : memref<16xf32>
    %clip = kernel.buffer : memref<1x16x16x16xf32>
    func.call @conv_0(%0, %2, %3, %clip) : (memref<1x3x32x32xf32>, memref<16x3x3x3xf32>, memref<16xf32>, memref<1x16x16x16xf32>) -> ()
    %4 = kernel.weight "w_9" : memref<64x16x1x1xf32>
    %5 = kernel.weight "w_2" : memref<64xf32>
    %clip_1 = kernel.buffer : memref<1x64x16x16xf32>
    func.call @conv_1(%clip, %4, %5, %clip_1) : (memref<1x16x16x16xf32>, memref<64x16x1x1xf32>, memref<64xf32>, memref<1x64x16x16xf32>) -> ()
    %6 = kernel.weight "w_17" : memref<64x1x3x3xf32>
    %7 = kernel.weight "w_3" : memref<64xf32>
    %clip_2 = kernel.buffer : memref<1x64x16x16xf32>
    func.call @conv_2(%clip_1, %6, %7, %clip_2) : (memref<1x64x16x16xf32>, memref<64x1x3x3xf32>, memref<64xf32>, memref<1x64x16x16xf32>) -> ()
    %8 = kernel.weight "w_25" : memref<16x64x1x1xf32>
    %9 = kernel.weight "w_4" : memref<16xf32>
    %add = kernel.buffer : memref<1x16x16x16xf32>
    func.call @conv_3(%clip_2, %8, %9, %clip, %add) : (memref<1x64x16x16xf32>, memref<16x64x1x1xf32>, memref<16xf32>, memref<1x16x16x16xf32>, memref<1x16x16x16xf32>) -> ()
    %10 = kernel.weight "w_31" : memref<64x16x1x1xf32>
    %11 = kernel.weight "w_5" : memref<64xf32>
    %clip_3 = kernel.buffer : memref<1x64x16x16xf32>
    func.call @conv_1(%add, %10, %11, %clip_3) : (memref<1x16x16x16xf32>, memref<64x16x1x1xf32>, memref<64xf32>, memref<1x64x16x16xf32>) -> ()
    %12 = kernel.weight "w_39" : memref<64x1x3x3xf32>
    %13 = kernel.weight "w_6" : memref<64xf32>
    %clip_4 = kernel.buffer : memref<1x64x8x8xf32>
    func.call @conv_4(%clip_3, %12, %13, %clip_4) : (memref<1x64x16x16xf32>, memref<64x1x3x3xf32>, memref<64xf32>, memref<1x64x8x8xf32>) -> ()
    %14 = kernel.weight "w_47" : memref<24x64x1x1xf32>
    %15 = kernel.weight "w_7" : memref<24xf32>
    %conv = kernel.buffer : memref<1x24x8x8xf32>
    func.call @conv_5(%clip_4, %14, %15, %conv) : (memref<1x64x8x8xf32>, memref<24x64x1x1xf32>, memref<24xf32>, memref<1x24x8x8xf32>) -> ()
    %16 = kernel.weight "w_51" : memref<96x24x1x1xf32>
    %17 = kernel.weight "w_52" : memref<96xf32>
    %clip_5 = kernel.buffer : memref<1x96x8x8xf32>
    func.call @conv_6(%conv, %16, %17, %clip_5) : (memref<1x24x8x8xf32>, memref<96x24x1x1xf32>, memref<96xf32>, memref<1x96x8x8xf32>) -> ()
    %18 = kernel.weight "w_59" : memref<96x1x3x3xf32>
    %19 = kernel.weight "w_60" : memref<96xf32>
    %clip_6 = kernel.buffer : memref<1x96x8x8xf32>
    func.call @conv_7(%clip_5, %18, %19, %clip_6) : (memref<1x96x8x8xf32>, memref<96x1x3x3xf32>, memref<96xf32>, memref<1x96x8x8xf32>) -> ()
    %20 = kernel.weight "w_67" : memref<24x96x1x1xf32>
    %21 = kernel.weight "w_8" : memref<24xf32>
    %add_1 = kernel.buffer : memref<1x24x8x8xf32>
    func.call @conv_8(%clip_6, %20, %21, %conv, %add_1) : (memref<1x96x8x8xf32>, memref<24x96x1x1xf32>, memref<24xf32>, memref<1x24x8x8xf32>, memref<1x24x8x8xf32>) -> ()
    %globalaveragepool = kernel.buffer : memref<1x24x1x1xf32>
    func.call @globalpool_0(%add_1, %globalaveragepool) : (memref<1x24x8x8xf32>, memref<1x24x1x1xf32>) -> ()
    %22 = kernel.view %globalaveragepool : memref<1x24x1x1xf32> to memref<1x24xf32>
    %23 = kernel.weight "w_77" : memref<10x24xf32>
    %24 = kernel.weight "w_10" : memref<10xf32>
    func.call @gemm_0(%22, %23, %24, %1) : (memref<1x24xf32>, memref<10x24xf32>, memref<10xf32>, memref<1x10xf32>) -> ()
    func.return
  }
  func.func @conv_0(%0: memref<1x3x32x32xf32>, %1: memref<16x3x3x3xf32>, %2: memref<16xf32>, %3: memref<1x16x16x16xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, clip_min = 0.000000e+00 : f32, clip_max = 6.000000e+00 : f32, activation = "clip"} : memref<1x3x32x32xf32>, memref<16x3x3x3xf32> bias memref<16xf32> -> memref<1x16x16x16xf32>
    func.return
  }
  func.func @conv_1(%0: memref<1x16x16x16xf32>, %1: memref<64x16x1x1xf32>, %2: memref<64xf32>, %3: memref<1x64x16x16xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, clip_min = 0.000000e+00 : f32, clip_max = 6.000000e+00 : f32, activation = "clip"} : memref<1x16x16x16xf32>, memref<64x16x1x1xf32> bias memref<64xf32> -> memref<1x64x16x16xf32>
    func.return
  }
  func.func @conv_2(%0: memref<1x64x16x16xf32>, %1: memref<64x1x3x3xf32>, %2: memref<64xf32>, %3: memref<1x64x16x16xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 64 : i64, clip_min = 0.000000e+00 : f32, clip_max = 6.000000e+00 : f32, activation = "clip"} : memref<1x64x16x16xf32>, memref<64x1x3x3xf32> bias memref<64xf32> -> memref<1x64x16x16xf32>
    func.return
  }
  func.func @conv_3(%0: memref<1x64x16x16xf32>, %1: memref<16x64x1x1xf32>, %2: memref<16xf32>, %3: memref<1x16x16x16xf32>, %4: memref<1x16x16x16xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 residual %3 -> %4 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x64x16x16xf32>, memref<16x64x1x1xf32> bias memref<16xf32> residual memref<1x16x16x16xf32> -> memref<1x16x16x16xf32>
    func.return
  }
  func.func @conv_4(%0: memref<1x64x16x16xf32>, %1: memref<64x1x3x3xf32>, %2: memref<64xf32>, %3: memref<1x64x8x8xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 64 : i64, clip_min = 0.000000e+00 : f32, clip_max = 6.000000e+00 : f32, activation = "clip"} : memref<1x64x16x16xf32>, memref<64x1x3x3xf32> bias memref<64xf32> -> memref<1x64x8x8xf32>
    func.return
  }
  func.func @conv_5(%0: memref<1x64x8x8xf32>, %1: memref<24x64x1x1xf32>, %2: memref<24xf32>, %3: memref<1x24x8x8xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x64x8x8xf32>, memref<24x64x1x1xf32> bias memref<24xf32> -> memref<1x24x8x8xf32>
    func.return
  }
  func.func @conv_6(%0: memref<1x24x8x8xf32>, %1: memref<96x24x1x1xf32>, %2: memref<96xf32>, %3: memref<1x96x8x8xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, clip_min = 0.000000e+00 : f32, clip_max = 6.000000e+00 : f32, activation = "clip"} : memref<1x24x8x8xf32>, memref<96x24x1x1xf32> bias memref<96xf32> -> memref<1x96x8x8xf32>
    func.return
  }
  func.func @conv_7(%0: memref<1x96x8x8xf32>, %1: memref<96x1x3x3xf32>, %2: memref<96xf32>, %3: memref<1x96x8x8xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 96 : i64, clip_min = 0.000000e+00 : f32, clip_max = 6.000000e+00 : f32, activation = "clip"} : memref<1x96x8x8xf32>, memref<96x1x3x3xf32> bias memref<96xf32> -> memref<1x96x8x8xf32>
    func.return
  }
  func.func @conv_8(%0: memref<1x96x8x8xf32>, %1: memref<24x96x1x1xf32>, %2: memref<24xf32>, %3: memref<1x24x8x8xf32>, %4: memref<1x24x8x8xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 residual %3 -> %4 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : memref<1x96x8x8xf32>, memref<24x96x1x1xf32> bias memref<24xf32> residual memref<1x24x8x8xf32> -> memref<1x24x8x8xf32>
    func.return
  }
  func.func @globalpool_0(%0: memref<1x24x8x8xf32>, %1: memref<1x24x1x1xf32>) attributes {tcc.kernel} {
    kernel.pool "avg" %0 -> %1 {kernel_shape = array<i64: 8, 8>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, count_include_pad = 0 : i64} : memref<1x24x8x8xf32> -> memref<1x24x1x1xf32>
    func.return
  }
  func.func @gemm_0(%0: memref<1x24xf32>, %1: memref<10x24xf32>, %2: memref<10xf32>, %3: memref<1x10xf32>) attributes {tcc.kernel} {
    kernel.gemm %0, %1 bias %2 -> %3 {trans_a = 0 : i64, trans_b = 1 : i64, alpha = 1.000000e+00 : f32, beta = 1.000000e+00 : f32} : memref<1x24xf32>, memref<10x24xf32> bias memref<10xf32> -> memref<1x10xf32>
    func.return
  }
}
