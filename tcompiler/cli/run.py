"""`tcc run`: run a .tcc artifact on inputs from an .npz file; print a one-line summary, and
write the outputs to an .npz (`--outputs`) or print each one's dtype, shape and first values."""

from __future__ import annotations

import argparse
import time

import numpy as np

SHOWN = 6  # values printed per output without --outputs


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    r = sub.add_parser("run", help="run a .tcc artifact on inputs from an .npz file")
    r.add_argument("artifact")
    r.add_argument("--inputs", required=True, help=".npz with one array per model input name")
    r.add_argument("--outputs", help=".npz to write the outputs to (default: print each "
                   "output's dtype, shape and first values)")
    r.add_argument("--threads", type=int, metavar="N",
                   help="threads to run on (default: TCC_NUM_THREADS, else every usable core)")
    r.add_argument("--profile", metavar="TRACE.json",
                   help="also time every kernel over --runs runs: write a Chrome trace "
                   "(Perfetto, chrome://tracing) here and print the slowest kernels")
    r.add_argument("--runs", type=int, default=10, metavar="N",
                   help="runs to profile (default 10)")


def run(args: argparse.Namespace) -> int:
    from tcompiler.cli.paths import input_file, output_file
    from tcompiler.cli.values import plural
    from tcompiler.errors import OptionError
    from tcompiler.runtime import load
    from tcompiler.runtime.npz import model_inputs, write_npz

    artifact = input_file(args.artifact)
    inputs = input_file(args.inputs, "--inputs")
    taken = [artifact, inputs]
    destination = trace = None
    if args.outputs:
        destination = output_file(args.outputs, "--outputs", refuse=taken)
        taken.append(destination)
    if args.profile:
        trace = output_file(args.profile, "--profile", refuse=taken)
    if args.profile and args.runs < 1:  # before any work, as the paths
        raise OptionError(f"runs must be an integer >= 1, got {args.runs}")
    model = load(artifact, threads=args.threads)
    arrays = model_inputs(model, inputs)
    start = time.perf_counter()
    outputs = model.run_dict(arrays)
    seconds = time.perf_counter() - start
    if destination is not None:
        write_npz(destination, outputs)
    if trace is not None:  # the profile's table starts with its own summary line
        profile = model.profile(arrays, runs=args.runs)
        profile.write_trace(trace)
        print(profile.table())
        return 0
    shapes = ", ".join(f"{name} {value.dtype}[{'x'.join(map(str, value.shape))}]"
                       for name, value in outputs.items())
    print(f"{artifact}: {plural(len(outputs), 'output')} ({shapes}) in {seconds * 1e3:.2f} ms"
          + (f" -> {destination}" if destination else ""))
    if destination is None:
        for name, value in outputs.items():
            print(f"  {name}: {preview(value)}")
    return 0


def preview(value: np.ndarray) -> str:
    flat = value.reshape(-1)
    shown = ", ".join(f"{v:.6g}" if value.dtype.kind == "f" else str(v) for v in flat[:SHOWN])
    return f"[{shown}{', ...' if flat.size > SHOWN else ''}]"
