// RUN: tcc-opt %s -p fuse-elementwise | filecheck %s
// RUN: tcc-opt %s -p "fuse-elementwise{max-size=3}" | filecheck %s --check-prefix=SMALL

// @chain: mul -> add -> relu become one map over the chain's inputs (in first-use order),
// written where the relu wrote; the intermediate buffers are gone. With max-size=3 nothing
// is inlined: the mul and the add are trees of 3 nodes (an op and its two arguments).
// @shared: a buffer read by two maps is not inlined. @broadcast: a producer of another shape
// than its reader is not inlined. @cse: two producers' equal ops (the constant 0.0) are one.

builtin.module {
  func.func @chain(%x: memref<4xf32>, %y: memref<4xf32>, %z: memref<4xf32>, %out: memref<4xf32>) attributes {tcc.graph} {
    %a = kernel.buffer : memref<4xf32>
    kernel.map %x, %y -> %a : memref<4xf32>, memref<4xf32> -> memref<4xf32> {
    ^bb0(%p: f32, %q: f32):
      %s = arith.mulf %p, %q : f32
      kernel.yield %s : f32
    }
    %b = kernel.buffer : memref<4xf32>
    kernel.map %z, %a -> %b : memref<4xf32>, memref<4xf32> -> memref<4xf32> {
    ^bb0(%p: f32, %q: f32):
      %s = arith.addf %p, %q : f32
      kernel.yield %s : f32
    }
    kernel.map %b -> %out : memref<4xf32> -> memref<4xf32> {
    ^bb0(%p: f32):
      %zero = arith.constant 0.000000e+00 : f32
      %m = arith.maximumf %p, %zero : f32
      kernel.yield %m : f32
    }
    func.return
  }
  // CHECK-LABEL: func.func @chain(
  // CHECK-SAME:    %[[X:.*]]: memref<4xf32>, %[[Y:.*]]: memref<4xf32>, %[[Z:.*]]: memref<4xf32>, %[[OUT:.*]]: memref<4xf32>)
  // CHECK-NEXT:    kernel.map %[[Z]], %[[X]], %[[Y]] -> %[[OUT]] : memref<4xf32>, memref<4xf32>, memref<4xf32> -> memref<4xf32> {
  // CHECK-NEXT:    ^{{.*}}(%[[P:.*]]: f32, %[[Q:.*]]: f32, %[[R:.*]]: f32):
  // CHECK-NEXT:      %[[M:.*]] = arith.mulf %[[Q]], %[[R]] : f32
  // CHECK-NEXT:      %[[S:.*]] = arith.addf %[[P]], %[[M]] : f32
  // CHECK-NEXT:      %[[C:.*]] = arith.constant 0.000000e+00 : f32
  // CHECK-NEXT:      %[[V:.*]] = arith.maximumf %[[S]], %[[C]] : f32
  // CHECK-NEXT:      kernel.yield %[[V]] : f32
  // CHECK-NEXT:    }
  // CHECK-NEXT:    func.return
  // SMALL-LABEL: func.func @chain(
  // SMALL:         arith.mulf
  // SMALL:         kernel.yield
  // SMALL:         arith.addf
  // SMALL:         kernel.yield
  // SMALL:         arith.maximumf
  // SMALL:         kernel.yield

  func.func @shared(%x: memref<4xf32>, %y: memref<4xf32>, %z: memref<4xf32>) attributes {tcc.graph} {
    %a = kernel.buffer : memref<4xf32>
    kernel.map %x -> %a : memref<4xf32> -> memref<4xf32> {
    ^bb0(%p: f32):
      %e = math.exp %p : f32
      kernel.yield %e : f32
    }
    kernel.map %a -> %y : memref<4xf32> -> memref<4xf32> {
    ^bb0(%p: f32):
      %n = arith.negf %p : f32
      kernel.yield %n : f32
    }
    kernel.copy %a -> %z : memref<4xf32> -> memref<4xf32>
    func.return
  }
  // CHECK-LABEL: func.func @shared(
  // CHECK:         math.exp
  // CHECK:         kernel.yield
  // CHECK:         arith.negf
  // CHECK:         kernel.yield

  func.func @broadcast(%x: memref<4xf32>, %y: memref<2x4xf32>, %z: memref<2x4xf32>) attributes {tcc.graph} {
    %a = kernel.buffer : memref<4xf32>
    kernel.map %x -> %a : memref<4xf32> -> memref<4xf32> {
    ^bb0(%p: f32):
      %e = math.exp %p : f32
      kernel.yield %e : f32
    }
    kernel.map %a, %y -> %z : memref<4xf32>, memref<2x4xf32> -> memref<2x4xf32> {
    ^bb0(%p: f32, %q: f32):
      %s = arith.addf %p, %q : f32
      kernel.yield %s : f32
    }
    func.return
  }
  // CHECK-LABEL: func.func @broadcast(
  // CHECK:         math.exp
  // CHECK:         kernel.yield
  // CHECK:         arith.addf
  // CHECK:         kernel.yield

  func.func @cse(%x: memref<4xf32>, %y: memref<4xf32>, %z: memref<4xf32>) attributes {tcc.graph} {
    %a = kernel.buffer : memref<4xf32>
    kernel.map %x -> %a : memref<4xf32> -> memref<4xf32> {
    ^bb0(%p: f32):
      %zero = arith.constant 0.000000e+00 : f32
      %m = arith.maximumf %p, %zero : f32
      kernel.yield %m : f32
    }
    %b = kernel.buffer : memref<4xf32>
    kernel.map %y -> %b : memref<4xf32> -> memref<4xf32> {
    ^bb0(%p: f32):
      %zero = arith.constant 0.000000e+00 : f32
      %m = arith.maximumf %p, %zero : f32
      kernel.yield %m : f32
    }
    kernel.map %a, %b -> %z : memref<4xf32>, memref<4xf32> -> memref<4xf32> {
    ^bb0(%p: f32, %q: f32):
      %s = arith.addf %p, %q : f32
      kernel.yield %s : f32
    }
    func.return
  }
  // CHECK-LABEL: func.func @cse(
  // CHECK-NEXT:    kernel.map %{{.*}}, %{{.*}} -> %{{.*}} : memref<4xf32>, memref<4xf32> -> memref<4xf32> {
  // CHECK-NEXT:    ^{{.*}}(%[[P:.*]]: f32, %[[Q:.*]]: f32):
  // CHECK-NEXT:      %[[C:.*]] = arith.constant 0.000000e+00 : f32
  // CHECK-NEXT:      %[[A:.*]] = arith.maximumf %[[P]], %[[C]] : f32
  // CHECK-NEXT:      %[[B:.*]] = arith.maximumf %[[Q]], %[[C]] : f32
  // CHECK-NEXT:      arith.addf %[[A]], %[[B]] : f32
}
