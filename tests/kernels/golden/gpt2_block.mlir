builtin.module {
  func.func @main(%0: memref<1x8xi64>, %1: memref<1x8x50xf32>) attributes {tcc.input_names = ["ids"], tcc.output_names = ["matmul_146"], tcc.graph} {
    %2 = kernel.weight "w_1" : memref<50x32xf32>
    %gather = kernel.buffer : memref<1x8x32xf32>
    func.call @gather_0(%2, %0, %gather) : (memref<50x32xf32>, memref<1x8xi64>, memref<1x8x32xf32>) -> ()
    %3 = kernel.weight "w_4" : memref<8x32xf32>
    %add = kernel.buffer : memref<1x8x32xf32>
    func.call @map_0(%gather, %3, %add) : (memref<1x8x32xf32>, memref<8x32xf32>, memref<1x8x32xf32>) -> ()
    %4 = kernel.weight "w" : memref<32xf32>
    %5 = kernel.weight "w_2" : memref<32xf32>
    %layernormalization = kernel.buffer : memref<1x8x32xf32>
    func.call @normalize_normalize_0(%add, %4, %5, %layernormalization) : (memref<1x8x32xf32>, memref<32xf32>, memref<32xf32>, memref<1x8x32xf32>) -> ()
    %6 = kernel.weight "w_12" : memref<32x96xf32>
    %matmul = kernel.buffer : memref<1x8x96xf32>
    func.call @matmul_0(%layernormalization, %6, %matmul) : (memref<1x8x32xf32>, memref<32x96xf32>, memref<1x8x96xf32>) -> ()
    %7 = kernel.weight "Split_19.index" : memref<41xi64>
    %8 = kernel.weight "Split_19.index_1" : memref<41xi64>
    %9 = kernel.weight "Split_19.index_2" : memref<41xi64>
    %split = kernel.buffer : memref<1x8x32xf32>
    func.call @remap_0(%matmul, %7, %split) : (memref<1x8x96xf32>, memref<41xi64>, memref<1x8x32xf32>) -> ()
    %10 = kernel.view %split : memref<1x8x32xf32> to memref<1x8x4x8xf32>
    %split_1 = kernel.buffer : memref<1x8x32xf32>
    func.call @remap_0(%matmul, %8, %split_1) : (memref<1x8x96xf32>, memref<41xi64>, memref<1x8x32xf32>) -> ()
    %11 = kernel.view %split_1 : memref<1x8x32xf32> to memref<1x8x4x8xf32>
    %split_2 = kernel.buffer : memref<1x8x32xf32>
    func.call @remap_0(%matmul, %9, %split_2) : (memref<1x8x96xf32>, memref<41xi64>, memref<1x8x32xf32>) -> ()
    %12 = kernel.view %split_2 : memref<1x8x32xf32> to memref<1x8x4x8xf32>
    %transpose = kernel.buffer : memref<1x4x8x8xf32>
    func.call @transpose_0(%11, %transpose) : (memref<1x8x4x8xf32>, memref<1x4x8x8xf32>) -> ()
    %transpose_1 = kernel.buffer : memref<1x4x8x8xf32>
    func.call @transpose_0(%10, %transpose_1) : (memref<1x8x4x8xf32>, memref<1x4x8x8xf32>) -> ()
    %transpose_2 = kernel.buffer : memref<1x4x8x8xf32>
    func.call @transpose_1(%transpose, %transpose_2) : (memref<1x4x8x8xf32>, memref<1x4x8x8xf32>) -> ()
    %matmul_1 = kernel.buffer : memref<1x4x8x8xf32>
    func.call @matmul_1(%transpose_1, %transpose_2, %matmul_1) : (memref<1x4x8x8xf32>, memref<1x4x8x8xf32>, memref<1x4x8x8xf32>) -> ()
    %13 = kernel.weight "w_3" : memref<1x1x8x8xi1>
    %where = kernel.buffer : memref<1x4x8x8xf32>
    func.call @map_1(%13, %matmul_1, %where) : (memref<1x1x8x8xi1>, memref<1x4x8x8xf32>, memref<1x4x8x8xf32>) -> ()
    %softmax = kernel.buffer : memref<1x4x8x8xf32>
    func.call @softmax_0(%where, %softmax) : (memref<1x4x8x8xf32>, memref<1x4x8x8xf32>) -> ()
    %transpose_3 = kernel.buffer : memref<1x4x8x8xf32>
    func.call @transpose_0(%12, %transpose_3) : (memref<1x8x4x8xf32>, memref<1x4x8x8xf32>) -> ()
    %matmul_2 = kernel.buffer : memref<1x4x8x8xf32>
    func.call @matmul_1(%softmax, %transpose_3, %matmul_2) : (memref<1x4x8x8xf32>, memref<1x4x8x8xf32>, memref<1x4x8x8xf32>) -> ()
    %transpose_4 = kernel.buffer : memref<1x8x4x8xf32>
    func.call @transpose_2(%matmul_2, %transpose_4) : (memref<1x4x8x8xf32>, memref<1x8x4x8xf32>) -> ()
    %14 = kernel.view %transpose_4 : memref<1x8x4x8xf32> to memref<1x8x32xf32>
    %15 = kernel.weight "w_102" : memref<32x32xf32>
    %matmul_3 = kernel.buffer : memref<1x8x32xf32>
    func.call @matmul_2(%14, %15, %matmul_3) : (memref<1x8x32xf32>, memref<32x32xf32>, memref<1x8x32xf32>) -> ()
    %16 = kernel.weight "w_5" : memref<32xf32>
    %add_1 = kernel.buffer : memref<1x8x32xf32>
    func.call @map_2(%add, %matmul_3, %16, %add_1) : (memref<1x8x32xf32>, memref<1x8x32xf32>, memref<32xf32>, memref<1x8x32xf32>) -> ()
    %17 = kernel.weight "w_6" : memref<32xf32>
    %18 = kernel.weight "w_7" : memref<32xf32>
    %layernormalization_1 = kernel.buffer : memref<1x8x32xf32>
    func.call @normalize_normalize_0(%add_1, %17, %18, %layernormalization_1) : (memref<1x8x32xf32>, memref<32xf32>, memref<32xf32>, memref<1x8x32xf32>) -> ()
    %19 = kernel.weight "w_114" : memref<32x128xf32>
    %matmul_4 = kernel.buffer : memref<1x8x128xf32>
    func.call @matmul_3(%layernormalization_1, %19, %matmul_4) : (memref<1x8x32xf32>, memref<32x128xf32>, memref<1x8x128xf32>) -> ()
    %20 = kernel.weight "w_117" : memref<128xf32>
    %add_2 = kernel.buffer : memref<1x8x128xf32>
    func.call @map_3(%matmul_4, %20, %add_2) : (memref<1x8x128xf32>, memref<128xf32>, memref<1x8x128xf32>) -> ()
    %mul = kernel.buffer : memref<1x8x128xf32>
    func.call @map_4(%add_2, %mul) : (memref<1x8x128xf32>, memref<1x8x128xf32>) -> ()
    %21 = kernel.weight "w_133" : memref<128x32xf32>
    %matmul_5 = kernel.buffer : memref<1x8x32xf32>
    func.call @matmul_4(%mul, %21, %matmul_5) : (memref<1x8x128xf32>, memref<128x32xf32>, memref<1x8x32xf32>) -> ()
    %22 = kernel.weight "w_8" : memref<32xf32>
    %23 = kernel.weight "w_9" : memref<32xf32>
    %24 = kernel.weight "w_10" : memref<32xf32>
    %add_3 = kernel.buffer : memref<1x8x32xf32>
    func.call @map_2(%add_1, %matmul_5, %22, %add_3) : (memref<1x8x32xf32>, memref<1x8x32xf32>, memref<32xf32>, memref<1x8x32xf32>) -> ()
    %layernormalization_2 = kernel.buffer : memref<1x8x32xf32>
    func.call @normalize_normalize_0(%add_3, %23, %24, %layernormalization_2) : (memref<1x8x32xf32>, memref<32xf32>, memref<32xf32>, memref<1x8x32xf32>) -> ()
    %25 = kernel.weight "w_145" : memref<32x50xf32>
    func.call @matmul_5(%layernormalization_2, %25, %1) : (memref<1x8x32xf32>, memref<32x50xf32>, memref<1x8x50xf32>) -> ()
    func.return
  }
  func.func @gather_0(%0: memref<50x32xf32>, %1: memref<1x8xi64>, %2: memref<1x8x32xf32>) attributes {tcc.kernel} {
    kernel.gather %0, %1 -> %2 {axis = 0 : i64} : memref<50x32xf32>, memref<1x8xi64> -> memref<1x8x32xf32>
    func.return
  }
  func.func @map_0(%0: memref<1x8x32xf32>, %1: memref<8x32xf32>, %2: memref<1x8x32xf32>) attributes {tcc.kernel} {
    kernel.map %0, %1 -> %2 : memref<1x8x32xf32>, memref<8x32xf32> -> memref<1x8x32xf32> {
    ^bb0(%3: f32, %4: f32):
      %5 = arith.addf %3, %4 : f32
      kernel.yield %5 : f32
    }
    func.return
  }
  func.func @normalize_normalize_0(%0: memref<1x8x32xf32>, %1: memref<32xf32>, %2: memref<32xf32>, %3: memref<1x8x32xf32>) attributes {tcc.kernel} {
    kernel.normalize "normalize" %0 scale %1 bias %2 -> %3 {axes = array<i64: 2>, epsilon = 1.000000e-05 : f32} : memref<1x8x32xf32> scale memref<32xf32> bias memref<32xf32> -> memref<1x8x32xf32>
    func.return
  }
  func.func @matmul_0(%0: memref<1x8x32xf32>, %1: memref<32x96xf32>, %2: memref<1x8x96xf32>) attributes {tcc.kernel} {
    kernel.matmul %0, %1 -> %2 : memref<1x8x32xf32>, memref<32x96xf32> -> memref<1x8x96xf32>
    func.return
  }
  func.func @remap_0(%0: memref<1x8x96xf32>, %1: memref<41xi64>, %2: memref<1x8x32xf32>) attributes {tcc.kernel} {
    kernel.remap %0, %1 -> %2 {taps = array<i64: 1, 1, 1>, fill_dims = array<i64>} : memref<1x8x96xf32>, memref<41xi64> -> memref<1x8x32xf32>
    func.return
  }
  func.func @transpose_0(%0: memref<1x8x4x8xf32>, %1: memref<1x4x8x8xf32>) attributes {tcc.kernel} {
    kernel.transpose %0 -> %1 {perm = array<i64: 0, 2, 1, 3>} : memref<1x8x4x8xf32> -> memref<1x4x8x8xf32>
    func.return
  }
  func.func @transpose_1(%0: memref<1x4x8x8xf32>, %1: memref<1x4x8x8xf32>) attributes {tcc.kernel} {
    kernel.transpose %0 -> %1 {perm = array<i64: 0, 1, 3, 2>} : memref<1x4x8x8xf32> -> memref<1x4x8x8xf32>
    func.return
  }
  func.func @matmul_1(%0: memref<1x4x8x8xf32>, %1: memref<1x4x8x8xf32>, %2: memref<1x4x8x8xf32>) attributes {tcc.kernel} {
    kernel.matmul %0, %1 -> %2 : memref<1x4x8x8xf32>, memref<1x4x8x8xf32> -> memref<1x4x8x8xf32>
    func.return
  }
  func.func @map_1(%0: memref<1x1x8x8xi1>, %1: memref<1x4x8x8xf32>, %2: memref<1x4x8x8xf32>) attributes {tcc.kernel} {
    kernel.map %0, %1 -> %2 : memref<1x1x8x8xi1>, memref<1x4x8x8xf32> -> memref<1x4x8x8xf32> {
    ^bb0(%3: i1, %4: f32):
      %5 = arith.constant 2.82842708 : f32
      %6 = arith.divf %4, %5 : f32
      %7 = arith.constant -1.000000e+09 : f32
      %8 = arith.select %3, %6, %7 : f32
      kernel.yield %8 : f32
    }
    func.return
  }
  func.func @softmax_0(%0: memref<1x4x8x8xf32>, %1: memref<1x4x8x8xf32>) attributes {tcc.kernel} {
    kernel.softmax %0 -> %1 {axis = 3 : i64} : memref<1x4x8x8xf32> -> memref<1x4x8x8xf32>
    func.return
  }
  func.func @transpose_2(%0: memref<1x4x8x8xf32>, %1: memref<1x8x4x8xf32>) attributes {tcc.kernel} {
    kernel.transpose %0 -> %1 {perm = array<i64: 0, 2, 1, 3>} : memref<1x4x8x8xf32> -> memref<1x8x4x8xf32>
    func.return
  }
  func.func @matmul_2(%0: memref<1x8x32xf32>, %1: memref<32x32xf32>, %2: memref<1x8x32xf32>) attributes {tcc.kernel} {
    kernel.matmul %0, %1 -> %2 : memref<1x8x32xf32>, memref<32x32xf32> -> memref<1x8x32xf32>
    func.return
  }
  func.func @map_2(%0: memref<1x8x32xf32>, %1: memref<1x8x32xf32>, %2: memref<32xf32>, %3: memref<1x8x32xf32>) attributes {tcc.kernel} {
    kernel.map %0, %1, %2 -> %3 : memref<1x8x32xf32>, memref<1x8x32xf32>, memref<32xf32> -> memref<1x8x32xf32> {
    ^bb0(%4: f32, %5: f32, %6: f32):
      %7 = arith.addf %5, %6 : f32
      %8 = arith.addf %4, %7 : f32
      kernel.yield %8 : f32
    }
    func.return
  }
  func.func @matmul_3(%0: memref<1x8x32xf32>, %1: memref<32x128xf32>, %2: memref<1x8x128xf32>) attributes {tcc.kernel} {
    kernel.matmul %0, %1 -> %2 : memref<1x8x32xf32>, memref<32x128xf32> -> memref<1x8x128xf32>
    func.return
  }
  func.func @map_3(%0: memref<1x8x128xf32>, %1: memref<128xf32>, %2: memref<1x8x128xf32>) attributes {tcc.kernel} {
    kernel.map %0, %1 -> %2 : memref<1x8x128xf32>, memref<128xf32> -> memref<1x8x128xf32> {
    ^bb0(%3: f32, %4: f32):
      %5 = arith.addf %3, %4 : f32
      kernel.yield %5 : f32
    }
    func.return
  }
  func.func @map_4(%0: memref<1x8x128xf32>, %1: memref<1x8x128xf32>) attributes {tcc.kernel} {
    kernel.map %0 -> %1 : memref<1x8x128xf32> -> memref<1x8x128xf32> {
    ^bb0(%2: f32):
      %3 = arith.constant 1.41421354 : f32
      %4 = arith.divf %2, %3 : f32
      %5 = math.erf %4 : f32
      %6 = arith.constant 1.000000e+00 : f32
      %7 = arith.addf %5, %6 : f32
      %8 = arith.mulf %2, %7 : f32
      %9 = arith.constant 5.000000e-01 : f32
      %10 = arith.mulf %8, %9 : f32
      kernel.yield %10 : f32
    }
    func.return
  }
  func.func @matmul_4(%0: memref<1x8x128xf32>, %1: memref<128x32xf32>, %2: memref<1x8x32xf32>) attributes {tcc.kernel} {
    kernel.matmul %0, %1 -> %2 : memref<1x8x128xf32>, memref<128x32xf32> -> memref<1x8x32xf32>
    func.return
  }
  func.func @matmul_5(%0: memref<1x8x32xf32>, %1: memref<32x50xf32>, %2: memref<1x8x50xf32>) attributes {tcc.kernel} {
    kernel.matmul %0, %1 -> %2 : memref<1x8x32xf32>, memref<32x50xf32> -> memref<1x8x50xf32>
    func.return
  }
}
