builtin.module {
  func.func @main(%0: memref<1x3x224x224xf32>, %1: memref<1x1000x1x1xf32>, %2: memref<1x1000x1x1xf32>) attributes {tcc.input_names = ["data_0"], tcc.output_names = ["softmaxout_1", "logits"], tcc.graph} {
    %3 = kernel.weight "conv1_w_0" : memref<64x3x3x3xf32>
    %4 = kernel.weight "conv1_b" : memref<64xf32>
    %5 = kernel.buffer : memref<1x64x111x111xf32>
    func.call @conv_0(%0, %3, %4, %5) : (memref<1x3x224x224xf32>, memref<64x3x3x3xf32>, memref<64xf32>, memref<1x64x111x111xf32>) -> ()
    %6 = kernel.buffer : memref<1x64x55x55xf32>
    func.call @maxpool_0(%5, %6) : (memref<1x64x111x111xf32>, memref<1x64x55x55xf32>) -> ()
    %7 = kernel.weight "fire2/squeeze1x1_w_0" : memref<16x64x1x1xf32>
    %8 = kernel.weight "fire2_squeeze1x1_b" : memref<16xf32>
    %9 = kernel.buffer : memref<1x16x55x55xf32>
    func.call @conv_1(%6, %7, %8, %9) : (memref<1x64x55x55xf32>, memref<16x64x1x1xf32>, memref<16xf32>, memref<1x16x55x55xf32>) -> ()
    %10 = kernel.weight "fire2/expand1x1_w_0" : memref<64x16x1x1xf32>
    %11 = kernel.weight "fire2_expand1x1_b" : memref<64xf32>
    %12 = kernel.weight "fire2/expand3x3_w_0" : memref<64x16x3x3xf32>
    %13 = kernel.weight "fire2_expand3x3_b" : memref<64xf32>
    %14 = kernel.buffer : memref<1x64x55x55xf32>
    func.call @conv_2(%9, %10, %11, %14) : (memref<1x16x55x55xf32>, memref<64x16x1x1xf32>, memref<64xf32>, memref<1x64x55x55xf32>) -> ()
    %15 = kernel.buffer : memref<1x64x55x55xf32>
    func.call @conv_3(%9, %12, %13, %15) : (memref<1x16x55x55xf32>, memref<64x16x3x3xf32>, memref<64xf32>, memref<1x64x55x55xf32>) -> ()
    %16 = kernel.buffer : memref<1x128x55x55xf32>
    func.call @concat_0(%14, %15, %16) : (memref<1x64x55x55xf32>, memref<1x64x55x55xf32>, memref<1x128x55x55xf32>) -> ()
    %17 = kernel.weight "fire3/squeeze1x1_w_0" : memref<16x128x1x1xf32>
    %18 = kernel.weight "fire3_squeeze1x1_b" : memref<16xf32>
    %19 = kernel.buffer : memref<1x16x55x55xf32>
    func.call @conv_4(%16, %17, %18, %19) : (memref<1x128x55x55xf32>, memref<16x128x1x1xf32>, memref<16xf32>, memref<1x16x55x55xf32>) -> ()
    %20 = kernel.weight "fire3/expand1x1_w_0" : memref<64x16x1x1xf32>
    %21 = kernel.weight "fire3_expand1x1_b" : memref<64xf32>
    %22 = kernel.weight "fire3/expand3x3_w_0" : memref<64x16x3x3xf32>
    %23 = kernel.weight "fire3_expand3x3_b" : memref<64xf32>
    %24 = kernel.buffer : memref<1x64x55x55xf32>
    func.call @conv_2(%19, %20, %21, %24) : (memref<1x16x55x55xf32>, memref<64x16x1x1xf32>, memref<64xf32>, memref<1x64x55x55xf32>) -> ()
    %25 = kernel.buffer : memref<1x64x55x55xf32>
    func.call @conv_3(%19, %22, %23, %25) : (memref<1x16x55x55xf32>, memref<64x16x3x3xf32>, memref<64xf32>, memref<1x64x55x55xf32>) -> ()
    %26 = kernel.buffer : memref<1x128x55x55xf32>
    func.call @concat_0(%24, %25, %26) : (memref<1x64x55x55xf32>, memref<1x64x55x55xf32>, memref<1x128x55x55xf32>) -> ()
    %27 = kernel.buffer : memref<1x128x27x27xf32>
    func.call @maxpool_1(%26, %27) : (memref<1x128x55x55xf32>, memref<1x128x27x27xf32>) -> ()
    %28 = kernel.weight "fire4/squeeze1x1_w_0" : memref<32x128x1x1xf32>
    %29 = kernel.weight "fire4_squeeze1x1_b" : memref<32xf32>
    %30 = kernel.buffer : memref<1x32x27x27xf32>
    func.call @conv_5(%27, %28, %29, %30) : (memref<1x128x27x27xf32>, memref<32x128x1x1xf32>, memref<32xf32>, memref<1x32x27x27xf32>) -> ()
    %31 = kernel.weight "fire4/expand1x1_w_0" : memref<128x32x1x1xf32>
    %32 = kernel.weight "fire4/expand1x1_b_0" : memref<128xf32>
    %33 = kernel.weight "fire4/expand3x3_w_0" : memref<128x32x3x3xf32>
    %34 = kernel.weight "fire4/expand3x3_b_0" : memref<128xf32>
    %35 = kernel.buffer : memref<1x128x27x27xf32>
    func.call @conv_6(%30, %31, %32, %35) : (memref<1x32x27x27xf32>, memref<128x32x1x1xf32>, memref<128xf32>, memref<1x128x27x27xf32>) -> ()
    %36 = kernel.buffer : memref<1x128x27x27xf32>
    func.call @conv_7(%30, %33, %34, %36) : (memref<1x32x27x27xf32>, memref<128x32x3x3xf32>, memref<128xf32>, memref<1x128x27x27xf32>) -> ()
    %37 = kernel.buffer : memref<1x256x27x27xf32>
    func.call @concat_1(%35, %36, %37) : (memref<1x128x27x27xf32>, memref<1x128x27x27xf32>, memref<1x256x27x27xf32>) -> ()
    %38 = kernel.weight "fire5/squeeze1x1_w_0" : memref<32x256x1x1xf32>
    %39 = kernel.weight "fire5_squeeze1x1_b" : memref<32xf32>
    %40 = kernel.buffer : memref<1x32x27x27xf32>
    func.call @conv_8(%37, %38, %39, %40) : (memref<1x256x27x27xf32>, memref<32x256x1x1xf32>, memref<32xf32>, memref<1x32x27x27xf32>) -> ()
    %41 = kernel.weight "fire5/expand1x1_w_0" : memref<128x32x1x1xf32>
    %42 = kernel.weight "fire5/expand1x1_b_0" : memref<128xf32>
    %43 = kernel.weight "fire5/expand3x3_w_0" : memref<128x32x3x3xf32>
    %44 = kernel.weight "fire5/expand3x3_b_0" : memref<128xf32>
    %45 = kernel.buffer : memref<1x128x27x27xf32>
    func.call @conv_6(%40, %41, %42, %45) : (memref<1x32x27x27xf32>, memref<128x32x1x1xf32>, memref<128xf32>, memref<1x128x27x27xf32>) -> ()
    %46 = kernel.buffer : memref<1x128x27x27xf32>
    func.call @conv_7(%40, %43, %44, %46) : (memref<1x32x27x27xf32>, memref<128x32x3x3xf32>, memref<128xf32>, memref<1x128x27x27xf32>) -> ()
    %47 = kernel.buffer : memref<1x256x27x27xf32>
    func.call @concat_1(%45, %46, %47) : (memref<1x128x27x27xf32>, memref<1x128x27x27xf32>, memref<1x256x27x27xf32>) -> ()
    %48 = kernel.buffer : memref<1x256x13x13xf32>
    func.call @maxpool_2(%47, %48) : (memref<1x256x27x27xf32>, memref<1x256x13x13xf32>) -> ()
    %49 = kernel.weight "fire6/squeeze1x1_w_0" : memref<48x256x1x1xf32>
    %50 = kernel.weight "fire6_squeeze1x1_b" : memref<48xf32>
    %51 = kernel.buffer : memref<1x48x13x13xf32>
    func.call @conv_9(%48, %49, %50, %51) : (memref<1x256x13x13xf32>, memref<48x256x1x1xf32>, memref<48xf32>, memref<1x48x13x13xf32>) -> ()
    %52 = kernel.weight "fire6/expand1x1_w_0" : memref<192x48x1x1xf32>
    %53 = kernel.weight "fire6/expand1x1_b_0" : memref<192xf32>
    %54 = kernel.weight "fire6/expand3x3_w_0" : memref<192x48x3x3xf32>
    %55 = kernel.weight "fire6/expand3x3_b_0" : memref<192xf32>
    %56 = kernel.buffer : memref<1x192x13x13xf32>
    func.call @conv_10(%51, %52, %53, %56) : (memref<1x48x13x13xf32>, memref<192x48x1x1xf32>, memref<192xf32>, memref<1x192x13x13xf32>) -> ()
    %57 = kernel.buffer : memref<1x192x13x13xf32>
    func.call @conv_11(%51, %54, %55, %57) : (memref<1x48x13x13xf32>, memref<192x48x3x3xf32>, memref<192xf32>, memref<1x192x13x13xf32>) -> ()
    %58 = kernel.buffer : memref<1x384x13x13xf32>
    func.call @concat_2(%56, %57, %58) : (memref<1x192x13x13xf32>, memref<1x192x13x13xf32>, memref<1x384x13x13xf32>) -> ()
    %59 = kernel.weight "fire7/squeeze1x1_w_0" : memref<48x384x1x1xf32>
    %60 = kernel.weight "fire7_squeeze1x1_b" : memref<48xf32>
    %61 = kernel.buffer : memref<1x48x13x13xf32>
    func.call @conv_12(%58, %59, %60, %61) : (memref<1x384x13x13xf32>, memref<48x384x1x1xf32>, memref<48xf32>, memref<1x48x13x13xf32>) -> ()
    %62 = kernel.weight "fire7/expand1x1_w_0" : memref<192x48x1x1xf32>
    %63 = kernel.weight "fire7/expand1x1_b_0" : memref<192xf32>
    %64 = kernel.weight "fire7/expand3x3_w_0" : memref<192x48x3x3xf32>
    %65 = kernel.weight "fire7/expand3x3_b_0" : memref<192xf32>
    %66 = kernel.buffer : memref<1x192x13x13xf32>
    func.call @conv_10(%61, %62, %63, %66) : (memref<1x48x13x13xf32>, memref<192x48x1x1xf32>, memref<192xf32>, memref<1x192x13x13xf32>) -> ()
    %67 = kernel.buffer : memref<1x192x13x13xf32>
    func.call @conv_11(%61, %64, %65, %67) : (memref<1x48x13x13xf32>, memref<192x48x3x3xf32>, memref<192xf32>, memref<1x192x13x13xf32>) -> ()
    %68 = kernel.buffer : memref<1x384x13x13xf32>
    func.call @concat_2(%66, %67, %68) : (memref<1x192x13x13xf32>, memref<1x192x13x13xf32>, memref<1x384x13x13xf32>) -> ()
    %69 = kernel.weight "fire8/squeeze1x1_w_0" : memref<64x384x1x1xf32>
    %70 = kernel.weight "fire8_squeeze1x1_b" : memref<64xf32>
    %71 = kernel.buffer : memref<1x64x13x13xf32>
    func.call @conv_13(%68, %69, %70, %71) : (memref<1x384x13x13xf32>, memref<64x384x1x1xf32>, memref<64xf32>, memref<1x64x13x13xf32>) -> ()
    %72 = kernel.weight "fire8/expand1x1_w_0" : memref<256x64x1x1xf32>
    %73 = kernel.weight "fire8/expand1x1_b_0" : memref<256xf32>
    %74 = kernel.weight "fire8/expand3x3_w_0" : memref<256x64x3x3xf32>
    %75 = kernel.weight "fire8/expand3x3_b_0" : memref<256xf32>
    %76 = kernel.buffer : memref<1x256x13x13xf32>
    func.call @conv_14(%71, %72, %73, %76) : (memref<1x64x13x13xf32>, memref<256x64x1x1xf32>, memref<256xf32>, memref<1x256x13x13xf32>) -> ()
    %77 = kernel.buffer : memref<1x256x13x13xf32>
    func.call @conv_15(%71, %74, %75, %77) : (memref<1x64x13x13xf32>, memref<256x64x3x3xf32>, memref<256xf32>, memref<1x256x13x13xf32>) -> ()
    %78 = kernel.buffer : memref<1x512x13x13xf32>
    func.call @concat_3(%76, %77, %78) : (memref<1x256x13x13xf32>, memref<1x256x13x13xf32>, memref<1x512x13x13xf32>) -> ()
    %79 = kernel.weight "fire9/squeeze1x1_w_0" : memref<64x512x1x1xf32>
    %80 = kernel.weight "fire9_squeeze1x1_b" : memref<64xf32>
    %81 = kernel.buffer : memref<1x64x13x13xf32>
    func.call @conv_16(%78, %79, %80, %81) : (memref<1x512x13x13xf32>, memref<64x512x1x1xf32>, memref<64xf32>, memref<1x64x13x13xf32>) -> ()
    %82 = kernel.weight "fire9/expand1x1_w_0" : memref<256x64x1x1xf32>
    %83 = kernel.weight "fire9/expand1x1_b_0" : memref<256xf32>
    %84 = kernel.weight "fire9/expand3x3_w_0" : memref<256x64x3x3xf32>
    %85 = kernel.weight "fire9/expand3x3_b_0" : memref<256xf32>
    %86 = kernel.buffer : memref<1x256x13x13xf32>
    func.call @conv_14(%81, %82, %83, %86) : (memref<1x64x13x13xf32>, memref<256x64x1x1xf32>, memref<256xf32>, memref<1x256x13x13xf32>) -> ()
    %87 = kernel.buffer : memref<1x256x13x13xf32>
    func.call @conv_15(%81, %84, %85, %87) : (memref<1x64x13x13xf32>, memref<256x64x3x3xf32>, memref<256xf32>, memref<1x256x13x13xf32>) -> ()
    %88 = kernel.buffer : memref<1x512x13x13xf32>
    func.call @concat_3(%86, %87, %88) : (memref<1x256x13x13xf32>, memref<1x256x13x13xf32>, memref<1x512x13x13xf32>) -> ()
    %89 = kernel.weight "conv10_w_0" : memref<1000x512x1x1xf32>
    %90 = kernel.weight "conv10_b_0" : memref<1000xf32>
    %91 = kernel.buffer : memref<1x1000x13x13xf32>
    func.call @conv_17(%88, %89, %90, %91) : (memref<1x512x13x13xf32>, memref<1000x512x1x1xf32>, memref<1000xf32>, memref<1x1000x13x13xf32>) -> ()
    func.call @globalpool_0(%91, %2) : (memref<1x1000x13x13xf32>, memref<1x1000x1x1xf32>) -> ()
    %92 = kernel.view %2 : memref<1x1000x1x1xf32> to memref<1x1000xf32>
    %93 = kernel.buffer : memref<1x1000xf32>
    func.call @softmax_0(%92, %93) : (memref<1x1000xf32>, memref<1x1000xf32>) -> ()
    %94 = kernel.view %93 : memref<1x1000xf32> to memref<1x1000x1x1xf32>
    func.call @copy_0(%94, %1) : (memref<1x1000x1x1xf32>, memref<1x1000x1x1xf32>) -> ()
    func.return
  }
  func.func @conv_0(%0: memref<1x3x224x224xf32>, %1: memref<64x3x3x3xf32>, %2: memref<64xf32>, %3: memref<1x64x111x111xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x3x224x224xf32>, memref<64x3x3x3xf32> bias memref<64xf32> -> memref<1x64x111x111xf32>
    func.return
  }
  func.func @maxpool_0(%0: memref<1x64x111x111xf32>, %1: memref<1x64x55x55xf32>) attributes {tcc.kernel} {
    kernel.pool "max" %0 -> %1 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, count_include_pad = 0 : i64} : memref<1x64x111x111xf32> -> memref<1x64x55x55xf32>
    func.return
  }
  func.func @conv_1(%0: memref<1x64x55x55xf32>, %1: memref<16x64x1x1xf32>, %2: memref<16xf32>, %3: memref<1x16x55x55xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x64x55x55xf32>, memref<16x64x1x1xf32> bias memref<16xf32> -> memref<1x16x55x55xf32>
    func.return
  }
  func.func @conv_2(%0: memref<1x16x55x55xf32>, %1: memref<64x16x1x1xf32>, %2: memref<64xf32>, %3: memref<1x64x55x55xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x16x55x55xf32>, memref<64x16x1x1xf32> bias memref<64xf32> -> memref<1x64x55x55xf32>
    func.return
  }
  func.func @conv_3(%0: memref<1x16x55x55xf32>, %1: memref<64x16x3x3xf32>, %2: memref<64xf32>, %3: memref<1x64x55x55xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x16x55x55xf32>, memref<64x16x3x3xf32> bias memref<64xf32> -> memref<1x64x55x55xf32>
    func.return
  }
  func.func @concat_0(%0: memref<1x64x55x55xf32>, %1: memref<1x64x55x55xf32>, %2: memref<1x128x55x55xf32>) attributes {tcc.kernel} {
    kernel.concat %0, %1 -> %2 {axis = 1 : i64} : memref<1x64x55x55xf32>, memref<1x64x55x55xf32> -> memref<1x128x55x55xf32>
    func.return
  }
  func.func @conv_4(%0: memref<1x128x55x55xf32>, %1: memref<16x128x1x1xf32>, %2: memref<16xf32>, %3: memref<1x16x55x55xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x128x55x55xf32>, memref<16x128x1x1xf32> bias memref<16xf32> -> memref<1x16x55x55xf32>
    func.return
  }
  func.func @maxpool_1(%0: memref<1x128x55x55xf32>, %1: memref<1x128x27x27xf32>) attributes {tcc.kernel} {
    kernel.pool "max" %0 -> %1 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, count_include_pad = 0 : i64} : memref<1x128x55x55xf32> -> memref<1x128x27x27xf32>
    func.return
  }
  func.func @conv_5(%0: memref<1x128x27x27xf32>, %1: memref<32x128x1x1xf32>, %2: memref<32xf32>, %3: memref<1x32x27x27xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x128x27x27xf32>, memref<32x128x1x1xf32> bias memref<32xf32> -> memref<1x32x27x27xf32>
    func.return
  }
  func.func @conv_6(%0: memref<1x32x27x27xf32>, %1: memref<128x32x1x1xf32>, %2: memref<128xf32>, %3: memref<1x128x27x27xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x32x27x27xf32>, memref<128x32x1x1xf32> bias memref<128xf32> -> memref<1x128x27x27xf32>
    func.return
  }
  func.func @conv_7(%0: memref<1x32x27x27xf32>, %1: memref<128x32x3x3xf32>, %2: memref<128xf32>, %3: memref<1x128x27x27xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x32x27x27xf32>, memref<128x32x3x3xf32> bias memref<128xf32> -> memref<1x128x27x27xf32>
    func.return
  }
  func.func @concat_1(%0: memref<1x128x27x27xf32>, %1: memref<1x128x27x27xf32>, %2: memref<1x256x27x27xf32>) attributes {tcc.kernel} {
    kernel.concat %0, %1 -> %2 {axis = 1 : i64} : memref<1x128x27x27xf32>, memref<1x128x27x27xf32> -> memref<1x256x27x27xf32>
    func.return
  }
  func.func @conv_8(%0: memref<1x256x27x27xf32>, %1: memref<32x256x1x1xf32>, %2: memref<32xf32>, %3: memref<1x32x27x27xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x256x27x27xf32>, memref<32x256x1x1xf32> bias memref<32xf32> -> memref<1x32x27x27xf32>
    func.return
  }
  func.func @maxpool_2(%0: memref<1x256x27x27xf32>, %1: memref<1x256x13x13xf32>) attributes {tcc.kernel} {
    kernel.pool "max" %0 -> %1 {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, count_include_pad = 0 : i64} : memref<1x256x27x27xf32> -> memref<1x256x13x13xf32>
    func.return
  }
  func.func @conv_9(%0: memref<1x256x13x13xf32>, %1: memref<48x256x1x1xf32>, %2: memref<48xf32>, %3: memref<1x48x13x13xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x256x13x13xf32>, memref<48x256x1x1xf32> bias memref<48xf32> -> memref<1x48x13x13xf32>
    func.return
  }
  func.func @conv_10(%0: memref<1x48x13x13xf32>, %1: memref<192x48x1x1xf32>, %2: memref<192xf32>, %3: memref<1x192x13x13xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x48x13x13xf32>, memref<192x48x1x1xf32> bias memref<192xf32> -> memref<1x192x13x13xf32>
    func.return
  }
  func.func @conv_11(%0: memref<1x48x13x13xf32>, %1: memref<192x48x3x3xf32>, %2: memref<192xf32>, %3: memref<1x192x13x13xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x48x13x13xf32>, memref<192x48x3x3xf32> bias memref<192xf32> -> memref<1x192x13x13xf32>
    func.return
  }
  func.func @concat_2(%0: memref<1x192x13x13xf32>, %1: memref<1x192x13x13xf32>, %2: memref<1x384x13x13xf32>) attributes {tcc.kernel} {
    kernel.concat %0, %1 -> %2 {axis = 1 : i64} : memref<1x192x13x13xf32>, memref<1x192x13x13xf32> -> memref<1x384x13x13xf32>
    func.return
  }
  func.func @conv_12(%0: memref<1x384x13x13xf32>, %1: memref<48x384x1x1xf32>, %2: memref<48xf32>, %3: memref<1x48x13x13xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x384x13x13xf32>, memref<48x384x1x1xf32> bias memref<48xf32> -> memref<1x48x13x13xf32>
    func.return
  }
  func.func @conv_13(%0: memref<1x384x13x13xf32>, %1: memref<64x384x1x1xf32>, %2: memref<64xf32>, %3: memref<1x64x13x13xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x384x13x13xf32>, memref<64x384x1x1xf32> bias memref<64xf32> -> memref<1x64x13x13xf32>
    func.return
  }
  func.func @conv_14(%0: memref<1x64x13x13xf32>, %1: memref<256x64x1x1xf32>, %2: memref<256xf32>, %3: memref<1x256x13x13xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x64x13x13xf32>, memref<256x64x1x1xf32> bias memref<256xf32> -> memref<1x256x13x13xf32>
    func.return
  }
  func.func @conv_15(%0: memref<1x64x13x13xf32>, %1: memref<256x64x3x3xf32>, %2: memref<256xf32>, %3: memref<1x256x13x13xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x64x13x13xf32>, memref<256x64x3x3xf32> bias memref<256xf32> -> memref<1x256x13x13xf32>
    func.return
  }
  func.func @concat_3(%0: memref<1x256x13x13xf32>, %1: memref<1x256x13x13xf32>, %2: memref<1x512x13x13xf32>) attributes {tcc.kernel} {
    kernel.concat %0, %1 -> %2 {axis = 1 : i64} : memref<1x256x13x13xf32>, memref<1x256x13x13xf32> -> memref<1x512x13x13xf32>
    func.return
  }
  func.func @conv_16(%0: memref<1x512x13x13xf32>, %1: memref<64x512x1x1xf32>, %2: memref<64xf32>, %3: memref<1x64x13x13xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x512x13x13xf32>, memref<64x512x1x1xf32> bias memref<64xf32> -> memref<1x64x13x13xf32>
    func.return
  }
  func.func @conv_17(%0: memref<1x512x13x13xf32>, %1: memref<1000x512x1x1xf32>, %2: memref<1000xf32>, %3: memref<1x1000x13x13xf32>) attributes {tcc.kernel} {
    kernel.conv %0, %1 bias %2 -> %3 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64, activation = "relu"} : memref<1x512x13x13xf32>, memref<1000x512x1x1xf32> bias memref<1000xf32> -> memref<1x1000x13x13xf32>
    func.return
  }
  func.func @globalpool_0(%0: memref<1x1000x13x13xf32>, %1: memref<1x1000x1x1xf32>) attributes {tcc.kernel} {
    kernel.pool "avg" %0 -> %1 {kernel_shape = array<i64: 13, 13>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, count_include_pad = 0 : i64} : memref<1x1000x13x13xf32> -> memref<1x1000x1x1xf32>
    func.return
  }
  func.func @softmax_0(%0: memref<1x1000xf32>, %1: memref<1x1000xf32>) attributes {tcc.kernel} {
    kernel.softmax %0 -> %1 {axis = 1 : i64} : memref<1x1000xf32> -> memref<1x1000xf32>
    func.return
  }
  func.func @copy_0(%0: memref<1x1000x1x1xf32>, %1: memref<1x1000x1x1xf32>) attributes {tcc.kernel} {
    kernel.copy %0 -> %1 : memref<1x1000x1x1xf32> -> memref<1x1000x1x1xf32>
    func.return
  }
}
