"""`tcc info`: what a .tcc artifact holds: the model, inputs and outputs, the input shapes fixed
at compile time, the extra (plug-in) passes it was compiled with, kernels and sizes."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    i = sub.add_parser("info", help="describe a .tcc artifact")
    i.add_argument("artifact")


def run(args: argparse.Namespace) -> int:
    from tcompiler.artifact import read_artifact
    from tcompiler.cli.paths import input_file
    from tcompiler.cli.values import plural

    program = read_artifact(input_file(args.artifact), check_host=False)
    meta = program.meta
    print(f"{args.artifact}: {meta.get('model', {}).get('name', '?')} "
          f"(opset {meta.get('model', {}).get('opset', '?')}), "
          f"built by tcompiler {meta.get('compiler', {}).get('version', '?')} "
          f"for {program.target.get('cpu', '?')}")
    for kind, specs in (("input", program.inputs), ("output", program.outputs)):
        for spec in specs:
            dims = "x".join(str(d) for d in spec.shape)
            print(f"  {kind:<6} {spec.name}: {spec.dtype}[{dims}]")
    fixed = meta.get("options", {}).get("input_shapes", {})
    if fixed:
        shapes = ", ".join(f"{name}={'x'.join(map(str, dims))}" for name, dims in fixed.items())
        print(f"  fixed input shapes: {shapes}")
    for line in extra_pass_lines(meta.get("passes", {})):
        print(f"  {line}")
    print(f"  {plural(len(program.kernels), 'kernel')}, {plural(len(program.steps), 'step')}, "
          f"arena {plural(program.arena_bytes, 'byte')}, "
          f"weights {plural(len(program.weights), 'byte')}")
    return 0


def extra_pass_lines(passes: dict[str, Any]) -> list[str]:
    """'passes after graph: fold-relu (tcc-fold-relu)' per stage; the plug-ins loaded."""
    lines = []
    for entry in passes.get("extra", []):
        named = ", ".join(f"{p['options']} ({p['package']})" for p in entry.get("passes", []))
        lines.append(f"passes after {entry.get('stage', '?')}: {named or entry.get('pipeline')}")
    if passes.get("plugins"):
        lines.append(f"plug-ins loaded: {', '.join(passes['plugins'])}")
    return lines
