builtin.module {
  func.func @main(%0: memref<2x8x32xf32>, %1: memref<2x8x32xf32>) attributes {tcc.input_names = ["x"], tcc.output_names = ["layernormalization_129"], tcc.graph} {
    %2 = kernel.weight "w_1" : memref<32x96xf32>
    %matmul = kernel.buffer : memref<2x8x96xf32>
    func.call @matmul_0(%0, %2, %matmul) : (memref<2x8x32xf32>, memref<32x96xf32>, memref<2x8x96xf32>) -> ()
    %3 = kernel.weight "Split_8.index" : memref<42xi64>
    %4 = kernel.weight "Split_8.index_1" : memref<42xi64>
    %5 = kernel.weight "Split_8.index_2" : memref<42xi64>
    %split = kernel.buffer : memref<2x8x32xf32>
    func.call @remap_0(%matmul, %3, %split) : (memref<2x8x96xf32>, memref<42xi64>, memref<2x8x32xf32>) -> ()
    %6 = kernel.view %split : memref<2x8x32xf32> to memref<2x8x4x8xf32>
    %split_1 = kernel.buffer : memref<2x8x32xf32>
    func.call @remap_0(%matmul, %4, %split_1) : (memref<2x8x96xf32>, memref<42xi64>, memref<2x8x32xf32>) -> ()
    %7 = kernel.view %split_1 : memref<2x8x32xf32> to memref<2x8x4x8xf32>
    %split_2 = kernel.buffer : memref<2x8x32xf32>
    func.call @remap_0(%matmul, %5, %split_2) : (memref<2x8x96xf32>, memref<42xi64>, memref<2x8x32xf32>) -> ()
    %8 = kernel.view %split_2 : memref<2x8x32xf32> to memref<2x8x4x8xf32>
    %transpose = kernel.buffer : memref<2x4x8x8xf32>
    func.call @transpose_0(%7, %transpose) : (memref<2x8x4x8xf32>, memref<2x4x8x8xf32>) -> ()
    %transpose_1 = kernel.buffer : memref<2x4x8x8xf32>
    func.call @transpose_0(%6, %transpose_1) : (memref<2x8x4x8xf32>, memref<2x4x8x8xf32>) -> ()
    %transpose_2 = kernel.buffer : memref<2x4x8x8xf32>
    func.call @transpose_1(%transpose, %transpose_2) : (memref<2x4x8x8xf32>, memref<2x4x8x8xf32>) -> ()
    %matmul_1 = kernel.buffer : memref<2x4x8x8xf32>
    func.call @matmul_1(%transpose_1, %transpose_2, %matmul_1) : (memref<2x4x8x8xf32>, memref<2x4x8x8xf32>, memref<2x4x8x8xf32>) -> ()
    %div = kernel.buffer : memref<2x4x8x8xf32>
    func.call @map_0(%matmul_1, %div) : (memref<2x4x8x8xf32>, memref<2x4x8x8xf32>) -> ()
    %softmax = kernel.buffer : memref<2x4x8x8xf32>
    func.call @softmax_0(%div, %softmax) : (memref<2x4x8x8xf32>, memref<2x4x8x8xf32>) -> ()
    %transpose_3 = kernel.buffer : memref<2x4x8x8xf32>
    func.call @transpose_0(%8, %transpose_3) : (memref<2x8x4x8xf32>, memref<2x4x8x8xf32>) -> ()
    %matmul_2 = kernel.buffer : memref<2x4x8x8xf32>
    func.call @matmul_1(%softmax, %transpose_3, %matmul_2) : (memref<2x4x8x8xf32>, memref<2x4x8x8xf32>, memref<2x4x8x8xf32>) -> ()
    %transpose_4 = kernel.buffer : memref<2x8x4x8xf32>
    func.call @transpose_2(%matmul_2, %transpose_4) : (memref<2x4x8x8xf32>, memref<2x8x4x8xf32>) -> ()
    %9 = kernel.view %transpose_4 : memref<2x8x4x8xf32> to memref<2x8x32xf32>
    %10 = kernel.weight "w_88" : memref<32x32xf32>
    %matmul_3 = kernel.buffer : memref<2x8x32xf32>
    func.call @matmul_2(%9, %10, %matmul_3) : (memref<2x8x32xf32>, memref<32x32xf32>, memref<2x8x32xf32>) -> ()
    %11 = kernel.weight "w" : memref<32xf32>
    %12 = kernel.weight "w_2" : memref<32xf32>
    %13 = kernel.weight "w_3" : memref<32xf32>
    %add = kernel.buffer : memref<2x8x32xf32>
    func.call @map_1(%0, %matmul_3, %11, %add) : (memref<2x8x32xf32>, memref<2x8x32xf32>, memref<32xf32>, memref<2x8x32xf32>) -> ()
    %layernormalization = kernel.buffer : memref<2x8x32xf32>
    func.call @normalize_normalize_0(%add, %12, %13, %layernormalization) : (memref<2x8x32xf32>, memref<32xf32>, memref<32xf32>, memref<2x8x32xf32>) -> ()
    %14 = kernel.weight "w_100" : memref<32x128xf32>
    %matmul_4 = kernel.buffer : memref<2x8x128xf32>
    func.call @matmul_3(%layernormalization, %14, %matmul_4) : (memref<2x8x32xf32>, memref<32x128xf32>, memref<2x8x128xf32>) -> ()
    %15 = kernel.weight "w_103" : memref<128xf32>
    %add_1 = kernel.buffer : memref<2x8x128xf32>
    func.call @map_2(%matmul_4, %15, %add_1) : (memref<2x8x128xf32>, memref<128xf32>, memref<2x8x128xf32>) -> ()
    %mul = kernel.buffer : memref<2x8x128xf32>
    func.call @map_3(%add_1, %mul) : (memref<2x8x128xf32>, memref<2x8x128xf32>) -> ()
    %16 = kernel.weight "w_119" : memref<128x32xf32>
    %matmul_5 = kernel.buffer : memref<2x8x32xf32>
    func.call @matmul_4(%mul, %16, %matmul_5) : (memref<2x8x128xf32>, memref<128x32xf32>, memref<2x8x32xf32>) -> ()
    %17 = kernel.weight "w_4" : memref<32xf32>
    %18 = kernel.weight "w_5" : memref<32xf32>
    %19 = kernel.weight "w_6" : memref<32xf32>
    %add_2 = kernel.buffer : memref<2x8x32xf32>
    func.call @map_1(%layernormalization, %matmul_5, %17, %add_2) : (memref<2x8x32xf32>, memref<2x8x32xf32>, memref<32xf32>, memref<2x8x32xf32>) -> ()
    func.call @normalize_normalize_0(%add_2, %18, %19, %1) : (memref<2x8x32xf32>, memref<32xf32>, memref<32xf32>, memref<2x8x32xf32>) -> ()
    func.return
  }
  func.func @matmul_0(%0: memref<2x8x32xf32>, %1: memref<32x96xf32>, %2: memref<2x8x96xf32>) attributes {tcc.kernel} {
    kernel.matmul %0, %1 -> %2 : memref<2x8x32xf32>, memref<32x96xf32> -> memref<2x8x96xf32>
    func.return
  }
  func.func @remap_0(%0: memref<2x8x96xf32>, %1: memref<42xi64>, %2: memref<2x8x32xf32>) attributes {tcc.kernel} {
    kernel.remap %0, %1 -> %2 {taps = array<i64: 1, 1, 1>, fill_dims = array<i64>} : memref<2x8x96xf32>, memref<42xi64> -> memref<2x8x32xf32>
    func.return
  }
  func.func @transpose_0(%0: memref<2x8x4x8xf32>, %1: memref<2x4x8x8xf32>) attributes {tcc.kernel} {
    kernel.transpose %0 -> %1 {perm = array<i64: 0, 2, 1, 3>} : memref<2x8x4x8xf32> -> memref<2x4x8x8xf32>
    func.return
  }
  func.func @transpose_1(%0: memref<2x4x8x8xf32>, %1: memref<2x4x8x8xf32>) attributes {tcc.kernel} {
    kernel.transpose %0 -> %1 {perm = array<i64: 0, 1, 3, 2>} : memref<2x4x8x8xf32> -> memref<2x4x8x8xf32>
    func.return
  }
  func.func @matmul_1(%0: memref<2x4x8x8xf32>, %1: memref<2x4x8x8xf32>, %2: memref<2x4x8x8xf32>) attributes {tcc.kernel} {
    kernel.matmul %0, %1 -> %2 : memref<2x4x8x8xf32>, memref<2x4x8x8xf32> -> memref<2x4x8x8xf32>
    func.return
  }
  func.func @map_0(%0: memref<2x4x8x8xf32>, %1: memref<2x4x8x8xf32>) attributes {tcc.kernel} {
    kernel.map %0 -> %1 : memref<2x4x8x8xf32> -> memref<2x4x8x8xf32> {
    ^bb0(%2: f32):
      %3 = arith.constant 2.82842708 : f32
      %4 = arith.divf %2, %3 : f32
      kernel.yield %4 : f32
    }
    func.return
  }
  func.func @softmax_0(%0: memref<2x4x8x8xf32>, %1: memref<2x4x8x8xf32>) attributes {tcc.kernel} {
    kernel.softmax %0 -> %1 {axis = 3 : i64} : memref<2x4x8x8xf32> -> memref<2x4x8x8xf32>
    func.return
  }
  func.func @transpose_2(%0: memref<2x4x8x8xf32>, %1: memref<2x8x4x8xf32>) attributes {tcc.kernel} {
    kernel.transpose %0 -> %1 {perm = array<i64: 0, 2, 1, 3>} : memref<2x4x8x8xf32> -> memref<2x8x4x8xf32>
    func.return
  }
  func.func @matmul_2(%0: memref<2x8x32xf32>, %1: memref<32x32xf32>, %2: memref<2x8x32xf32>) attributes {tcc.kernel} {
    kernel.matmul %0, %1 -> %2 : memref<2x8x32xf32>, memref<32x32xf32> -> memref<2x8x32xf32>
    func.return
  }
  func.func @map_1(%0: memref<2x8x32xf32>, %1: memref<2x8x32xf32>, %2: memref<32xf32>, %3: memref<2x8x32xf32>) attributes {tcc.kernel} {
    kernel.map %0, %1, %2 -> %3 : memref<2x8x32xf32>, memref<2x8x32xf32>, memref<32xf32> -> memref<2x8x32xf32> {
    ^bb0(%4: f32, %5: f32, %6: f32):
      %7 = arith.addf %5, %6 : f32
      %8 = arith.addf %4, %7 : f32
      kernel.yield %8 : f32
    }
    func.return
  }
  func.func @normalize_normalize_0(%0: memref<2x8x32xf32>, %1: memref<32xf32>, %2: memref<32xf32>, %3: memref<2x8x32xf32>) attributes {tcc.kernel} {
    kernel.normalize "normalize" %0 scale %1 bias %2 -> %3 {axes = array<i64: 2>, epsilon = 1.000000e-05 : f32} : memref<2x8x32xf32> scale memref<32xf32> bias memref<32xf32> -> memref<2x8x32xf32>
    func.return
  }
  func.func @matmul_3(%0: memref<2x8x32xf32>, %1: memref<32x128xf32>, %2: memref<2x8x128xf32>) attributes {tcc.kernel} {
    kernel.matmul %0, %1 -> %2 : memref<2x8x32xf32>, memref<32x128xf32> -> memref<2x8x128xf32>
    func.return
  }
  func.func @map_2(%0: memref<2x8x128xf32>, %1: memref<128xf32>, %2: memref<2x8x128xf32>) attributes {tcc.kernel} {
    kernel.map %0, %1 -> %2 : memref<2x8x128xf32>, memref<128xf32> -> memref<2x8x128xf32> {
    ^bb0(%3: f32, %4: f32):
      %5 = arith.addf %3, %4 : f32
      kernel.yield %5 : f32
    }
    func.return
  }
  func.func @map_3(%0: memref<2x8x128xf32>, %1: memref<2x8x128xf32>) attributes {tcc.kernel} {
    kernel.map %0 -> %1 : memref<2x8x128xf32> -> memref<2x8x128xf32> {
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
  func.func @matmul_4(%0: memref<2x8x128xf32>, %1: memref<128x32xf32>, %2: memref<2x8x32xf32>) attributes {tcc.kernel} {
    kernel.matmul %0, %1 -> %2 : memref<2x8x128xf32>, memref<128x32xf32> -> memref<2x8x32xf32>
    func.return
  }
}
