// RUN: tcc-opt %s -p expand-math | filecheck %s
// RUN: tcc-opt %s -p lower-to-llvm | filecheck %s --check-prefix=LLVM
// RUN: tcc-opt %s -p lower-to-llvm{expand-math=false} | filecheck %s --check-prefix=LIBM

// f32 math.exp (scalar or vector) becomes clamps, a Cody-Waite reduction and a polynomial in
// math.fma, and a scale built in the exponent bits, with a select for NaN (on vectors a
// blend by an i32 mask): no call, no branch. f64 is left to convert-math-to-llvm.

builtin.module {
  // CHECK:      func.func @scalar(%x: f32) -> f32 {
  func.func @scalar(%x: f32) -> f32 {
    // CHECK-NOT:  math.exp
    // CHECK:      %[[LO:.*]] = arith.maximumf %x, %{{.*}} : f32
    // CHECK:      %[[C:.*]] = arith.minimumf %[[LO]], %{{.*}} : f32
    // CHECK:      %[[K:.*]] = math.fma %[[C]], %{{.*}}, %{{.*}} : f32
    // CHECK:      %[[N:.*]] = arith.subf %[[K]], %{{.*}} : f32
    // CHECK:      math.fma %[[N]], %{{.*}}, %[[C]] : f32
    // CHECK:      arith.bitcast %[[K]] : f32 to i32
    // CHECK:      arith.shli %{{.*}}, %{{.*}} : i32
    // CHECK:      %[[Y:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
    // CHECK:      %[[NAN:.*]] = arith.cmpi slt, %{{.*}}, %{{.*}} : i32
    // CHECK-NEXT: %[[E:.*]] = arith.select %[[NAN]], %x, %[[Y]] : f32
    // CHECK-NEXT: func.return %[[E]] : f32
    %e = math.exp %x : f32
    func.return %e : f32
  }
  // CHECK:      func.func @vector(%v: vector<8xf32>) -> vector<8xf32> {
  func.func @vector(%v: vector<8xf32>) -> vector<8xf32> {
    // CHECK:      arith.maximumf %v, %{{.*}} : vector<8xf32>
    // CHECK:      math.fma %{{.*}} : vector<8xf32>
    // CHECK:      arith.mulf %{{.*}}, %{{.*}} : vector<8xf32>
    // CHECK:      %[[MASK:.*]] = arith.shrsi %{{.*}}, %{{.*}} : vector<8xi32>
    // CHECK-NEXT: %[[VB:.*]] = arith.bitcast %v : vector<8xf32> to vector<8xi32>
    // CHECK:      arith.andi %[[VB]], %[[MASK]] : vector<8xi32>
    // CHECK:      %[[BLEND:.*]] = arith.ori %{{.*}}, %{{.*}} : vector<8xi32>
    // CHECK-NEXT: %[[W:.*]] = arith.bitcast %[[BLEND]] : vector<8xi32> to vector<8xf32>
    // CHECK-NEXT: func.return %[[W]] : vector<8xf32>
    %w = math.exp %v : vector<8xf32>
    func.return %w : vector<8xf32>
  }
  // CHECK:      func.func @double(%d: f64) -> f64 {
  // CHECK-NEXT:   %[[L:.*]] = math.exp %d : f64
  // CHECK-NEXT:   func.return %[[L]] : f64
  func.func @double(%d: f64) -> f64 {
    %l = math.exp %d : f64
    func.return %l : f64
  }
}

// LLVM:      llvm.func @scalar
// LLVM-NOT:  llvm.exp
// LLVM:      llvm.call_intrinsic "llvm.fma.f32"
// LLVM:      llvm.func @vector
// LLVM-NOT:  llvm.exp
// LLVM:      llvm.call_intrinsic "llvm.fma.v8f32"
// LLVM:      llvm.func @double
// LLVM:      llvm.call_intrinsic "llvm.exp.f64"
// LLVM-NOT:  llvm.call @

// LIBM:      llvm.call_intrinsic "llvm.exp.f32"(%x) : (f32) -> f32
// LIBM:      llvm.call_intrinsic "llvm.exp.v8f32"(%v) : (vector<8xf32>) -> vector<8xf32>
// LIBM:      llvm.call_intrinsic "llvm.exp.f64"(%d) : (f64) -> f64
