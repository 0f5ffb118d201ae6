// RUN: tcc-opt %s -p convert-math-to-llvm | filecheck %s

// math ops with an LLVM intrinsic become mangled intrinsic calls (scalar and vector); the
// others call libm, declared once at the end of the module.

builtin.module {
  func.func @k(%x: f32, %v: vector<16xf32>, %d: f64) -> f32 {
    // CHECK:      %[[E:.*]] = llvm.call_intrinsic "llvm.exp.f32"(%x) : (f32) -> f32
    %e = math.exp %x : f32
    // CHECK-NEXT: %[[R:.*]] = llvm.call @erff(%[[E]]) : (f32) -> f32
    %r = math.erf %e : f32
    // CHECK-NEXT: %[[S:.*]] = llvm.call @erff(%[[R]]) : (f32) -> f32
    %s = math.erf %r : f32
    // CHECK-NEXT: llvm.call @log1p(%d) : (f64) -> f64
    %l = math.log1p %d : f64
    // CHECK-NEXT: llvm.call_intrinsic "llvm.tanh.v16f32"(%v) : (vector<16xf32>) -> vector<16xf32>
    %t = math.tanh %v : vector<16xf32>
    // CHECK-NEXT: %[[Q:.*]] = llvm.call_intrinsic "llvm.sqrt.f32"(%[[S]]) : (f32) -> f32
    // CHECK-NEXT: %[[ONE:.*]] = llvm.mlir.constant(1.000000e+00 : f32) : f32
    // CHECK-NEXT: llvm.fdiv %[[ONE]], %[[Q]] {fastmathFlags = #llvm.fastmath<reassoc,contract>} : f32
    %q = math.rsqrt %s : f32
    // CHECK-NEXT: func.return
    func.return %q : f32
  }
  // CHECK:      llvm.func @erff(f32) -> f32
  // CHECK-NEXT: llvm.func @log1p(f64) -> f64
  // CHECK-NOT:  llvm.func
}
