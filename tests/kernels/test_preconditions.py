"""Each pass of the `kernels` stage rejects IR outside its input contract with one
`PassPreconditionError` naming the pass (never an error from deep inside)."""

from __future__ import annotations

import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from tcompiler.context import make_context
from tcompiler.contracts import PassPreconditionError
from tcompiler.passes import PASSES

ONNX_IR = """
builtin.module {
  func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
    %y = "onnx.Relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
    func.return %y : tensor<4xf32>
  }
}
"""

KERNEL_IR = """
builtin.module {
  func.func @main(%x: memref<4xf32>, %y: memref<4xf32>) attributes {tcc.graph} {
    kernel.copy %x -> %y : memref<4xf32> -> memref<4xf32>
    func.return
  }
}
"""

NO_MAIN_ONNX = """
builtin.module {
  func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
    func.return %x : tensor<4xf32>
  }
}
"""

MEMREF_MAIN = """
builtin.module {
  func.func @main(%x: memref<4xf32>) {
    func.return
  }
}
"""

NO_GRAPH = """
builtin.module {
  func.func @main(%x: memref<4xf32>, %y: memref<4xf32>) {
    kernel.copy %x -> %y : memref<4xf32> -> memref<4xf32>
    func.return
  }
}
"""

WRITTEN_TWICE = """
builtin.module {
  func.func @main(%x: memref<4xf32>, %y: memref<4xf32>) attributes {tcc.graph} {
    %b = kernel.buffer : memref<4xf32>
    kernel.copy %x -> %b : memref<4xf32> -> memref<4xf32>
    %v = kernel.view %b : memref<4xf32> to memref<2x2xf32>
    %w = kernel.view %x : memref<4xf32> to memref<2x2xf32>
    kernel.copy %w -> %v : memref<2x2xf32> -> memref<2x2xf32>
    kernel.copy %b -> %y : memref<4xf32> -> memref<4xf32>
    func.return
  }
}
"""

PLANNED = """
builtin.module {
  func.func @main(%x: memref<4xf32>, %y: memref<4xf32>) attributes {tcc.graph} {
    %b = kernel.buffer {offset = 0 : i64} : memref<4xf32>
    kernel.copy %x -> %b : memref<4xf32> -> memref<4xf32>
    kernel.copy %b -> %y : memref<4xf32> -> memref<4xf32>
    func.return
  }
}
"""

CASES = [
    ("convert-onnx-to-kernel", KERNEL_IR, "'kernel.copy' in @main is outside its input contract"),
    ("convert-onnx-to-kernel", NO_MAIN_ONNX, "no func.func @main"),
    ("convert-onnx-to-kernel", MEMREF_MAIN, "@main must take and return tensors"),
    ("fuse-conv-epilogue", ONNX_IR, "'onnx.Relu' in @main is outside its input contract"),
    ("fuse-elementwise", ONNX_IR, "'onnx.Relu' in @main is outside its input contract"),
    ("fuse-elementwise", WRITTEN_TWICE, "'kernel.copy' in @main writes a buffer another"),
    ("fuse-conv-epilogue", WRITTEN_TWICE, "'kernel.copy' in @main writes a buffer another"),
    ("fuse-elementwise", PLANNED, "buffers already have arena offsets"),
    ("fuse-conv-epilogue", PLANNED, "buffers already have arena offsets"),
    ("outline-kernels", ONNX_IR, "'onnx.Relu' in @main is outside its input contract"),
    ("outline-kernels", NO_GRAPH, "no func.func marked tcc.graph"),
    ("dedup-kernels", ONNX_IR, "'onnx.Relu' in @main is outside its input contract"),
]


def parse(text: str) -> ModuleOp:
    return Parser(make_context(), text).parse_module()


@pytest.mark.parametrize(("name", "ir", "message"), CASES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_out_of_contract_input_is_a_precondition_error(name: str, ir: str, message: str) -> None:
    module = parse(ir)
    with pytest.raises(PassPreconditionError) as info:
        PASSES[name]()().apply(make_context(), module)
    assert info.value.pass_name == name
    assert message in str(info.value)
    assert len(str(info.value).splitlines()) == 1


@pytest.mark.parametrize("name", ["fuse-conv-epilogue", "fuse-elementwise", "outline-kernels",
                                  "dedup-kernels"])
def test_kernel_passes_accept_their_contract(name: str) -> None:
    module = parse(KERNEL_IR)
    PASSES[name]()().apply(make_context(), module)
    module.verify()
