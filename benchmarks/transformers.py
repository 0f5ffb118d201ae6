"""tcc against onnxruntime on transformer models, at 1 and 2 threads, side by side in one process.

    python benchmarks/transformers.py [--models bert_layer gpt2_block] [--threads 1 2] [--runs 20]

Models (`tcompiler.zoo_models`, seeded random weights): the BERT-base encoder layer (batch 1,
sequence 128, hidden 768, 12 heads), the GPT-2 small block (sequence 128, hidden 768, 12 heads,
causal mask; its embedding table and output projection have `--vocab` rows, default 2048, so
the block and not the vocabulary dominates), and the MobileNetV2 test model. Per model: tcc
compile seconds (default options, no object cache), then per thread count tcc
(`CompiledModel(program, threads=t)`) and onnxruntime (`intra_op_num_threads=t`) run
ALTERNATELY on the same input, in turns of `BLOCK` timed runs after a pause and an untimed
run; we
report both medians and their ratio (tcc / onnxruntime: below 1 means tcc is faster), and the
max output difference. Output: one JSON object on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np
import onnx

SEQ, HIDDEN, HEADS = 128, 768, 12
BLOCK = 5
"""Timed runs per turn: the engines alternate in turns of one untimed run then BLOCK timed
ones. Both runtimes' idle worker threads spin a while after a run (tcc about a millisecond,
onnxruntime's pool too) and the cores of a virtual machine wake slowly from idle, so a turn's
first run pays for the other engine's turn; the timed runs are back to back, as a server's
would be."""


SETTLE_SECONDS = 0.05
"""Untimed pause at the start of a turn, for the other engine's threads to stop spinning."""


def timed(run: Callable[[], object]) -> list[float]:
    time.sleep(SETTLE_SECONDS)
    run()
    times = []
    for _ in range(BLOCK):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def models(vocab: int) -> dict[str, tuple[Callable[[], onnx.ModelProto],
                                          Callable[[np.random.Generator], np.ndarray]]]:
    from tcompiler import zoo_models

    return {
        "bert_layer": (lambda: zoo_models.bert_layer(1, SEQ, HIDDEN, HEADS),
                       lambda rng: rng.standard_normal((1, SEQ, HIDDEN), np.float32)),
        "gpt2_block": (lambda: zoo_models.gpt2_block(1, SEQ, HIDDEN, HEADS, vocab),
                       lambda rng: rng.integers(0, vocab, (1, SEQ)).astype(np.int64)),
        "mobilenet_v2": (zoo_models.mobilenet_v2,
                         lambda rng: rng.standard_normal((1, 3, 32, 32), np.float32)),
    }


def bench_model(name: str, model: onnx.ModelProto, x: np.ndarray, threads: list[int],
                runs: int, max_seconds: float) -> dict:
    import onnxruntime as ort

    from tcompiler.pipeline import CompileOptions, compile_model
    from tcompiler.runtime import CompiledModel

    data = model.SerializeToString()
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        program, report = compile_model(data, CompileOptions(cache_dir=cache, jobs=2))
        compile_seconds = time.perf_counter() - t0
    per_threads = []
    for t in threads:
        tcc = CompiledModel(program, threads=t)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = t
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        sess = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
        feed = {sess.get_inputs()[0].name: x}
        ours, ref = tcc.run([x])[-1], sess.run(None, feed)[-1]  # warm-up and correctness
        tcc_ms: list[float] = []
        ort_ms: list[float] = []
        deadline = time.perf_counter() + max_seconds
        while len(tcc_ms) < runs:
            tcc_ms += timed(functools.partial(tcc.run, [x]))
            ort_ms += timed(functools.partial(sess.run, None, feed))
            if time.perf_counter() > deadline:
                break
        tcc_med, ort_med = statistics.median(tcc_ms), statistics.median(ort_ms)
        per_threads.append({
            "threads": t, "runs": len(tcc_ms),
            "tcc_median_ms": round(tcc_med, 3), "onnxruntime_median_ms": round(ort_med, 3),
            "ratio_tcc_over_ort": round(tcc_med / ort_med, 3),
            "output_max_abs_diff": float(np.abs(ours - ref).max()),
            "output_max_abs": float(np.abs(ref).max()),
        })
        print(f"[bench] {name} threads={t}: {json.dumps(per_threads[-1])}", file=sys.stderr,
              flush=True)
    return {"model": name, "compile_seconds": round(compile_seconds, 2),
            "kernels": report.kernels, "arena_bytes": program.arena_bytes,
            "threads": per_threads}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["bert_layer", "gpt2_block",
                                                        "mobilenet_v2"])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--vocab", type=int, default=2048, help="GPT-2 block's vocabulary")
    parser.add_argument("--max-seconds", type=float, default=30.0,
                        help="stop timing a model at a thread count after this long")
    args = parser.parse_args(argv)
    import onnxruntime as ort

    import tcompiler

    table = models(args.vocab)
    results = []
    for name in args.models:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        build, input_of = table[name]
        x = input_of(np.random.default_rng(0))
        results.append(bench_model(name, build(), x, args.threads, args.runs, args.max_seconds))
    out = {
        "machine": {"cpu": platform.processor() or platform.machine(),
                    "python": platform.python_version()},
        "versions": {"tcompiler": tcompiler.__version__, "onnxruntime": ort.__version__},
        "sizes": {"seq": SEQ, "hidden": HIDDEN, "heads": HEADS, "gpt2_vocab": args.vocab},
        "results": results,
    }
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
