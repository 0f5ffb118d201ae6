"""The `packed` conv against the choice before it existed and onnxruntime, in one process.

    python benchmarks/conv_packed.py layers                       # ResNet-50's spatial convs
    python benchmarks/conv_packed.py layers --layers 512,7,512,3,1 3,224,64,7,2
    python benchmarks/conv_packed.py models --models resnet50 squeezenet --threads 1

`layers`: per conv (C_in, H=W, C_out, K, stride; padding K//2, bias, ReLU: a one-conv ONNX
model with seeded weights), onnxruntime (1 thread), tcc's default compile ("after"), the same
compile with `packed` withheld ("before": `costmodel.select.fixed_choice` never gives it, which
is the compile before `packed` existed) and any `--tiles` (pixels,vectors,ic_block of 16-lane
packed tiles), called in alternating turns; per variant the median and the fastest of the
turns (the machine is shared: the fastest is the least disturbed), GFLOP/s and the ratio to
onnxruntime of each.

`models`: a light model (random weights, `tcompiler.zoo.randomized`) compiled both ways, run in
alternating turns with onnxruntime at `--threads`, whole-run medians and minima, and per kernel
the fastest of the turns' profiles (`CompiledModel.profile`).

JSON on stdout (with `--out`, also to that file); progress on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

RESNET50_LAYERS = ("3,224,64,7,2", "64,56,64,3,1", "128,56,128,3,2", "128,28,128,3,1",
                   "256,28,256,3,2", "256,14,256,3,1", "512,14,512,3,2", "512,7,512,3,1")
"""(C_in, H=W, C_out, K, stride) of ResNet-50's spatial convs (stem, then per stage)."""


@contextlib.contextmanager
def without_packed() -> Iterator[None]:
    """Compiles inside choose schedules as before `packed` existed."""
    import tcompiler.costmodel.select as select

    original = select.packed_tile
    select.packed_tile = lambda op: select.ConvSchedule("packed", tile_channels=0)
    try:
        yield
    finally:
        select.packed_tile = original


def conv_model(c_in: int, size: int, c_out: int, k: int, stride: int) -> tuple[Any, int]:
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    w = (rng.standard_normal((c_out, c_in, k, k)) * np.sqrt(2 / (c_in * k * k))).astype(np.float32)
    b = (0.1 * rng.standard_normal(c_out)).astype(np.float32)
    out = (size + 2 * (k // 2) - k) // stride + 1
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[k, k],
                          strides=[stride] * 2, pads=[k // 2] * 4),
         helper.make_node("Relu", ["c"], ["y"])], "conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c_in, size, size])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, c_out, out, out])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model, 2 * c_out * out * out * c_in * k * k


CACHE: list[str | None] = [None]
"""The object cache directory compiles use (`--cache-dir`)."""


def compile_variant(model: Any, schedule: Any = None, packed: bool = True, threads: int = 1
                    ) -> tuple[Any, dict[str, Any]]:
    """(CompiledModel, schedules) of `model`: the default compile, or with `schedule` forced
    on its conv (the heuristic policy with that schedule), or without `packed`."""
    import tcompiler.passes.choose_schedules as choose
    from tcompiler.dialects import kernel
    from tcompiler.pipeline import CompileOptions, compile_model
    from tcompiler.runtime import CompiledModel

    options = CompileOptions(jobs=2, schedules="heuristic" if schedule else "costmodel",
                             cache_dir=CACHE[0])
    original = choose.ChooseSchedulesPass._heuristic  # pyright: ignore[reportPrivateUsage]

    def forced(self: Any, kop: Any) -> Any:
        return schedule if isinstance(kop, kernel.ConvOp) else original(self, kop)

    with contextlib.ExitStack() as stack:
        if not packed:
            stack.enter_context(without_packed())
        if schedule is not None:
            choose.ChooseSchedulesPass._heuristic = forced  # pyright: ignore[reportPrivateUsage]
            stack.callback(setattr, choose.ChooseSchedulesPass, "_heuristic", original)
        program, report = compile_model(model, options)
    return CompiledModel(program, threads=threads), report.info["schedules"]


def alternate(variants: dict[str, Callable[[], object]], turns: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(turns):
        for name, run in variants.items():
            run()
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times


def ort_session(model: Any, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def summary(times: dict[str, list[float]], flops: int = 0) -> dict[str, dict[str, float]]:
    ort_median, ort_min = statistics.median(times["ort"]), min(times["ort"])
    found = {}
    for name, values in times.items():
        median, fastest = statistics.median(values), min(values)
        found[name] = {"median_ms": 1e3 * median, "min_ms": 1e3 * fastest,
                       "ratio_median": median / ort_median, "ratio_min": fastest / ort_min}
        if flops:
            found[name]["gflops_min"] = flops / fastest / 1e9
    return found


def bench_layer(layer: str, tiles: list[str], turns: int) -> dict[str, Any]:
    from tcompiler.costmodel.schedules import ConvSchedule

    model, flops = conv_model(*(int(v) for v in layer.split(",")))
    x = np.random.default_rng(1).standard_normal(
        [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]).astype(np.float32)
    session = ort_session(model, 1)
    reference = session.run(None, {"x": x})[0]
    variants: dict[str, Callable[[], object]] = {"ort": lambda: session.run(None, {"x": x})}
    chosen, errors = {}, {}
    builds = {"after": compile_variant(model), "before": compile_variant(model, packed=False)}
    for tile in tiles:
        pixels, vectors, block = (int(v) for v in tile.split(","))
        schedule = ConvSchedule("packed", pixels, vectors, 16, "channels_rows", block)
        builds[f"packed {tile}"] = compile_variant(model, schedule)
    for name, (compiled, schedules) in builds.items():
        variants[name] = lambda compiled=compiled: compiled(x)
        chosen[name] = sorted({s["schedule"].get("algorithm", "loops") for s in schedules.values()})
        out = compiled(x)[0]
        errors[name] = float(np.abs(out - reference).max() / np.abs(reference).max())
    rows = summary(alternate(variants, turns), flops)
    for name in builds:
        rows[name].update({"algorithms": chosen[name], "max_rel_err": errors[name]})
    return {"layer": layer, "flops": flops, "variants": rows}


def bench_model(name: str, threads: int, turns: int) -> dict[str, Any]:
    from tcompiler import zoo

    model = zoo.randomized(name, seed=0)
    constants = {i.name for i in model.graph.initializer}
    data = next(i for i in model.graph.input if i.name not in constants)
    x = np.random.default_rng(0).standard_normal(
        [d.dim_value for d in data.type.tensor_type.shape.dim]).astype(np.float32)
    session = ort_session(model, threads)
    builds = {"before": compile_variant(model, packed=False, threads=threads),
              "after": compile_variant(model, threads=threads)}
    variants: dict[str, Callable[[], object]] = {"ort": lambda: session.run(None, {data.name: x})}
    kernels: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in builds}
    for label, (compiled, schedules) in builds.items():
        def run(compiled: Any = compiled, label: str = label,
                schedules: dict[str, Any] = schedules) -> None:
            profile = compiled.profile([x], runs=1, warmup=0)
            per_kernel: dict[str, int] = {}
            for info, ns in zip(profile.steps, profile.durations()[0].tolist()):
                per_kernel[info.kernel] = per_kernel.get(info.kernel, 0) + ns
                shapes = {k: "x".join(map(str, v)) for k, v in (info.shapes or {}).items()}
                kernels[label].setdefault(info.kernel, {
                    "shapes": shapes, "schedule": schedules.get(info.kernel, {}).get("schedule"),
                    "ms": []})
            for kernel, ns in per_kernel.items():
                kernels[label][kernel]["ms"].append(ns / 1e6)
        variants[label] = run
    result: dict[str, Any] = {"model": name, "threads": threads,
                              "runs": summary(alternate(variants, turns))}
    for label, found in kernels.items():
        rows = [{"kernel": k, **{f: v for f, v in row.items() if f != "ms"},
                 "min_ms": min(row["ms"])} for k, row in found.items()]
        result[f"kernels_{label}"] = sorted(rows, key=lambda r: -r["min_ms"])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("mode", choices=("layers", "models"))
    parser.add_argument("--layers", nargs="+", default=list(RESNET50_LAYERS),
                        help="C_in,H,C_out,K,stride of each conv (default: ResNet-50's)")
    parser.add_argument("--tiles", nargs="*", default=[],
                        help="packed tiles to add: pixels,vectors,ic_block (16 lanes)")
    parser.add_argument("--models", nargs="+", default=["resnet50"])
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--turns", type=int, default=21)
    parser.add_argument("--out", help="also write the JSON here")
    parser.add_argument("--cache-dir", help="tcc's object cache (default: none)")
    args = parser.parse_args(argv)
    CACHE[0] = args.cache_dir
    results = []
    if args.mode == "layers":
        for layer in args.layers:
            print(f"[conv-packed] {layer}", file=sys.stderr, flush=True)
            results.append(bench_layer(layer, args.tiles, args.turns))
    else:
        for name in args.models:
            for threads in args.threads:
                print(f"[conv-packed] {name} at {threads} threads", file=sys.stderr, flush=True)
                results.append(bench_model(name, threads, args.turns))
    text = json.dumps({"mode": args.mode, "turns": args.turns, "results": results}, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
