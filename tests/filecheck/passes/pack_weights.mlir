// RUN: D=$(mktemp -d) && python -c "import numpy as np, sys; np.savez(sys.argv[1], w=np.ones((64, 100), np.float32), c=np.ones(100, np.float32), wt=np.ones((100, 64), np.float32))" $D/w.npz && tcc-opt %s --weights $D/w.npz -p pack-weights | filecheck %s; rc=$?; rm -rf $D; exit $rc
// RUN: D=$(mktemp -d) && python -c "import numpy as np, sys; np.savez(sys.argv[1], w=np.ones((64, 100), np.float32), c=np.ones(100, np.float32), wt=np.ones((100, 64), np.float32))" $D/w.npz && tcc-opt %s --weights $D/w.npz -p "pack-weights,dedup-kernels,lower-kernels-to-loops" | filecheck %s --check-prefix=LOOPS; rc=$?; rm -rf $D; exit $rc
// RUN: tcc-opt %s --no-weights -p pack-weights | filecheck %s --check-prefix=NOWEIGHTS

// pack-weights packs the constant B of a gemm or matmul scheduled `pack_b` into column panels
// of tile_vectors x lanes = 48 columns: "w" [64, 100] becomes "w.panels48" [3, 64, 48] (the
// last panel zero-padded past column 100), stored once for the two calls that share it; each
// call goes to a new kernel function whose op has `b_panel = 48`, and @matmul_0 is gone.
// - @gemm_0 (bias, alpha, relu) packs the same way; B is [K, N] there too (trans_b = 0);
// - @matmul_1's B is a graph input (computed at run time): it keeps its layout and its
//   schedule says pack_b = false;
// - @gemm_1 (trans_b = 1) packs "wt" [100, 64] as the [64, 100] matrix it means and becomes
//   trans_b = 0; its call with a run-time B keeps @gemm_1, now scheduled `loops` (the
//   microkernel reads a transposed B only through panels);
// - without weights (NOWEIGHTS) nothing is packed.
// After dedup-kernels the two packed matmuls are one kernel, and the loops read B with unit
// stride inside a panel (LOOPS).

builtin.module {
  func.func @main(%x: memref<2x8x64xf32>, %x2: memref<8x64xf32>, %b2: memref<64x100xf32>, %y: memref<2x8x100xf32>, %z: memref<2x8x100xf32>, %g: memref<8x100xf32>, %r: memref<8x100xf32>, %b2t: memref<100x64xf32>, %t: memref<8x100xf32>, %u: memref<8x100xf32>) attributes {tcc.input_names = ["x", "x2", "b2", "b2t"], tcc.output_names = ["y", "z", "g", "r", "t", "u"], tcc.graph} {
    %w = kernel.weight "w" : memref<64x100xf32>
    %c = kernel.weight "c" : memref<100xf32>
    func.call @matmul_0(%x, %w, %y) : (memref<2x8x64xf32>, memref<64x100xf32>, memref<2x8x100xf32>) -> ()
    func.call @matmul_0(%x, %w, %z) : (memref<2x8x64xf32>, memref<64x100xf32>, memref<2x8x100xf32>) -> ()
    func.call @gemm_0(%x2, %w, %c, %g) : (memref<8x64xf32>, memref<64x100xf32>, memref<100xf32>, memref<8x100xf32>) -> ()
    func.call @matmul_1(%x2, %b2, %r) : (memref<8x64xf32>, memref<64x100xf32>, memref<8x100xf32>) -> ()
    %wt = kernel.weight "wt" : memref<100x64xf32>
    func.call @gemm_1(%x2, %wt, %t) : (memref<8x64xf32>, memref<100x64xf32>, memref<8x100xf32>) -> ()
    func.call @gemm_1(%x2, %b2t, %u) : (memref<8x64xf32>, memref<100x64xf32>, memref<8x100xf32>) -> ()
    func.return
  }
  func.func @matmul_0(%0: memref<2x8x64xf32>, %1: memref<64x100xf32>, %2: memref<2x8x100xf32>) attributes {tcc.kernel, tcc.schedule_source = "heuristic"} {
    kernel.matmul %0, %1 -> %2 {schedule = {family = "gemm", algorithm = "tiled", tile_channels = 8 : i64, tile_vectors = 3 : i64, lanes = 16 : i64, k_block = 0 : i64, pack_b = true}} : memref<2x8x64xf32>, memref<64x100xf32> -> memref<2x8x100xf32>
    func.return
  }
  func.func @gemm_0(%0: memref<8x64xf32>, %1: memref<64x100xf32>, %2: memref<100xf32>, %3: memref<8x100xf32>) attributes {tcc.kernel} {
    kernel.gemm %0, %1 bias %2 -> %3 {trans_a = 0 : i64, trans_b = 0 : i64, alpha = 0.5 : f32, beta = 1.0 : f32, activation = "relu", schedule = {family = "gemm", algorithm = "tiled", tile_channels = 8 : i64, tile_vectors = 3 : i64, lanes = 16 : i64, k_block = 16 : i64, pack_b = true}} : memref<8x64xf32>, memref<64x100xf32> bias memref<100xf32> -> memref<8x100xf32>
    func.return
  }
  func.func @matmul_1(%0: memref<8x64xf32>, %1: memref<64x100xf32>, %2: memref<8x100xf32>) attributes {tcc.kernel} {
    kernel.matmul %0, %1 -> %2 {schedule = {family = "gemm", algorithm = "tiled", tile_channels = 8 : i64, tile_vectors = 3 : i64, lanes = 16 : i64, k_block = 0 : i64, pack_b = true}} : memref<8x64xf32>, memref<64x100xf32> -> memref<8x100xf32>
    func.return
  }
  func.func @gemm_1(%0: memref<8x64xf32>, %1: memref<100x64xf32>, %2: memref<8x100xf32>) attributes {tcc.kernel} {
    kernel.gemm %0, %1 -> %2 {trans_a = 0 : i64, trans_b = 1 : i64, alpha = 1.0 : f32, beta = 0.0 : f32, schedule = {family = "gemm", algorithm = "tiled", tile_channels = 8 : i64, tile_vectors = 3 : i64, lanes = 16 : i64, k_block = 0 : i64, pack_b = true}} : memref<8x64xf32>, memref<100x64xf32> -> memref<8x100xf32>
    func.return
  }
}

// CHECK-LABEL: func.func @main
// CHECK-NEXT:    %c = kernel.weight "c" : memref<100xf32>
// CHECK-NEXT:    %0 = kernel.weight "w.panels48" : memref<3x64x48xf32>
// CHECK-NEXT:    func.call @[[M1:matmul_[0-9]+]](%x, %0, %y) : (memref<2x8x64xf32>, memref<3x64x48xf32>, memref<2x8x100xf32>) -> ()
// CHECK-NEXT:    %1 = kernel.weight "w.panels48" : memref<3x64x48xf32>
// CHECK-NEXT:    func.call @[[M2:matmul_[0-9]+]](%x, %1, %z)
// CHECK-NEXT:    %2 = kernel.weight "w.panels48" : memref<3x64x48xf32>
// CHECK-NEXT:    func.call @[[G:gemm_[0-9]+]](%x2, %2, %c, %g)
// CHECK-NEXT:    func.call @matmul_1(%x2, %b2, %r)
// CHECK-NEXT:    %3 = kernel.weight "wt.panels48" : memref<3x64x48xf32>
// CHECK-NEXT:    func.call @[[GT:gemm_[0-9]+]](%x2, %3, %t) : (memref<8x64xf32>, memref<3x64x48xf32>, memref<8x100xf32>) -> ()
// CHECK-NEXT:    func.call @gemm_1(%x2, %b2t, %u)
// CHECK-NEXT:    func.return
// CHECK-NOT:   func.func @matmul_0(
// CHECK:       func.func @matmul_1(
// CHECK-NEXT:    kernel.matmul %0, %1 -> %2 {schedule = {{{.*}}pack_b = false}} : memref<8x64xf32>, memref<64x100xf32> -> memref<8x100xf32>
// CHECK:       func.func @gemm_1(
// CHECK-NEXT:    kernel.gemm %0, %1 -> %2 {trans_a = 0 : i64, trans_b = 1 : i64, alpha = 1.000000e+00 : f32, beta = 0.000000e+00 : f32, schedule = {family = "gemm", algorithm = "loops", {{.*}}pack_b = false}}
// CHECK:       func.func @[[M1]](%0: memref<2x8x64xf32>, %1: memref<3x64x48xf32>, %2: memref<2x8x100xf32>) attributes {tcc.kernel, tcc.schedule_source = "heuristic"}
// CHECK-NEXT:    kernel.matmul %0, %1 -> %2 {schedule = {{{.*}}pack_b = true}, b_panel = 48 : i64} : memref<2x8x64xf32>, memref<3x64x48xf32> -> memref<2x8x100xf32>
// CHECK:       func.func @[[M2]](
// CHECK:       func.func @[[G]](%0: memref<8x64xf32>, %1: memref<3x64x48xf32>, %2: memref<100xf32>, %3: memref<8x100xf32>)
// CHECK-NEXT:    kernel.gemm %0, %1 bias %2 -> %3 {trans_a = 0 : i64, trans_b = 0 : i64, alpha = 5.000000e-01 : f32, beta = 1.000000e+00 : f32, activation = "relu", schedule = {{{.*}}pack_b = true}, b_panel = 48 : i64}
// CHECK:       func.func @[[GT]](%0: memref<8x64xf32>, %1: memref<3x64x48xf32>, %2: memref<8x100xf32>)
// CHECK-NEXT:    kernel.gemm %0, %1 -> %2 {trans_a = 0 : i64, trans_b = 0 : i64, {{.*}}pack_b = true}, b_panel = 48 : i64}

// LOOPS-LABEL: func.func @main
// LOOPS:         func.call @[[M:matmul_[0-9]+]](%x, %{{.*}}, %y,
// LOOPS:         func.call @[[M]](%x, %{{.*}}, %z,
// LOOPS:       func.func @[[M]](%0: memref<2x8x64xf32>, %1: memref<3x64x48xf32>
// LOOPS:         vector.load %1[%{{.*}}, %{{.*}}, %{{.*}}] : memref<3x64x48xf32>, vector<16xf32>
// LOOPS:         memref.load %1[%{{.*}}, %{{.*}}, %{{.*}}] : memref<3x64x48xf32>

// NOWEIGHTS-NOT: b_panel
// NOWEIGHTS-NOT: pack_b = true
