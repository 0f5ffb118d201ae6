"""`tcc run`: run a .tcc artifact on inputs from an .npz file, write outputs to an .npz."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    r = sub.add_parser("run", help="run a .tcc artifact on inputs from an .npz file")
    r.add_argument("artifact")
    r.add_argument("--inputs", required=True, help=".npz with one array per model input name")
    r.add_argument("--outputs", required=True, help=".npz to write the outputs to")
    r.add_argument("--threads", type=int, metavar="N",
                   help="threads to run on (default: TCC_NUM_THREADS, else every usable core)")


def run(args: argparse.Namespace) -> int:
    from tcompiler.runtime import run_npz

    run_npz(args.artifact, args.inputs, args.outputs, threads=args.threads)
    return 0


