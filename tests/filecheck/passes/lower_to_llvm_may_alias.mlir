// RUN: tcc-opt %s -p lower-to-llvm | filecheck %s

// A kernel that some call runs in place (plan-memory marks it tcc.may_alias) keeps its
// pointers without `noalias`; the others get it.

builtin.module {
  func.func @k(%i: memref<4xf32>, %o: memref<4xf32>) attributes {tcc.kernel} {
    func.return
  }
  func.func @k_alias(%i: memref<4xf32>, %o: memref<4xf32>) attributes {tcc.kernel, tcc.may_alias} {
    func.return
  }
}

// CHECK: llvm.func @k(%{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: !llvm.ptr {llvm.noalias})
// CHECK: llvm.func @k_alias(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
