// RUN: tcc-opt %s -p lower-to-llvm{expand-math=false} | filecheck %s
// RUN: tcc-opt %s -p lower-to-llvm{noalias=false} | filecheck %s --check-prefix=ALIAS
// The same as its conversions run one by one (each verified after it; expand-math, which runs
// first by default, has its own file: expand_math.mlir):
// RUN: tcc-opt %s -p convert-scf-to-cf,convert-memref-to-llvm,convert-arith-to-llvm,convert-math-to-llvm,convert-vector-to-llvm,convert-func-to-llvm | filecheck %s

builtin.module {
  // CHECK:      llvm.func @k(%a: !llvm.ptr {llvm.noalias}, %b: !llvm.ptr {llvm.noalias}, %s: !llvm.ptr {llvm.noalias}) attributes {tcc.kernel} {
  // ALIAS:      llvm.func @k(%a: !llvm.ptr, %b: !llvm.ptr, %s: !llvm.ptr) attributes {tcc.kernel} {
  func.func @k(%a: memref<4x8xf32>, %b: memref<4x8xf32>, %s: memref<f32>) attributes {tcc.kernel} {
    // CHECK:      %[[C0:.*]] = llvm.mlir.constant(0) : i64
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    %zero = arith.constant 0.0 : f32
    // CHECK:      llvm.br ^[[HEAD:.*]](%[[C0]], %{{.*}} : i64, f32)
    // CHECK:      ^[[HEAD]](%[[I:.*]]: i64, %{{.*}}: f32):
    // CHECK-NEXT:   llvm.icmp "slt" %[[I]], %{{.*}} : i64
    %total = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
      %row = scf.for %j = %c0 to %c8 step %c1 iter_args(%racc = %acc) -> (f32) {
        // CHECK:      %[[P:.*]] = llvm.getelementptr inbounds %a[%{{.*}}, %{{.*}}] : (!llvm.ptr, i64, i64) -> !llvm.ptr, !llvm.array<8 x f32>
        // CHECK-NEXT: %[[X:.*]] = llvm.load %[[P]] : !llvm.ptr -> f32
        %x = memref.load %a[%i, %j] : memref<4x8xf32>
        // CHECK-NEXT: %[[E:.*]] = llvm.call_intrinsic "llvm.exp.f32"(%[[X]]) : (f32) -> f32
        %e = math.exp %x : f32
        // CHECK-NEXT: %[[M:.*]] = llvm.call_intrinsic "llvm.maximum.f32"(%[[E]], %{{.*}}) : (f32, f32) -> f32
        %m = arith.maximumf %e, %zero : f32
        // CHECK-NEXT: %{{.*}} = llvm.fadd %{{.*}}, %[[M]] {fastmathFlags = #llvm.fastmath<reassoc,contract>} : f32
        %r = arith.addf %racc, %m : f32
        // CHECK:      llvm.getelementptr inbounds %b[%{{.*}}, %{{.*}}] : (!llvm.ptr, i64, i64) -> !llvm.ptr, !llvm.array<8 x f32>
        // CHECK-NEXT: llvm.store %{{.*}}, %{{.*}} : f32, !llvm.ptr
        memref.store %m, %b[%i, %j] : memref<4x8xf32>
        scf.yield %r : f32
      }
      scf.yield %row : f32
    }
    // CHECK:      llvm.store %{{.*}}, %s : f32, !llvm.ptr
    memref.store %total, %s[] : memref<f32>
    // CHECK:      llvm.return
    func.return
  }

  // CHECK:      llvm.func @helper(%{{.*}}: !llvm.ptr {llvm.noalias}) {
  func.func @helper(%x: memref<16xi64>) {
    %c3 = arith.constant 3 : index
    %c2 = arith.constant 2 : i64
    // CHECK:      llvm.getelementptr inbounds %{{.*}}[%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %v = memref.load %x[%c3] : memref<16xi64>
    // CHECK:      llvm.sdiv
    // CHECK:      llvm.srem
    // CHECK:      llvm.select
    %f = arith.floordivsi %v, %c2 : i64
    // CHECK:      llvm.call @erf(%{{.*}}) : (f64) -> f64
    %d = arith.sitofp %f : i64 to f64
    %g = math.erf %d : f64
    // CHECK:      llvm.call_intrinsic "llvm.fptosi.sat.i64.f64"
    %h = arith.fptosi %g : f64 to i64
    memref.store %h, %x[%c3] : memref<16xi64>
    func.return
  }
  // CHECK:      llvm.func @erf(f64) -> f64
  // CHECK-NOT:  func.func
  // CHECK-NOT:  inttoptr
}
