"""tcc's passes, one per file, registered by name in `PASSES` (lazy `{name: factory}`).

`_PASS_TABLE` is the explicit list; nothing is imported until a factory is called.
`tcompiler.universe.TCC_UNIVERSE` publishes `PASSES` through the `tcompiler.plugins` and
`xdsl.universe` entry points, and `tcompiler.plugins.discover` merges it with xDSL's passes and
every plug-in's (a new built-in pass: a file here, a line in the table, a filecheck file in
tests/filecheck/passes/, which tests/test_registry.py checks).
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.passes import ModulePass


def _registry() -> dict[str, Callable[[], type[ModulePass]]]:
    def lazy(module: str, cls: str) -> Callable[[], type[ModulePass]]:
        def load() -> type[ModulePass]:
            import importlib

            return getattr(importlib.import_module(f"tcompiler.passes.{module}"), cls)

        return load

    return {name: lazy(module, cls) for name, (module, cls) in _PASS_TABLE.items()}


_PASS_TABLE: dict[str, tuple[str, str]] = {
    # name: (module under tcompiler.passes, class)
    "onnx-canonicalize": ("onnx_canonicalize", "OnnxCanonicalizePass"),
    "fold-batchnorm": ("fold_batchnorm", "FoldBatchnormPass"),
    "fuse-qdq": ("fuse_qdq", "FuseQdqPass"),
    "lower-to-llvm": ("lower_to_llvm", "LowerToLLVMPass"),
    "expand-math": ("expand_math", "ExpandMathPass"),
    "convert-memref-to-llvm": ("convert_memref_to_llvm", "ConvertMemrefToLLVMPass"),
    "convert-arith-to-llvm": ("convert_arith_to_llvm", "ConvertArithToLLVMPass"),
    "convert-math-to-llvm": ("convert_math_to_llvm", "ConvertMathToLLVMPass"),
    "convert-vector-to-llvm": ("convert_vector_to_llvm", "ConvertVectorToLLVMPass"),
    "convert-func-to-llvm": ("convert_func_to_llvm", "ConvertFuncToLLVMPass"),
    "lower-kernels-to-loops": ("lower_kernels_to_loops", "LowerKernelsToLoopsPass"),
    "convert-onnx-to-kernel": ("convert_onnx_to_kernel", "ConvertOnnxToKernelPass"),
    "fuse-conv-epilogue": ("fuse_conv_epilogue", "FuseConvEpiloguePass"),
    "fuse-elementwise": ("fuse_elementwise", "FuseElementwisePass"),
    "outline-kernels": ("outline_kernels", "OutlineKernelsPass"),
    "dedup-kernels": ("dedup_kernels", "DedupKernelsPass"),
    "concat-in-place": ("concat_in_place", "ConcatInPlacePass"),
    "plan-memory": ("plan_memory", "PlanMemoryPass"),
    "choose-schedules": ("choose_schedules", "ChooseSchedulesPass"),
    "conv-to-im2col": ("conv_to_im2col", "ConvToIm2colPass"),
    "conv-to-im2win": ("conv_to_im2win", "ConvToIm2winPass"),
    "conv-to-winograd": ("conv_to_winograd", "ConvToWinogradPass"),
    "conv-to-packed": ("conv_to_packed", "ConvToPackedPass"),
    "pack-weights": ("pack_weights", "PackWeightsPass"),
}

PASSES = _registry()
