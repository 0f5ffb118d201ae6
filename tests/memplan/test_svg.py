"""Memory-plan pictures: axis ticks, every buffer labelled with its tensor and producing kernel
(tooltip, legend), tiny buffers drawn at least `MIN_PX`, and the ONNX tensor names in both
`tcc plan --svg` and a compiled program's picture."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tcompiler.memplan.graph import KernelGraph
from tcompiler.memplan.plans import ArenaPlan
from tcompiler.memplan.svg import MIN_PX, Rect, arena_svg, byte_text, draw, program_svg, ticks
from tcompiler.program import Buffer, Program, Step

ROOT = Path(__file__).parents[2]


def rect_sizes(svg: str) -> list[tuple[float, float]]:
    return [(float(w), float(h)) for w, h in re.findall(
        r'<g class="buffer"><title>[^<]*</title><rect x="[^"]+" y="[^"]+" width="([^"]+)" '
        r'height="([^"]+)"', svg)]


def test_ticks_are_round() -> None:
    assert ticks(9, 16) == list(range(10))
    assert ticks(100, 10) == list(range(0, 101, 10))
    assert ticks(1 << 20, 10) == list(range(0, (1 << 20) + 1, 128 << 10))
    assert byte_text(0) == "0 B" and byte_text(131072) == "128 KiB"
    assert byte_text(3 << 20) == "3 MiB"


def test_tiny_buffers_stay_visible_and_labelled() -> None:
    rects = [Rect("big", "conv_0", 0, 3, 0, 1 << 20), Rect("tiny", "gemm_0", 4, 4, 1 << 20, 64)]
    svg = draw(rects, 100, (1 << 20) + 64, "plan")
    assert all(w >= MIN_PX and h >= MIN_PX for w, h in rect_sizes(svg))
    assert "<title>tiny (written by gemm_0): 64 B, steps 4..4, bytes [1048576, 1048640)" in svg
    assert "tiny ← gemm_0" in svg and "big ← conv_0" in svg  # the legend
    assert ">512 KiB</text>" in svg and ">99</text>" not in svg  # address and step ticks


def test_arena_picture_names_tensor_and_producer() -> None:
    graph = KernelGraph.build([("%conv_out", 256), ("%relu_out", 256)],
                              [("conv_0", [], [0]), ("relu_0", [0], [1])])
    plan = ArenaPlan("test", (0, 1), {0: 0, 1: 256}, 512, 512)
    svg = arena_svg(graph, plan)
    assert "<title>conv_out (written by conv_0)" in svg
    assert "<title>relu_out (written by relu_0)" in svg


def test_program_picture_uses_the_recorded_buffer_names() -> None:
    program = Program(inputs=[], outputs=[], objects={}, kernels={}, arena_bytes=128,
                      steps=[Step("k0", (0,)), Step("k1", (0, 1))],
                      buffers=[Buffer(0, "arena", 64, offset=0), Buffer(1, "arena", 64,
                                                                         offset=64)],
                      weights=b"", target={}, meta={"buffer_names": ["first", "second"]})
    svg = program_svg(program)
    assert "<title>first (written by k0): 64 B, steps 0..1" in svg
    assert "<title>second (written by k1): 64 B, steps 1..1" in svg
    program.meta = {}  # compiled before names were recorded
    assert "<title>buffer 1 (written by k1)" in program_svg(program)


def test_tcc_plan_svg_names_the_onnx_tensors(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "examples" / "make_model.py"), "m.onnx"],
                   cwd=tmp_path, check=True, capture_output=True)
    code = "import sys; from tcompiler.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run([sys.executable, "-c", code, "plan", "m.onnx", "--time-limit", "2",
                           "--svg", "plan.svg"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    svg = (tmp_path / "plan.svg").read_text()
    assert "<title>r1 (written by conv_0)" in svg and "r1 ← conv_0" in svg
