// RUN: tcc-opt %s -p dedup-kernels | filecheck %s

// @map_1 prints like @map_0 but for its name: its call goes to @map_0 and it is erased; the
// survivors are renumbered per kind (@map_2 -> @map_1; @copy_0 untouched). A function
// without tcc.kernel (@map_5) is neither merged nor renamed.

builtin.module {
  func.func @main(%x: memref<8xf32>, %y: memref<4xf32>, %o: memref<8xf32>, %p: memref<4xf32>) attributes {tcc.graph} {
    %a = kernel.buffer : memref<8xf32>
    func.call @map_0(%x, %a) : (memref<8xf32>, memref<8xf32>) -> ()
    %b = kernel.buffer : memref<8xf32>
    func.call @map_1(%a, %b) : (memref<8xf32>, memref<8xf32>) -> ()
    func.call @copy_0(%b, %o) : (memref<8xf32>, memref<8xf32>) -> ()
    func.call @map_2(%y, %p) : (memref<4xf32>, memref<4xf32>) -> ()
    func.return
  }
  func.func @map_0(%0: memref<8xf32>, %1: memref<8xf32>) attributes {tcc.kernel} {
    kernel.map %0 -> %1 : memref<8xf32> -> memref<8xf32> {
    ^bb0(%2: f32):
      %3 = math.exp %2 : f32
      kernel.yield %3 : f32
    }
    func.return
  }
  func.func @map_1(%0: memref<8xf32>, %1: memref<8xf32>) attributes {tcc.kernel} {
    kernel.map %0 -> %1 : memref<8xf32> -> memref<8xf32> {
    ^bb0(%2: f32):
      %3 = math.exp %2 : f32
      kernel.yield %3 : f32
    }
    func.return
  }
  func.func @copy_0(%0: memref<8xf32>, %1: memref<8xf32>) attributes {tcc.kernel} {
    kernel.copy %0 -> %1 : memref<8xf32> -> memref<8xf32>
    func.return
  }
  func.func @map_2(%0: memref<4xf32>, %1: memref<4xf32>) attributes {tcc.kernel} {
    kernel.map %0 -> %1 : memref<4xf32> -> memref<4xf32> {
    ^bb0(%2: f32):
      %3 = math.exp %2 : f32
      kernel.yield %3 : f32
    }
    func.return
  }
  func.func @map_5(%0: memref<8xf32>, %1: memref<8xf32>) {
    kernel.map %0 -> %1 : memref<8xf32> -> memref<8xf32> {
    ^bb0(%2: f32):
      %3 = math.exp %2 : f32
      kernel.yield %3 : f32
    }
    func.return
  }
}

// CHECK:      func.call @map_0(%{{.*}}, %[[A:.*]]) :
// CHECK-NEXT: %[[B:.*]] = kernel.buffer
// CHECK-NEXT: func.call @map_0(%[[A]], %[[B]]) :
// CHECK-NEXT: func.call @copy_0(%[[B]], %{{.*}}) :
// CHECK-NEXT: func.call @map_1(%{{.*}}, %{{.*}}) : (memref<4xf32>, memref<4xf32>) -> ()
// CHECK:      func.func @map_0(%{{.*}}: memref<8xf32>, %{{.*}}: memref<8xf32>)
// CHECK-NOT:  func.func @map_2
// CHECK:      func.func @copy_0(
// CHECK:      func.func @map_1(%{{.*}}: memref<4xf32>, %{{.*}}: memref<4xf32>)
// CHECK:      func.func @map_5(
