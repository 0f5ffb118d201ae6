// RUN: tcc-opt %s -p concat-in-place | filecheck %s
// RUN: tcc-opt %s -p concat-in-place,plan-memory | filecheck %s --check-prefix=PLAN

// @main: %a and %b are computed into %c (a nested concat: %c itself goes into %d), and the
// concats' calls are gone. @declined: every concat there stays (a model input, a misaligned
// place, an outer dimension of 2, one tensor taken twice).

builtin.module {
  func.func @main(%x: memref<1x16x4x4xf32>, %y: memref<1x48x4x4xf32>) attributes {tcc.graph} {
    %a = kernel.buffer : memref<1x16x4x4xf32>
    func.call @k(%x, %a) : (memref<1x16x4x4xf32>, memref<1x16x4x4xf32>) -> ()
    %b = kernel.buffer : memref<1x16x4x4xf32>
    func.call @k(%a, %b) : (memref<1x16x4x4xf32>, memref<1x16x4x4xf32>) -> ()
    %c = kernel.buffer : memref<1x32x4x4xf32>
    func.call @cat(%a, %b, %c) : (memref<1x16x4x4xf32>, memref<1x16x4x4xf32>, memref<1x32x4x4xf32>) -> ()
    %e = kernel.buffer : memref<1x16x4x4xf32>
    func.call @k(%b, %e) : (memref<1x16x4x4xf32>, memref<1x16x4x4xf32>) -> ()
    %d = kernel.buffer : memref<1x48x4x4xf32>
    func.call @cat3(%c, %e, %d) : (memref<1x32x4x4xf32>, memref<1x16x4x4xf32>, memref<1x48x4x4xf32>) -> ()
    func.call @k48(%d, %y) : (memref<1x48x4x4xf32>, memref<1x48x4x4xf32>) -> ()
    func.return
  }
  func.func @declined(%x: memref<1x16x4x4xf32>, %x2: memref<2x16x4x4xf32>, %x3: memref<1x1x3x3xf32>, %y: memref<1x32x4x4xf32>) attributes {tcc.graph} {
    %a = kernel.buffer : memref<1x16x4x4xf32>
    func.call @k(%x, %a) : (memref<1x16x4x4xf32>, memref<1x16x4x4xf32>) -> ()
    %in = kernel.buffer : memref<1x32x4x4xf32>
    func.call @cat(%x, %a, %in) : (memref<1x16x4x4xf32>, memref<1x16x4x4xf32>, memref<1x32x4x4xf32>) -> ()
    func.call @k32(%in, %y) : (memref<1x32x4x4xf32>, memref<1x32x4x4xf32>) -> ()
    %m1 = kernel.buffer : memref<1x1x3x3xf32>
    func.call @k3(%x3, %m1) : (memref<1x1x3x3xf32>, memref<1x1x3x3xf32>) -> ()
    %m2 = kernel.buffer : memref<1x1x3x3xf32>
    func.call @k3(%m1, %m2) : (memref<1x1x3x3xf32>, memref<1x1x3x3xf32>) -> ()
    %mis = kernel.buffer : memref<1x2x3x3xf32>
    func.call @cat3x3(%m1, %m2, %mis) : (memref<1x1x3x3xf32>, memref<1x1x3x3xf32>, memref<1x2x3x3xf32>) -> ()
    %p = kernel.buffer : memref<2x16x4x4xf32>
    func.call @k2(%x2, %p) : (memref<2x16x4x4xf32>, memref<2x16x4x4xf32>) -> ()
    %p2 = kernel.buffer : memref<2x16x4x4xf32>
    func.call @k2(%p, %p2) : (memref<2x16x4x4xf32>, memref<2x16x4x4xf32>) -> ()
    %q = kernel.buffer : memref<2x32x4x4xf32>
    func.call @cat2(%p, %p2, %q) : (memref<2x16x4x4xf32>, memref<2x16x4x4xf32>, memref<2x32x4x4xf32>) -> ()
    %twice = kernel.buffer : memref<1x32x4x4xf32>
    func.call @cat(%a, %a, %twice) : (memref<1x16x4x4xf32>, memref<1x16x4x4xf32>, memref<1x32x4x4xf32>) -> ()
    func.call @k32(%twice, %y) : (memref<1x32x4x4xf32>, memref<1x32x4x4xf32>) -> ()
    func.return
  }
  func.func @k(%i: memref<1x16x4x4xf32>, %o: memref<1x16x4x4xf32>) attributes {tcc.kernel} {
    kernel.copy %i -> %o : memref<1x16x4x4xf32> -> memref<1x16x4x4xf32>
    func.return
  }
  func.func @k3(%i: memref<1x1x3x3xf32>, %o: memref<1x1x3x3xf32>) attributes {tcc.kernel} {
    kernel.copy %i -> %o : memref<1x1x3x3xf32> -> memref<1x1x3x3xf32>
    func.return
  }
  func.func @k2(%i: memref<2x16x4x4xf32>, %o: memref<2x16x4x4xf32>) attributes {tcc.kernel} {
    kernel.copy %i -> %o : memref<2x16x4x4xf32> -> memref<2x16x4x4xf32>
    func.return
  }
  func.func @k32(%i: memref<1x32x4x4xf32>, %o: memref<1x32x4x4xf32>) attributes {tcc.kernel} {
    kernel.copy %i -> %o : memref<1x32x4x4xf32> -> memref<1x32x4x4xf32>
    func.return
  }
  func.func @k48(%i: memref<1x48x4x4xf32>, %o: memref<1x48x4x4xf32>) attributes {tcc.kernel} {
    kernel.copy %i -> %o : memref<1x48x4x4xf32> -> memref<1x48x4x4xf32>
    func.return
  }
  func.func @cat(%a: memref<1x16x4x4xf32>, %b: memref<1x16x4x4xf32>, %c: memref<1x32x4x4xf32>) attributes {tcc.kernel} {
    kernel.concat %a, %b -> %c {axis = 1 : i64} : memref<1x16x4x4xf32>, memref<1x16x4x4xf32> -> memref<1x32x4x4xf32>
    func.return
  }
  func.func @cat3(%a: memref<1x32x4x4xf32>, %b: memref<1x16x4x4xf32>, %c: memref<1x48x4x4xf32>) attributes {tcc.kernel} {
    kernel.concat %a, %b -> %c {axis = 1 : i64} : memref<1x32x4x4xf32>, memref<1x16x4x4xf32> -> memref<1x48x4x4xf32>
    func.return
  }
  func.func @cat3x3(%a: memref<1x1x3x3xf32>, %b: memref<1x1x3x3xf32>, %c: memref<1x2x3x3xf32>) attributes {tcc.kernel} {
    kernel.concat %a, %b -> %c {axis = 1 : i64} : memref<1x1x3x3xf32>, memref<1x1x3x3xf32> -> memref<1x2x3x3xf32>
    func.return
  }
  func.func @cat2(%a: memref<2x16x4x4xf32>, %b: memref<2x16x4x4xf32>, %c: memref<2x32x4x4xf32>) attributes {tcc.kernel} {
    kernel.concat %a, %b -> %c {axis = 1 : i64} : memref<2x16x4x4xf32>, memref<2x16x4x4xf32> -> memref<2x32x4x4xf32>
    func.return
  }
}

// CHECK-LABEL: func.func @main
// CHECK-NEXT:    %d = kernel.buffer : memref<1x48x4x4xf32>
// CHECK-NEXT:    %c = kernel.view %d {offset = 0 : i64} : memref<1x48x4x4xf32> to memref<1x32x4x4xf32>
// CHECK-NEXT:    %a = kernel.view %c {offset = 0 : i64} : memref<1x32x4x4xf32> to memref<1x16x4x4xf32>
// CHECK-NEXT:    %b = kernel.view %c {offset = 256 : i64} : memref<1x32x4x4xf32> to memref<1x16x4x4xf32>
// CHECK-NEXT:    %e = kernel.view %d {offset = 512 : i64} : memref<1x48x4x4xf32> to memref<1x16x4x4xf32>
// CHECK-NEXT:    func.call @k(%x, %a)
// CHECK-NEXT:    func.call @k(%a, %b)
// CHECK-NEXT:    func.call @k(%b, %e)
// CHECK-NEXT:    func.call @k48(%d, %y)
// CHECK-NEXT:    func.return

// CHECK-LABEL: func.func @declined
// CHECK:         func.call @cat(%x, %a, %in)
// CHECK:         func.call @cat3x3(%m1, %m2, %mis)
// CHECK:         func.call @cat2(%p, %p2, %q)
// CHECK:         func.call @cat(%a, %a, %twice)
// The concat kernels @main no longer calls stay while @declined calls them; @cat3 is erased.
// CHECK:       func.func @cat(
// CHECK-NOT:   func.func @cat3(
// CHECK:       func.func @cat3x3(

// The planner sees %a, %b, %c and %e as %d: one tensor of 3072 bytes (and no in-place takeover
// of a slice, though @k may run in place).
// PLAN-LABEL: func.func @main
// PLAN-SAME:  tcc.arena_size = 3072 : i64
// PLAN-SAME:  tcc.plan_inplace = 0 : i64
// PLAN:       %d = kernel.buffer {offset = 0 : i64} : memref<1x48x4x4xf32>
