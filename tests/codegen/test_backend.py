"""Target, LLVM IR/assembly emission, vectorisation, JIT libraries, the object cache."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tcompiler.codegen import (
    JitError,
    ObjectCache,
    Target,
    assembly_text,
    cache_key,
    compile_to_object,
    llvm_ir_text,
    load_objects,
)
from tcompiler.codegen.elf import defined_symbols, undefined_symbols
from tcompiler.context import make_context
from tcompiler.contracts import PassPreconditionError
from tcompiler.errors import CompileError
from tcompiler.passes.lower_to_llvm import LowerToLLVMPass

from .conftest import lowered, parse  # noqa: TID252

SCALE = """
builtin.module {
  func.func @SYM(%x: memref<64x256xf32>, %y: memref<64x256xf32>) attributes {tcc.kernel} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %m = arith.constant 64 : index
    %n = arith.constant 256 : index
    %s = arith.constant FACTOR : f32
    scf.for %i = %c0 to %m step %c1 {
      scf.for %j = %c0 to %n step %c1 {
        %v = memref.load %x[%i, %j] : memref<64x256xf32>
        %w = arith.mulf %v, %s : f32
        %r = arith.maximumf %w, %v : f32
        memref.store %r, %y[%i, %j] : memref<64x256xf32>
      }
    }
    func.return
  }
}
"""


def scale(symbol: str = "scale", factor: float = 2.0) -> str:
    return SCALE.replace("SYM", symbol).replace("FACTOR", repr(factor))


def test_target_json_roundtrip(host):
    assert Target.from_json(host.to_json()) == host
    assert Target.from_json(json.dumps(host.to_json())) == host
    assert host.cpu and host.triple.startswith("x86_64")


def test_contiguous_loop_is_vectorised(host):
    optimized = llvm_ir_text(lowered(scale()), host, opt_level=3)
    assert re.search(r"<(8|16) x float>", optimized), optimized
    assert "noalias" in optimized
    assert re.search(r"\b[xyz]mm\d+", assembly_text(lowered(scale()), host))


def test_unoptimized_ir_text_uses_gep_not_inttoptr(host):
    text = llvm_ir_text(lowered(scale()), host)
    assert "getelementptr inbounds [256 x float]" in text
    assert "inttoptr" not in text and "ptrtoint" not in text
    assert "fmul reassoc contract float" in text


def test_input_module_is_not_mutated(host):
    module = lowered(scale())
    before = str(module)
    compile_to_object(module, host)
    assert str(module) == before


def test_object_is_elf_with_kernel_symbol(host):
    obj = compile_to_object(lowered(scale()), host)
    assert obj[:4] == b"\x7fELF"
    assert "scale" in defined_symbols(obj)


def test_libm_symbols_resolve(host):
    text = scale().replace("%w = arith.mulf %v, %s : f32", "%w = math.erf %v : f32")
    obj = compile_to_object(lowered(text, expand_math=False), host)
    assert "erff" in undefined_symbols(obj)
    assert "erff" not in undefined_symbols(compile_to_object(lowered(text), host))  # inline
    lib = load_objects([obj])
    x = np.linspace(-2, 2, 64 * 256, dtype=np.float32).reshape(64, 256)
    y = np.zeros_like(x)
    lib.function("scale", 2)(x.ctypes.data, y.ctypes.data)
    assert y[0, 0] == pytest.approx(max(-0.9953223, -2.0))


def test_libraries_with_same_symbol_coexist(host):
    lib2 = load_objects([compile_to_object(lowered(scale("k", 2.0)), host)])
    lib3 = load_objects([compile_to_object(lowered(scale("k", 3.0)), host)])
    assert lib2.address("k") != lib3.address("k")
    x = np.ones((64, 256), np.float32)
    y2, y3 = np.zeros_like(x), np.zeros_like(x)
    lib2.function("k", 2)(x.ctypes.data, y2.ctypes.data)
    lib3.function("k", 2)(x.ctypes.data, y3.ctypes.data)
    assert (y2 == 2).all() and (y3 == 3).all()


def test_objects_link_against_each_other(host):
    callee = compile_to_object(lowered(scale("inner", 5.0)), host)
    caller = compile_to_object(lowered("""
    builtin.module {
      func.func private @inner(memref<64x256xf32>, memref<64x256xf32>)
      func.func @outer(%x: memref<64x256xf32>, %y: memref<64x256xf32>) {
        func.call @inner(%x, %y) : (memref<64x256xf32>, memref<64x256xf32>) -> ()
        func.return
      }
    }"""), host)
    with pytest.raises(JitError, match="inner"):
        load_objects([caller])
    lib = load_objects([caller, callee])
    x = np.ones((64, 256), np.float32)
    y = np.zeros_like(x)
    lib.function("outer", 2)(x.ctypes.data, y.ctypes.data)
    assert (y == 5).all()


def test_missing_symbol_is_key_error(host):
    lib = load_objects([compile_to_object(lowered(scale()), host)])
    with pytest.raises(KeyError, match="nope"):
        lib.address("nope")


def test_garbage_object_is_rejected():
    with pytest.raises(JitError):
        load_objects([b"not an object"])


def test_unsupported_op_names_it():
    module = parse("""
    builtin.module {
      func.func @k(%x: memref<4xi32>) {
        %c0 = arith.constant 0 : index
        %v = memref.load %x[%c0] : memref<4xi32>
        %r = math.ctlz %v : i32
        memref.store %r, %x[%c0] : memref<4xi32>
        func.return
      }
    }""")
    with pytest.raises(PassPreconditionError, match="pass .lower-to-llvm. .*math.ctlz"):
        LowerToLLVMPass().apply(make_context(), module)


def test_backend_takes_llvm_dialect_only(host):
    with pytest.raises(CompileError, match="'func.func' is not .run lower-to-llvm first"):
        compile_to_object(parse(scale()), host)


def test_object_cache(tmp_path, host):
    cache = ObjectCache(tmp_path / "objs")
    key = cache_key(scale(), host, 3, "0.1.0")
    assert key == cache_key(scale(), host, 3, "0.1.0")
    assert key != cache_key(scale(), host, 3, "0.1.1")
    assert key != cache_key(scale(), host, 2, "0.1.0")
    assert key != cache_key(scale(factor=3.0), host, 3, "0.1.0")
    assert key != cache_key(scale(), Target(host.triple, "generic", ""), 3, "0.1.0")
    assert cache.get(key) is None
    obj = compile_to_object(lowered(scale()), host)
    cache.put(key, obj)
    cache.put(key, obj)  # overwriting is fine
    assert cache.get(key) == obj
    assert [p.name for p in (tmp_path / "objs").iterdir()] == [f"{key}.o"]
    with pytest.raises(ValueError):
        cache.get("../escape")


HELPER = """
builtin.module {
  func.func private @square(%v: f32) -> f32 {
    %r = arith.mulf %v, %v : f32
    func.return %r : f32
  }
  func.func @SYM(%x: memref<8xf32>) attributes {tcc.kernel} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 8 : index
    scf.for %i = %c0 to %n step %c1 {
      %v = memref.load %x[%i] : memref<8xf32>
      %r = func.call @square(%v) : (f32) -> f32
      memref.store %r, %x[%i] : memref<8xf32>
    }
    func.return
  }
}
"""


def test_private_helpers_are_internal_and_do_not_clash(host):
    objects = [compile_to_object(lowered(HELPER.replace("SYM", name)), host) for name in "ab"]
    assert all("square" not in defined_symbols(obj) for obj in objects)
    lib = load_objects(objects)
    with pytest.raises(KeyError):
        lib.address("square")
    x = np.arange(8, dtype=np.float32)
    lib.function("a", 1)(x.ctypes.data)
    lib.function("b", 1)(x.ctypes.data)
    np.testing.assert_array_equal(x, np.arange(8, dtype=np.float32) ** 4)


ZERO_FILL = """
builtin.module {
  func.func @zero(%x: memref<64x100xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %m = arith.constant 64 : index
    %n = arith.constant 100 : index
    %z = arith.constant 0.0 : f32
    scf.for %i = %c0 to %m step %c1 {
      scf.for %j = %c0 to %n step %c1 {
        memref.store %z, %x[%i, %j] : memref<64x100xf32>
      }
    }
    func.return
  }
}
"""


def test_libc_calls_from_loop_idioms_resolve(host):
    obj = compile_to_object(lowered(ZERO_FILL), host)
    assert "memset" in undefined_symbols(obj)  # LLVM turned the loop nest into memset
    x = np.ones((64, 100), np.float32)
    load_objects([obj]).function("zero", 1)(x.ctypes.data)
    assert not x.any()


def test_a_malformed_llvm_module_is_a_compile_error(host):
    """The driver does not run xDSL's verifier after lower-to-llvm (LLVM verifies the module it
    translates to): a module the translation chokes on is still a CompileError, not a crash."""
    module = lowered(scale())
    load = next(op for op in module.walk() if op.name == "llvm.load")
    block = load.parent_block()
    load.detach()
    block.insert_op_before(load, block.first_op)  # used before its address is computed
    with pytest.raises(CompileError, match="translating the llvm dialect to LLVM failed"):
        compile_to_object(module, host)
