"""`tcc info`: what a .tcc artifact holds."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    i = sub.add_parser("info", help="describe a .tcc artifact")
    i.add_argument("artifact")


def run(args: argparse.Namespace) -> int:
    from tcompiler.artifact import read_artifact

    program = read_artifact(args.artifact, check_host=False)
    meta = program.meta
    print(f"{args.artifact}: {meta.get('model', {}).get('name', '?')} "
          f"(opset {meta.get('model', {}).get('opset', '?')}), "
          f"built by tcompiler {meta.get('compiler', {}).get('version', '?')} "
          f"for {program.target.get('cpu', '?')}")
    for kind, specs in (("input", program.inputs), ("output", program.outputs)):
        for spec in specs:
            dims = "x".join(str(d) for d in spec.shape)
            print(f"  {kind:<6} {spec.name}: {spec.dtype}[{dims}]")
    print(f"  {len(program.kernels)} kernels, {len(program.steps)} steps, "
          f"arena {program.arena_bytes} bytes, weights {len(program.weights)} bytes")
    return 0


