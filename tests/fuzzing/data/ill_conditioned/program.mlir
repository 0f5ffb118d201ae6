builtin.module {
  func.func @main(%0: memref<1x3x8xf32>, %2: memref<1x3x7xf32>) attributes {tcc.input_names = ["in_1"], tcc.output_names = ["layernormalization_13"], tcc.graph, tcc.arena_size = 256 : i64, tcc.arena_lower_bound = 256 : i64, tcc.memory_plan = "greedy-by-size", tcc.plan_baseline = 256 : i64, tcc.plan_gap = 0.000000e+00 : f64, tcc.plan_seconds = 0.000000e+00 : f64, tcc.plan_optimal = true, tcc.plan_inplace = 0 : i64} {
    %4 = kernel.weight "w" : memref<8x7xf32>
    %5 = kernel.buffer {offset = 0 : i64} : memref<1x3x7xf32>
    func.call @matmul_0(%0, %4, %5) : (memref<1x3x8xf32>, memref<8x7xf32>, memref<1x3x7xf32>) -> ()
    %6 = kernel.buffer {offset = 128 : i64} : memref<1x3x7xf32>
    func.call @map_0(%5, %6) : (memref<1x3x7xf32>, memref<1x3x7xf32>) -> ()
    %7 = kernel.buffer {offset = 0 : i64} : memref<1x3x7xf32>
    func.call @map_1(%6, %7) : (memref<1x3x7xf32>, memref<1x3x7xf32>) -> ()
    %8 = kernel.weight "w_1" : memref<3x7xf32>
    func.call @normalize_normalize_0(%7, %8, %2) : (memref<1x3x7xf32>, memref<3x7xf32>, memref<1x3x7xf32>) -> ()
    func.return
  }
  func.func @matmul_0(%0: memref<1x3x8xf32>, %1: memref<8x7xf32>, %2: memref<1x3x7xf32>) attributes {tcc.kernel, tcc.schedule_source = "random"} {
    %3 = arith.constant 4 : index
    %4 = arith.constant 8 : index
    %5 = arith.constant 2 : index
    %6 = arith.constant 3 : index
    %7 = arith.constant 1 : index
    %8 = arith.constant 7 : index
    %9 = arith.constant 0 : index
    %10 = arith.constant 0.000000e+00 : f32
    scf.for %11 = %9 to %6 step %7 {
      scf.for %12 = %9 to %8 step %7 {
        memref.store %10, %2[%9, %11, %12] : memref<1x3x7xf32>
      }
    }
    %13 = vector.load %2[%9, %9, %9] : memref<1x3x7xf32>, vector<4xf32>
    %14 = vector.load %2[%9, %7, %9] : memref<1x3x7xf32>, vector<4xf32>
    %15 = vector.load %2[%9, %5, %9] : memref<1x3x7xf32>, vector<4xf32>
    %16, %17, %18 = scf.for %19 = %9 to %4 step %7 iter_args(%20 = %13, %21 = %14, %22 = %15) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>) {
      %23 = vector.load %1[%19, %9] : memref<8x7xf32>, vector<4xf32>
      %24 = memref.load %0[%9, %9, %19] : memref<1x3x8xf32>
      %25 = vector.broadcast %24 : f32 to vector<4xf32>
      %26 = vector.fma %25, %23, %20 : vector<4xf32>
      %27 = memref.load %0[%9, %7, %19] : memref<1x3x8xf32>
      %28 = vector.broadcast %27 : f32 to vector<4xf32>
      %29 = vector.fma %28, %23, %21 : vector<4xf32>
      %30 = memref.load %0[%9, %5, %19] : memref<1x3x8xf32>
      %31 = vector.broadcast %30 : f32 to vector<4xf32>
      %32 = vector.fma %31, %23, %22 : vector<4xf32>
      scf.yield %26, %29, %32 : vector<4xf32>, vector<4xf32>, vector<4xf32>
    }
    vector.store %17, %2[%9, %7, %9] : memref<1x3x7xf32>, vector<4xf32>
    scf.for %33 = %9 to %6 step %7 {
      scf.for %34 = %3 to %8 step %7 {
        %35 = scf.for %36 = %9 to %4 step %7 iter_args(%37 = %10) -> (f32) {
          %38 = memref.load %0[%9, %33, %36] : memref<1x3x8xf32>
          %39 = memref.load %1[%36, %34] : memref<8x7xf32>
          %40 = arith.mulf %38, %39 : f32
          %41 = arith.addf %37, %40 : f32
          scf.yield %41 : f32
        }
        memref.store %35, %2[%9, %33, %34] : memref<1x3x7xf32>
      }
    }
    func.return
  }
  func.func @map_0(%0: memref<1x3x7xf32>, %1: memref<1x3x7xf32>) attributes {tcc.kernel, tcc.schedule_source = "random"} {
    %2 = arith.constant 3 : index
    %3 = arith.constant 1 : index
    %4 = arith.constant 7 : index
    %5 = arith.constant 0 : index
    scf.for %6 = %5 to %2 step %3 {
      scf.for %7 = %5 to %4 step %3 {
        %8 = memref.load %0[%5, %6, %7] : memref<1x3x7xf32>
        %9 = arith.constant 0.000000e+00 : f32
        %10 = arith.cmpf olt, %8, %9 : f32
        %11 = arith.constant 1.000000e-01 : f32
        %12 = arith.mulf %8, %11 : f32
        %13 = arith.select %10, %12, %8 : f32
        memref.store %13, %1[%5, %6, %7] : memref<1x3x7xf32>
      }
    }
    func.return
  }
  func.func @map_1(%0: memref<1x3x7xf32>, %1: memref<1x3x7xf32>) attributes {tcc.kernel, tcc.schedule_source = "random"} {
    %2 = arith.constant 3 : index
    %3 = arith.constant 1 : index
    %4 = arith.constant 7 : index
    %5 = arith.constant 0 : index
    scf.for %6 = %5 to %2 step %3 {
      scf.for %7 = %5 to %4 step %3 {
        %8 = memref.load %0[%5, %6, %7] : memref<1x3x7xf32>
        %9 = math.tanh %8 : f32
        memref.store %9, %1[%5, %6, %7] : memref<1x3x7xf32>
      }
    }
    func.return
  }
  func.func @normalize_normalize_0(%0: memref<1x3x7xf32>, %1: memref<3x7xf32>, %2: memref<1x3x7xf32>) attributes {tcc.kernel, tcc.schedule_source = "random"} {
    %3 = arith.constant 1.000000e-05 : f32
    %4 = arith.constant 1.000000e+00 : f32
    %5 = arith.constant 2.100000e+01 : f32
    %6 = arith.constant 3 : index
    %7 = arith.constant 1 : index
    %8 = arith.constant 7 : index
    %9 = arith.constant 0 : index
    %10 = arith.constant 0.000000e+00 : f32
    %11 = scf.for %12 = %9 to %6 step %7 iter_args(%13 = %10) -> (f32) {
      %14 = scf.for %15 = %9 to %8 step %7 iter_args(%16 = %13) -> (f32) {
        %17 = memref.load %0[%9, %12, %15] : memref<1x3x7xf32>
        %18 = arith.addf %16, %17 : f32
        scf.yield %18 : f32
      }
      scf.yield %14 : f32
    }
    %19 = arith.divf %11, %5 : f32
    %20 = scf.for %21 = %9 to %6 step %7 iter_args(%22 = %10) -> (f32) {
      %23 = scf.for %24 = %9 to %8 step %7 iter_args(%25 = %22) -> (f32) {
        %26 = memref.load %0[%9, %21, %24] : memref<1x3x7xf32>
        %27 = arith.subf %26, %19 : f32
        %28 = arith.maximumf %27, %27 : f32
        %29 = arith.addf %25, %28 : f32
        scf.yield %29 : f32
      }
      scf.yield %23 : f32
    }
    %30 = arith.divf %20, %5 : f32
    %31 = arith.addf %30, %3 : f32
    %32 = math.sqrt %31 : f32
    %33 = arith.divf %4, %32 : f32
    scf.for %34 = %9 to %6 step %7 {
      scf.for %35 = %9 to %8 step %7 {
        %36 = memref.load %0[%9, %34, %35] : memref<1x3x7xf32>
        %37 = arith.subf %36, %19 : f32
        %38 = arith.mulf %37, %33 : f32
        %39 = memref.load %1[%34, %35] : memref<3x7xf32>
        %40 = arith.mulf %38, %39 : f32
        memref.store %40, %2[%9, %34, %35] : memref<1x3x7xf32>
      }
    }
    func.return
  }
}
