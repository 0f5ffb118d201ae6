// RUN: xdsl-opt %s -p plan-memory | filecheck %s
// RUN: xdsl-opt %s -p "plan-memory{method=naive},cse" | filecheck %s --check-prefix=NAIVE

// tcc registers its dialects and passes under the `xdsl.universe` entry point too, so plain
// xdsl-opt parses the kernel dialect and runs tcc's passes.

builtin.module {
  func.func @main(%x: memref<64xf32>, %y: memref<64xf32>) attributes {tcc.graph} {
    %a = kernel.buffer : memref<64xf32>
    func.call @k(%x, %a) : (memref<64xf32>, memref<64xf32>) -> ()
    %b = kernel.buffer : memref<64xf32>
    func.call @k(%a, %b) : (memref<64xf32>, memref<64xf32>) -> ()
    func.call @k(%b, %y) : (memref<64xf32>, memref<64xf32>) -> ()
    func.return
  }
  func.func @k(%i: memref<64xf32>, %o: memref<64xf32>) attributes {tcc.kernel} {
    kernel.copy %i -> %o : memref<64xf32> -> memref<64xf32>
    func.return
  }
}

// CHECK:      tcc.arena_size =
// CHECK:      kernel.buffer {offset = {{[0-9]+}} : i64} : memref<64xf32>
// NAIVE:      tcc.memory_plan = "naive"
// NAIVE:      kernel.buffer {offset = 0 : i64}
// NAIVE:      kernel.buffer {offset = 256 : i64}
