// RUN: tcc-opt %s -p convert-func-to-llvm | filecheck %s
// RUN: tcc-opt %s -p convert-func-to-llvm{noalias=false} | filecheck %s --check-prefix=ALIAS

// func.func -> llvm.func (noalias pointers unless tcc.may_alias or noalias=false; private
// definitions internal), with calls, returns and cf branches.

builtin.module {
  // CHECK:      llvm.func @k(%a: !llvm.ptr {llvm.noalias}, %n: i64) attributes {tcc.kernel} {
  // ALIAS:      llvm.func @k(%a: !llvm.ptr, %n: i64) attributes {tcc.kernel} {
  func.func @k(%a: !llvm.ptr, %n: i64) attributes {tcc.kernel} {
    %zero = llvm.mlir.constant(0) : i64
    // CHECK:      llvm.br ^[[HEAD:.*]](%{{.*}} : i64)
    cf.br ^head(%zero : i64)
  ^head(%i: i64):
    %more = llvm.icmp "slt" %i, %n : i64
    // CHECK:      llvm.cond_br %{{.*}}, ^{{.*}}, ^{{.*}}
    cf.cond_br %more, ^body, ^done
  ^body:
    %x = llvm.load %a : !llvm.ptr -> f32
    // CHECK:      llvm.call @square(%{{.*}}) : (f32) -> f32
    %y = func.call @square(%x) : (f32) -> f32
    llvm.store %y, %a : f32, !llvm.ptr
    %one = llvm.mlir.constant(1) : i64
    %next = llvm.add %i, %one : i64
    cf.br ^head(%next : i64)
  ^done:
    // CHECK:      llvm.return
    func.return
  }
  // CHECK:      llvm.func internal @square(%v: f32) -> f32 {
  func.func private @square(%v: f32) -> f32 {
    %r = llvm.fmul %v, %v : f32
    // CHECK:      llvm.return %{{.*}} : f32
    func.return %r : f32
  }
  // CHECK:      llvm.func @k_alias(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) attributes {tcc.kernel, tcc.may_alias}
  func.func @k_alias(%i: !llvm.ptr, %o: !llvm.ptr) attributes {tcc.kernel, tcc.may_alias} {
    func.return
  }
  // CHECK-NOT:  func.
}
