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
    r.add_argument("--profile", metavar="TRACE.json",
                   help="also time every kernel over --runs runs: write a Chrome trace "
                   "(Perfetto, chrome://tracing) here and print the slowest kernels")
    r.add_argument("--runs", type=int, default=10, metavar="N",
                   help="runs to profile (default 10)")


def run(args: argparse.Namespace) -> int:
    from tcompiler.runtime import run_npz

    run_npz(args.artifact, args.inputs, args.outputs, threads=args.threads)
    if args.profile:
        from tcompiler.runtime.npz import profile_npz

        profile = profile_npz(args.artifact, args.inputs, args.profile, args.runs, args.threads)
        print(profile.table())
    return 0


