"""The `heuristic` schedules reproduce the code tcc generated before schedules were data.

`data/heuristic_kernels.json.gz` holds every distinct kernel function of the nine light models
(462) with the SHA-256 of the loops-level IR that tcc emitted for it when the emitters still
held their choices as constants (commit 2dea087), regenerated after each intended change to
an emitter since (the last: the tiled conv's kernel-row range is static when no row of the
conv reaches into padding; then the kernels split into parallel units, and gemm and matmul got a
measured heuristic of their own; then the GEMM microkernel covered the columns past the last
full vector with 8- and 4-wide vectors; then pools went by output rows; then the last columns
became one shifted full vector and the pointwise conv's init and activation moved into its
tiles; then pools ran the interior of each output row on vectors). Each kernel gets its heuristic schedule from `choose-schedules`
and is lowered; the loops must be the same text. After an intended change to an emitter,
regenerate: `python tests/codegen/test_heuristic_golden.py --regenerate`.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sys
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser
from xdsl.printer import Printer

from tcompiler import ir_names
from tcompiler.context import make_context
from tcompiler.passes.choose_schedules import ChooseSchedulesPass
from tcompiler.passes.lower_kernels_to_loops import LowerKernelsToLoopsPass

DATA = Path(__file__).parent / "data" / "heuristic_kernels.json.gz"


def module_text(module: ModuleOp) -> str:
    stream = io.StringIO()
    Printer(stream=stream).print_op(module)
    return stream.getvalue()


def loops_digest(kernel_text: str) -> str:
    ctx = make_context()
    module = Parser(ctx, kernel_text).parse_module()
    ChooseSchedulesPass(policy="heuristic").apply(ctx, module)
    LowerKernelsToLoopsPass().apply(ctx, module)
    for fn in module.body.block.ops:
        fn.attributes.pop(ir_names.SCHEDULE_SOURCE, None)
    return hashlib.sha256(module_text(module).encode()).hexdigest()


def test_heuristic_schedules_reproduce_the_constant_emitters() -> None:
    cases = json.loads(gzip.decompress(DATA.read_bytes()))
    assert len(cases) == 462
    changed = [text for text, digest in cases if loops_digest(text) != digest]
    assert not changed, f"{len(changed)} kernels lower differently, e.g.\n{changed[0]}"


def _regenerate() -> None:
    """New digests for the stored kernels (the same 462: graph passes since then, such as
    concat-in-place, would change which kernels the light models have)."""
    cases = json.loads(gzip.decompress(DATA.read_bytes()))
    for case in cases:
        case[1] = loops_digest(case[0])
    DATA.write_bytes(gzip.compress(json.dumps(cases).encode(), mtime=0))
    print(f"wrote {len(cases)} kernels to {DATA}")


if __name__ == "__main__" and "--regenerate" in sys.argv:
    _regenerate()
