builtin.module {
  func.func @main(%0: memref<1x8xi64>, %1: memref<1x8x50xf32>) attributes {tcc.input_names = ["ids"], tcc.output_names = ["matmul_146"], tcc.graph} {
    %2 = kernel.weight "w_1" : memref<50x32xf32>
    %3 = kernel.buffer : memref<1x8x32xf32>
    func.call @gather_0(%2, %0, %3) : (memref<50x32xf32>, memref<1x8xi64>, memref<1x8x32xf32>) -> ()
    %4 = kernel.weight "w_4" : memref<8x32xf32>
    %5 = kernel.buffer : memref<1x8x32xf32>
    func.call @map_0(%3, %4, %5) : (memref<1x8x32xf32>, memref<8x32xf32>, memref<1x8x32xf32>) -> ()
    %6 = kernel.weight "w" : memref<32xf32>
    %7 = kernel.weight "w_2" : memref<32xf32>
    %8 = kernel.buffer : memref<1x8x32xf32>
    func.call @normalize_normalize_0(%5, %6, %7, %8) : (memref<1x8x32xf32>, memref<32xf32>, memref<32xf32>, memref<1x8x32xf32>) -> ()
    %9 = kernel.weight "w_12" : memref<32x96xf32>
    %10 = kernel.buffer : memref<1x8x96xf32>
    func.call @matmul_0(%8, %9, %10) : (memref<1x8x32xf32>, memref<32x96xf32>, memref<1x8x96xf32>) -> ()
    %11 = kernel.weight "Split_19.index" : memref<41xi64>
    %12 = kernel.weight "Split_19.index_1" : memref<41xi64>
    %13 = kernel.weight "Split_19.index_2" : memref<41xi64>
    %14 = kernel.buffer : memref<1x8x32xf32>
    func.call @remap_0(%10, %11, %14) : (memref<1x8x96xf32>, memref<41xi64>, memref<1x8x32xf32>) -> ()
    %15 = kernel.view %14 : memref<1x8x32xf32> to memref<1x8x4x8xf32>
    %16 = kernel.buffer : memref<1x8x32xf32>
    func.call @remap_0(%10, %12, %16) : (memref<1x8x96xf32>, memref<41xi64>, memref<1x8x32xf32>) -> ()
    %17 = kernel.view %16 : memref<1x8x32xf32> to memref<1x8x4x8xf32>
    %18 = kernel.buffer : memref<1x8x32xf32>
    func.call @remap_0(%10, %13, %18) : (memref<1x8x96xf32>, memref<41xi64>, memref<1x8x32xf32>) -> ()
    %19 = kernel.view %18 : memref<1x8x32xf32> to memref<1x8x4x8xf32>
    %20 = kernel.buffer : memref<1x4x8x8xf32>
    func.call @transpose_0(%17, %20) : (memref<1x8x4x8xf32>, memref<1x4x8x8xf32>) -> ()
    %21 = kernel.buffer : memref<1x4x8x8xf32>
    func.call @transpose_0(%15, %21) : (memref<1x8x4x8xf32>, memref<1x4x8x8xf32>) -> ()
    %22 = kernel.buffer : memref<1x4x8x8xf32>
    func.call @transpose_1(%20, %22) : (memref<1x4x8x8xf32>, memref<1x4x8x8xf32>) -> ()
    %23 = kernel.buffer : memref<1x4x8x8xf32>
    func.call @matmul_1(%21, %22, %23) : (memref<1x4x8x8xf32>, memref<1x4x8x8xf32>, memref<1x4x8x8xf32>) -> ()
    %24 = kernel.weight "w_3" : memref<1x1x8x8xi1>
    %25 = kernel.buffer : memref<1x4x8x8xf32>
    func.call @map_1(%24, %23, %25) : (memref<1x1x8x8xi1>, memref<1x4x8x8xf32>, memref<1x4x8x8xf32>) -> ()
    %26 = kernel.buffer : memref<1x4x8x8xf32>
    func.call @softmax_0(%25, %26) : (memref<1x4x8x8xf32>, memref<1x4x8x8xf32>) -> ()
    %27 = kernel.buffer : memref<1x4x8x8xf32>
    func.call @transpose_0(%19, %27) : (memref<1x8x4x8xf32>, memref<1x4x8x8xf32>) -> ()
    %28 = kernel.buffer : memref<1x4x8x8xf32>
    func.call @matmul_1(%26, %27, %28) : (memref<1x4x8x8xf32>, memref<1x4x8x8xf32>, memref<1x4x8x8xf32>) -> ()
    %29 = kernel.buffer : memref<1x8x4x8xf32>
    func.call @transpose_2(%28, %29) : (memref<1x4x8x8xf32>, memref<1x8x4x8xf32>) -> ()
    %30 = kernel.view %29 : memref<1x8x4x8xf32> to memref<1x8x32xf32>
    %31 = kernel.weight "w_102" : memref<32x32xf32>
    %32 = kernel.buffer : memref<1x8x32xf32>
    func.call @matmul_2(%30, %31, %32) : (memref<1x8x32xf32>, memref<32x32xf32>, memref<1x8x32xf32>) -> ()
    %33 = kernel.weight "w_5" : memref<32xf32>
    %34 = kernel.buffer : memref<1x8x32xf32>
    func.call @map_2(%5, %32, %33, %34) : (memref<1x8x32xf32>, memref<1x8x32xf32>, memref<32xf32>, memref<1x8x32xf32>) -> ()
    %35 = kernel.weight "w_6" : memref<32xf32>
    %36 = kernel.weight "w_7" : memref<32xf32>
    %37 = kernel.buffer : memref<1x8x32xf32>
    func.call @normalize_normalize_0(%34, %35, %36, %37) : (memref<1x8x32xf32>, memref<32xf32>, memref<32xf32>, memref<1x8x32xf32>) -> ()
    %38 = kernel.weight "w_114" : memref<32x128xf32>
    %39 = kernel.buffer : memref<1x8x128xf32>
    func.call @matmul_3(%37, %38, %39) : (memref<1x8x32xf32>, memref<32x128xf32>, memref<1x8x128xf32>) -> ()
    %40 = kernel.weight "w_117" : memref<128xf32>
    %41 = kernel.buffer : memref<1x8x128xf32>
    func.call @map_3(%39, %40, %41) : (memref<1x8x128xf32>, memref<128xf32>, memref<1x8x128xf32>) -> ()
    %42 = kernel.buffer : memref<1x8x128xf32>
    func.call @map_4(%41, %42) : (memref<1x8x128xf32>, memref<1x8x128xf32>) -> ()
    %43 = kernel.weight "w_133" : memref<128x32xf32>
    %44 = kernel.buffer : memref<1x8x32xf32>
    func.call @matmul_4(%42, %43, %44) : (memref<1x8x128xf32>, memref<128x32xf32>, memref<1x8x32xf32>) -> ()
    %45 = kernel.weight "w_8" : memref<32xf32>
    %46 = kernel.weight "w_9" : memref<32xf32>
    %47 = kernel.weight "w_10" : memref<32xf32>
    %48 = kernel.buffer : memref<1x8x32xf32>
    func.call @map_2(%34, %44, %45, %48) : (memref<1x8x32xf32>, memref<1x8x32xf32>, memref<32xf32>, memref<1x8x32xf32>) -> ()
    %49 = kernel.buffer : memref<1x8x32xf32>
    func.call @normalize_normalize_0(%48, %46, %47, %49) : (memref<1x8x32xf32>, memref<32xf32>, memref<32xf32>, memref<1x8x32xf32>) -> ()
    %50 = kernel.weight "w_145" : memref<32x50xf32>
    func.call @matmul_5(%49, %50, %1) : (memref<1x8x32xf32>, memref<32x50xf32>, memref<1x8x50xf32>) -> ()
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
