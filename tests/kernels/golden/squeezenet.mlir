builtin.module {
  func.func @main(%0: memref<1x3x224x224xf32>, %1: memref<1x1000x1x1xf32>, %2: memref<1x1000x1x1xf32>) attributes {tcc.input_names = ["data_0"], tcc.output_names = ["softmaxout_1", "logits"], tcc.graph} {
    %3 = kernel.weight "conv1_w_0" : memref<64x3x3x3xf32>
    %4 = kernel.weight "conv1_b" : memref<64xf32>
    %r1 = kernel.buffer : memref<1x64x111x111xf32>
    func.call @conv_0(%0, %3, %4, %r1) : (memref<1x3x224x224xf32>, memref<64x3x3x3xf32>, memref<64xf32>, memref<1x64x111x111xf32>) -> ()
    %r2 = kernel.buffer : memref<1x64x55x55xf32>
    func.call @maxpool_0(%r1, %r2) : (memref<1x64x111x111xf32>, memref<1x64x55x55xf32>) -> ()
    %5 = kernel.weight "fire2/squeeze1x1_w_0" : memref<16x64x1x1xf32>
    %6 = kernel.weight "fire2_squeeze1x1_b" : memref<16xf32>
    %r4 = kernel.buffer : memref<1x16x55x55xf32>
    func.call @conv_1(%r2, %5, %6, %r4) : (memref<1x64x55x55xf32>, memref<16x64x1x1xf32>, memref<16xf32>, memref<1x16x55x55xf32>) -> ()
    %7 = kernel.weight "fire2/expand1x1_w_0" : memref<64x16x1x1xf32>
    %8 = kernel.weight "fire2_expand1x1_b" : memref<64xf32>
    %9 = kernel.weight "fire2/expand3x3_w_0" : memref<64x16x3x3xf32>
    %10 = kernel.weight "fire2_expand3x3_b" : memref<64xf32>
    %r6 = kernel.buffer : memref<1x64x55x55xf32>
    func.call @conv_2(%r4, %7, %8, %r6) : (memref<1x16x55x55xf32>, memref<64x16x1x1xf32>, memref<64xf32>, memref<1x64x55x55xf32>) -> ()
    %r8 = kernel.buffer : memref<1x64x55x55xf32>
    func.call @conv_3(%r4, %9, %10, %r8) : (memref<1x16x55x55xf32>, memref<64x16x3x3xf32>, memref<64xf32>, memref<1x64x55x55xf32>) -> ()
    %r9 = kernel.buffer : memref<1x128x55x55xf32>
    func.call @concat_0(%r6, %r8, %r9) : (memref<1x64x55x55xf32>, memref<1x64x55x55xf32>, memref<1x128x55x55xf32>) -> ()
    %11 = kernel.weight "fire3/squeeze1x1_w_0" : memref<16x128x1x1xf32>
    %12 = kernel.weight "fire3_squeeze1x1_b" : memref<16xf32>
    %r11 = kernel.buffer : memref<1x16x55x55xf32>
    func.call @conv_4(%r9, %11, %12, %r11) : (memref<1x128x55x55xf32>, memref<16x128x1x1xf32>, memref<16xf32>, memref<1x16x55x55xf32>) -> ()
    %13 = kernel.weight "fire3/expand1x1_w_0" : memref<64x16x1x1xf32>
    %14 = kernel.weight "fire3_expand1x1_b" : memref<64xf32>
    %15 = kernel.weight "fire3/expand3x3_w_0" : memref<64x16x3x3xf32>
    %16 = kernel.weight "fire3_expand3x3_b" : memref<64xf32>
    %r13 = kernel.buffer : memref<1x64x55x55xf32>
    func.call @conv_2(%r11, %13, %14, %r13) : (memref<1x16x55x55xf32>, memref<64x16x1x1xf32>, memref<64xf32>, memref<1x64x55x55xf32>) -> ()
    %r15 = kernel.buffer : memref<1x64x55x55xf32>
    func.call @conv_3(%r11, %15, %16, %r15) : (memref<1x16x55x55xf32>, memref<64x16x3x3xf32>, memref<64xf32>, memref<1x64x55x55xf32>) -> ()
    %r16 = kernel.buffer : memref<1x128x55x55xf32>
    func.call @concat_0(%r13, %r15, %r16) : (memref<1x64x55x55xf32>, memref<1x64x55x55xf32>, memref<1x128x55x55xf32>) -> ()
    %r17 = kernel.buffer : memref<1x128x27x27xf32>
    func.call @maxpool_1(%r16, %r17) : (memref<1x128x55x55xf32>, memref<1x128x27x27xf32>) -> ()
    %17 = kernel.weight "fire4/squeeze1x1_w_0" : memref<32x128x1x1xf32>
    %18 = kernel.weight "fire4_squeeze1x1_b" : memref<32xf32>
    %r19 = kernel.buffer : memref<1x32x27x27xf32>
    func.call @conv_5(%r17, %17, %18, %r19) : (memref<1x128x27x27xf32>, memref<32x128x1x1xf32>, memref<32xf32>, memref<1x32x27x27xf32>) -> ()
    %19 = kernel.weight "fire4/expand1x1_w_0" : memref<128x32x1x1xf32>
    %20 = kernel.weight "fire4/expand1x1_b_0" : memref<128xf32>
    %21 = kernel.weight "fire4/expand3x3_w_0" : memref<128x32x3x3xf32>
    %22 = kernel.weight "fire4/expand3x3_b_0" : memref<128xf32>
    %r21 = kernel.buffer : memref<1x128x27x27xf32>
    func.call @conv_6(%r19, %19, %20, %r21) : (memref<1x32x27x27xf32>, memref<128x32x1x1xf32>, memref<128xf32>, memref<1x128x27x27xf32>) -> ()
    %r23 = kernel.buffer : memref<1x128x27x27xf32>
    func.call @conv_7(%r19, %21, %22, %r23) : (memref<1x32x27x27xf32>, memref<128x32x3x3xf32>, memref<128xf32>, memref<1x128x27x27xf32>) -> ()
    %r24 = kernel.buffer : memref<1x256x27x27xf32>
    func.call @concat_1(%r21, %r23, %r24) : (memref<1x128x27x27xf32>, memref<1x128x27x27xf32>, memref<1x256x27x27xf32>) -> ()
    %23 = kernel.weight "fire5/squeeze1x1_w_0" : memref<32x256x1x1xf32>
    %24 = kernel.weight "fire5_squeeze1x1_b" : memref<32xf32>
    %r26 = kernel.buffer : memref<1x32x27x27xf32>
    func.call @conv_8(%r24, %23, %24, %r26) : (memref<1x256x27x27xf32>, memref<32x256x1x1xf32>, memref<32xf32>, memref<1x32x27x27xf32>) -> ()
    %25 = kernel.weight "fire5/expand1x1_w_0" : memref<128x32x1x1xf32>
    %26 = kernel.weight "fire5/expand1x1_b_0" : memref<128xf32>
    %27 = kernel.weight "fire5/expand3x3_w_0" : memref<128x32x3x3xf32>
    %28 = kernel.weight "fire5/expand3x3_b_0" : memref<128xf32>
    %r28 = kernel.buffer : memref<1x128x27x27xf32>
    func.call @conv_6(%r26, %25, %26, %r28) : (memref<1x32x27x27xf32>, memref<128x32x1x1xf32>, memref<128xf32>, memref<1x128x27x27xf32>) -> ()
    %r30 = kernel.buffer : memref<1x128x27x27xf32>
    func.call @conv_7(%r26, %27, %28, %r30) : (memref<1x32x27x27xf32>, memref<128x32x3x3xf32>, memref<128xf32>, memref<1x128x27x27xf32>) -> ()
    %r31 = kernel.buffer : memref<1x256x27x27xf32>
    func.call @concat_1(%r28, %r30, %r31) : (memref<1x128x27x27xf32>, memref<1x128x27x27xf32>, memref<1x256x27x27xf32>) -> ()
    %r32 = kernel.buffer : memref<1x256x13x13xf32>
    func.call @maxpool_2(%r31, %r32) : (memref<1x256x27x27xf32>, memref<1x256x13x13xf32>) -> ()
    %29 = kernel.weight "fire6/squeeze1x1_w_0" : memref<48x256x1x1xf32>
    %30 = kernel.weight "fire6_squeeze1x1_b" : memref<48xf32>
    %r34 = kernel.buffer : memref<1x48x13x13xf32>
    func.call @conv_9(%r32, %29, %30, %r34) : (memref<1x256x13x13xf32>, memref<48x256x1x1xf32>, memref<48xf32>, memref<1x48x13x13xf32>) -> ()
    %31 = kernel.weight "fire6/expand1x1_w_0" : memref<192x48x1x1xf32>
    %32 = kernel.weight "fire6/expand1x1_b_0" : memref<192xf32>
    %33 = kernel.weight "fire6/expand3x3_w_0" : memref<192x48x3x3xf32>
    %34 = kernel.weight "fire6/expand3x3_b_0" : memref<192xf32>
    %r36 = kernel.buffer : memref<1x192x13x13xf32>
    func.call @conv_10(%r34, %31, %32, %r36) : (memref<1x48x13x13xf32>, memref<192x48x1x1xf32>, memref<192xf32>, memref<1x192x13x13xf32>) -> ()
    %r38 = kernel.buffer : memref<1x192x13x13xf32>
    func.call @conv_11(%r34, %33, %34, %r38) : (memref<1x48x13x13xf32>, memref<192x48x3x3xf32>, memref<192xf32>, memref<1x192x13x13xf32>) -> ()
    %r39 = kernel.buffer : memref<1x384x13x13xf32>
    func.call @concat_2(%r36, %r38, %r39) : (memref<1x192x13x13xf32>, memref<1x192x13x13xf32>, memref<1x384x13x13xf32>) -> ()
    %35 = kernel.weight "fire7/squeeze1x1_w_0" : memref<48x384x1x1xf32>
    %36 = kernel.weight "fire7_squeeze1x1_b" : memref<48xf32>
    %r41 = kernel.buffer : memref<1x48x13x13xf32>
    func.call @conv_12(%r39, %35, %36, %r41) : (memref<1x384x13x13xf32>, memref<48x384x1x1xf32>, memref<48xf32>, memref<1x48x13x13xf32>) -> ()
    %37 = kernel.weight "fire7/expand1x1_w_0" : memref<192x48x1x1xf32>
    %38 = kernel.weight "fire7/expand1x1_b_0" : memref<192xf32>
    %39 = kernel.weight "fire7/expand3x3_w_0" : memref<192x48x3x3xf32>
    %40 = kernel.weight "fire7/expand3x3_b_0" : memref<192xf32>
    %r43 = kernel.buffer : memref<1x192x13x13xf32>
    func.call @conv_10(%r41, %37, %38, %r43) : (memref<1x48x13x13xf32>, memref<192x48x1x1xf32>, memref<192xf32>, memref<1x192x13x13xf32>) -> ()
    %r45 = kernel.buffer : memref<1x192x13x13xf32>
    func.call @conv_11(%r41, %39, %40, %r45) : (memref<1x48x13x13xf32>, memref<192x48x3x3xf32>, memref<192xf32>, memref<1x192x13x13xf32>) -> ()
    %r46 = kernel.buffer : memref<1x384x13x13xf32>
    func.call @concat_2(%r43, %r45, %r46) : (memref<1x192x13x13xf32>, memref<1x192x13x13xf32>, memref<1x384x13x13xf32>) -> ()
    %41 = kernel.weight "fire8/squeeze1x1_w_0" : memref<64x384x1x1xf32>
    %42 = kernel.weight "fire8_squeeze1x1_b" : memref<64xf32>
    %r48 = kernel.buffer : memref<1x64x13x13xf32>
    func.call @conv_13(%r46, %41, %42, %r48) : (memref<1x384x13x13xf32>, memref<64x384x1x1xf32>, memref<64xf32>, memref<1x64x13x13xf32>) -> ()
    %43 = kernel.weight "fire8/expand1x1_w_0" : memref<256x64x1x1xf32>
    %44 = kernel.weight "fire8/expand1x1_b_0" : memref<256xf32>
    %45 = kernel.weight "fire8/expand3x3_w_0" : memref<256x64x3x3xf32>
    %46 = kernel.weight "fire8/expand3x3_b_0" : memref<256xf32>
    %r50 = kernel.buffer : memref<1x256x13x13xf32>
    func.call @conv_14(%r48, %43, %44, %r50) : (memref<1x64x13x13xf32>, memref<256x64x1x1xf32>, memref<256xf32>, memref<1x256x13x13xf32>) -> ()
    %r52 = kernel.buffer : memref<1x256x13x13xf32>
    func.call @conv_15(%r48, %45, %46, %r52) : (memref<1x64x13x13xf32>, memref<256x64x3x3xf32>, memref<256xf32>, memref<1x256x13x13xf32>) -> ()
    %r53 = kernel.buffer : memref<1x512x13x13xf32>
    func.call @concat_3(%r50, %r52, %r53) : (memref<1x256x13x13xf32>, memref<1x256x13x13xf32>, memref<1x512x13x13xf32>) -> ()
    %47 = kernel.weight "fire9/squeeze1x1_w_0" : memref<64x512x1x1xf32>
    %48 = kernel.weight "fire9_squeeze1x1_b" : memref<64xf32>
    %r55 = kernel.buffer : memref<1x64x13x13xf32>
    func.call @conv_16(%r53, %47, %48, %r55) : (memref<1x512x13x13xf32>, memref<64x512x1x1xf32>, memref<64xf32>, memref<1x64x13x13xf32>) -> ()
    %49 = kernel.weight "fire9/expand1x1_w_0" : memref<256x64x1x1xf32>
    %50 = kernel.weight "fire9/expand1x1_b_0" : memref<256xf32>
    %51 = kernel.weight "fire9/expand3x3_w_0" : memref<256x64x3x3xf32>
    %52 = kernel.weight "fire9/expand3x3_b_0" : memref<256xf32>
    %r57 = kernel.buffer : memref<1x256x13x13xf32>
    func.call @conv_14(%r55, %49, %50, %r57) : (memref<1x64x13x13xf32>, memref<256x64x1x1xf32>, memref<256xf32>, memref<1x256x13x13xf32>) -> ()
    %r59 = kernel.buffer : memref<1x256x13x13xf32>
    func.call @conv_15(%r55, %51, %52, %r59) : (memref<1x64x13x13xf32>, memref<256x64x3x3xf32>, memref<256xf32>, memref<1x256x13x13xf32>) -> ()
    %r60 = kernel.buffer : memref<1x512x13x13xf32>
    func.call @concat_3(%r57, %r59, %r60) : (memref<1x256x13x13xf32>, memref<1x256x13x13xf32>, memref<1x512x13x13xf32>) -> ()
    %53 = kernel.weight "conv10_w_0" : memref<1000x512x1x1xf32>
    %54 = kernel.weight "conv10_b_0" : memref<1000xf32>
    %r64 = kernel.buffer : memref<1x1000x13x13xf32>
    func.call @conv_17(%r60, %53, %54, %r64) : (memref<1x512x13x13xf32>, memref<1000x512x1x1xf32>, memref<1000xf32>, memref<1x1000x13x13xf32>) -> ()
    func.call @globalpool_0(%r64, %2) : (memref<1x1000x13x13xf32>, memref<1x1000x1x1xf32>) -> ()
    %55 = kernel.view %2 : memref<1x1000x1x1xf32> to memref<1x1000xf32>
    %softmaxout_1_intermediate = kernel.buffer : memref<1x1000xf32>
    func.call @softmax_0(%55, %softmaxout_1_intermediate) : (memref<1x1000xf32>, memref<1x1000xf32>) -> ()
    %56 = kernel.view %softmaxout_1_intermediate : memref<1x1000xf32> to memref<1x1000x1x1xf32>
    func.call @copy_0(%56, %1) : (memref<1x1000x1x1xf32>, memref<1x1000x1x1xf32>) -> ()
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
