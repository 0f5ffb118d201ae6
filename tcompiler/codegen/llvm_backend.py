"""From an xDSL module to LLVM IR, optimised IR, assembly and ELF object bytes (llvmlite).

    compile_to_object(module, Target.host()) -> bytes     # ELF relocatable, PIC
    llvm_ir_text(module, target, opt_level=0) -> str      # `--emit=llvm`; >0: after the O-pipeline
    assembly_text(module, target) -> str                  # after O3 + codegen, for inspection

`module` must be in the llvm dialect (`contracts.LLVM`: run `lower-to-llvm` on loop-level IR
first); anything else is a `CompileError` naming the first op outside it. Inputs are never
mutated. The O-pipeline is LLVM's
new pass manager `default<O{n}>` with loop and SLP vectorisation on, for `target.cpu` and
`target.features`. Public functions are exported (external linkage); private definitions
are internal, so helpers of several kernel objects never clash when loaded together.
"""

from __future__ import annotations

import logging
import time

from llvmlite import binding as llb
from llvmlite import ir
from xdsl.backend.llvm.convert import convert_module
from xdsl.dialects import llvm
from xdsl.dialects.builtin import IntegerAttr, ModuleOp
from xdsl.utils.exceptions import VerifyException

from tcompiler import contracts, ir_names
from tcompiler.codegen.target import Target, init_llvm
from tcompiler.errors import CompileError, first_line

log = logging.getLogger(__name__)


def target_machine(target: Target, opt_level: int = 3) -> llb.TargetMachine:
    init_llvm()
    return llb.Target.from_triple(target.triple).create_target_machine(
        cpu=target.cpu, features=target.features, opt=opt_level, reloc="pic",
        codemodel="default")


def check_llvm_dialect(module: ModuleOp) -> None:
    for op in contracts.LLVM.violations(module):
        raise CompileError(f"the LLVM backend takes llvm-dialect modules only: op "
                           f"{contracts.describe(op)} is not (run lower-to-llvm first)")


def apply_linkage(module: ModuleOp, ir_module: ir.Module) -> None:
    """xDSL's translator ignores `llvm.func` linkage; copy non-external linkage over. A
    parallel kernel (`tcc.parallel = P`) also exports the constant i64 `<kernel>.units = P`."""
    for op in module.ops:
        if isinstance(op, llvm.FuncOp) and op.body.blocks:
            linkage = op.linkage.linkage.data
            if linkage != "external":
                ir_module.get_global(op.sym_name.data).linkage = linkage
            units = op.attributes.get(ir_names.PARALLEL)
            if isinstance(units, IntegerAttr):
                i64 = ir.IntType(64)
                name = ir_names.units_symbol(op.sym_name.data)
                exported = ir.GlobalVariable(ir_module, i64, name)
                value = ir.Constant(i64, units.value.data)
                exported.initializer = value  # pyright: ignore[reportAttributeAccessIssue]
                exported.global_constant = True


def parse_llvm(module: ModuleOp, tm: llb.TargetMachine) -> llb.ModuleRef:
    """Translate (xDSL -> llvmlite IR text -> LLVM) and verify."""
    check_llvm_dialect(module)
    start = time.perf_counter()
    try:
        ir_module = convert_module(module, fallback_target_triple=tm.triple,
                                   data_layout=str(tm.target_data))
    except Exception as err:  # a malformed op? The driver does not verify lower-to-llvm's output
        try:
            module.verify()
        except VerifyException as bad:
            raise CompileError(f"the llvm-dialect module does not verify: {first_line(bad)}"
                               ) from err
        raise CompileError(f"translating the llvm dialect to LLVM failed: "
                           f"{type(err).__name__}: {first_line(err)}") from err
    apply_linkage(module, ir_module)
    text = str(ir_module)
    try:
        parsed = llb.parse_assembly(text)
        parsed.verify()
    except RuntimeError as err:
        raise CompileError(f"LLVM rejected the translated module: {err}") from None
    log.debug("translated to LLVM in %.1f ms", 1e3 * (time.perf_counter() - start))
    return parsed


def optimize(parsed: llb.ModuleRef, tm: llb.TargetMachine, opt_level: int) -> None:
    """Run `default<O{opt_level}>` in place, vectorisers on from O2."""
    if opt_level == 0:
        return
    start = time.perf_counter()
    pto = llb.create_pipeline_tuning_options(speed_level=opt_level)
    pto.loop_vectorization = opt_level >= 2
    pto.slp_vectorization = opt_level >= 2
    pb = llb.create_pass_builder(tm, pto)
    try:
        pb.getModulePassManager().run(parsed, pb)
    finally:
        pb.close()
    log.debug("LLVM O%d in %.1f ms", opt_level, 1e3 * (time.perf_counter() - start))


def llvm_ir_text(module: ModuleOp, target: Target, opt_level: int = 0) -> str:
    tm = target_machine(target, opt_level)
    parsed = parse_llvm(module, tm)
    optimize(parsed, tm, opt_level)
    return str(parsed)


def assembly_text(module: ModuleOp, target: Target, opt_level: int = 3) -> str:
    tm = target_machine(target, opt_level)
    parsed = parse_llvm(module, tm)
    optimize(parsed, tm, opt_level)
    return tm.emit_assembly(parsed)


def compile_to_object(module: ModuleOp, target: Target, opt_level: int = 3) -> bytes:
    tm = target_machine(target, opt_level)
    parsed = parse_llvm(module, tm)
    optimize(parsed, tm, opt_level)
    start = time.perf_counter()
    obj = tm.emit_object(parsed)
    log.debug("LLVM codegen in %.1f ms (%d bytes)", 1e3 * (time.perf_counter() - start), len(obj))
    return obj
