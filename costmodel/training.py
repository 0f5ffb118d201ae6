"""The shipped cost model's training data: a documented, reproducible set of kernels.

    python -m tcompiler.costmodel.training --db records.jsonl [--per-kernel 16] [--jobs 2]
    tcc costmodel train --db records.jsonl -o costmodel/data/model.json

Kernels (`training_tasks`): every distinct kernel of the light architectures in
`TRAINING_MODELS`, plus `SYNTHETIC` random convolution, GEMM, MatMul, pooling and elementwise
kernels (seeded shapes: channels 3-512, planes 7-112, kernels 1-7, strides 1-2, grouped and
depthwise; GEMMs from 1 row to 256), and `ALGORITHM_SYNTHETIC` convolutions where the
convolution algorithms (im2col, im2win, Winograd) differ most (`--algorithms`: 11x11 stride 4
and 7x7 stride 2 first layers, deep 3x3 layers, 5x5). Each kernel gets its heuristic schedule and
`per_kernel - 1` distinct random schedules of its space (unbiased samples), measured on this
machine and appended to the database (kernels whose space holds one schedule teach nothing
about ranking and are left out). The light architectures in `HELD_OUT_MODELS` (and the
transformer blocks of the model tests) are never trained on: `tcc costmodel eval` on their
records measures how the model generalizes.
"""

from __future__ import annotations

import argparse
import math
import random
import sys

from tcompiler.costmodel.db import TuningDB
from tcompiler.costmodel.executor import Measurer
from tcompiler.costmodel.kernel import KernelSpec
from tcompiler.costmodel.space import space
from tcompiler.costmodel.tune import Task, TuneOptions, Tuner, kernel_tasks
from tcompiler.dialects import kernel
from tcompiler.dialects.kernel import shape

TRAINING_MODELS = ("resnet50", "squeezenet", "vgg19", "densenet121", "inception_v1", "zfnet512")
HELD_OUT_MODELS = ("shufflenet", "inception_v2", "bvlc_alexnet")
SYNTHETIC = 120
ALGORITHM_SYNTHETIC = 60


def _memref(shape: tuple[int, ...]) -> str:
    return "memref<" + "".join(f"{d}x" for d in shape) + "f32>"


def _function(op_text: str, shapes: list[tuple[int, ...]]) -> str:
    for i in reversed(range(len(shapes))):
        op_text = op_text.replace(f"${i}", _memref(shapes[i]))
    args = ", ".join(f"%a{i}: {_memref(s)}" for i, s in enumerate(shapes))
    return (f"builtin.module {{\n  func.func @kernel({args}) attributes {{tcc.kernel}} {{\n"
            f"    {op_text}\n    func.return\n  }}\n}}")


def _ints(values: list[int]) -> str:
    return "array<i64: " + ", ".join(map(str, values)) + ">"


def synthetic_conv(rng: random.Random) -> str:
    k = rng.choice([1, 1, 3, 3, 3, 5, 7])
    stride = rng.choice([1, 1, 1, 2])
    size = rng.choice([7, 14, 17, 28, 35, 56, 73, 112])
    cin = rng.choice([3, 16, 24, 32, 64, 96, 128, 192, 256, 512])
    cout = rng.choice([8, 16, 32, 48, 64, 96, 128, 256, 384, 512])
    group = 1
    if k > 1 and rng.random() < 0.2:
        group = cin = cout  # depthwise
    pad = k // 2 if rng.random() < 0.8 else 0
    out = (size + 2 * pad - k) // stride + 1
    shapes = [(1, cin, size, size), (cout, cin // group, k, k), (cout,), (1, cout, out, out)]
    activation = rng.choice(["", ', activation = "relu"'])
    op = (f"kernel.conv %a0, %a1 bias %a2 -> %a3 {{strides = {_ints([stride] * 2)}, "
          f"pads = {_ints([pad] * 4)}, dilations = {_ints([1, 1])}, group = {group} : i64"
          f"{activation}}} : $0, $1 bias $2 -> $3")
    return _function(op, shapes)


def synthetic_conv_algorithms(rng: random.Random) -> str:
    """A conv where the convolution algorithms differ most: big kernels and strides on few
    input channels (first layers: 11x11 stride 4, 7x7 stride 2) to small planes with many
    channels (the deep 3x3 layers), unpadded or padded, batch 1 or 2."""
    k, stride = rng.choice([(3, 1), (3, 1), (3, 2), (5, 1), (7, 2), (11, 4), (5, 2)])
    if k >= 7:
        cin, size = rng.choice([3, 3, 16, 32]), rng.choice([64, 112, 160, 227])
        cout = rng.choice([32, 48, 64, 96])
    elif k == 3 and stride == 1 and rng.random() < 0.4:  # big planes (Winograd's many tiles)
        cin, size = rng.choice([16, 32, 64, 128]), rng.choice([28, 56, 112])
        cout = rng.choice([32, 64, 128, 256])
    else:
        cin = rng.choice([16, 32, 64, 128, 256, 512])
        size = rng.choice([5, 7, 9, 12, 14, 20, 28, 56])
        cout = rng.choice([32, 64, 128, 256, 512])
    batch = rng.choice([1, 1, 1, 2])
    pad = rng.choice([0, k // 2])
    out = (size + 2 * pad - k) // stride + 1
    shapes = [(batch, cin, size, size), (cout, cin, k, k), (cout,), (batch, cout, out, out)]
    op = (f"kernel.conv %a0, %a1 bias %a2 -> %a3 {{strides = {_ints([stride] * 2)}, "
          f"pads = {_ints([pad] * 4)}, dilations = {_ints([1, 1])}, group = 1 : i64, "
          f'activation = "relu"}} : $0, $1 bias $2 -> $3')
    return _function(op, shapes)


def synthetic_gemm(rng: random.Random) -> str:
    m = rng.choice([1, 1, 4, 16, 64, 128, 256])
    n, k = rng.choice([64, 100, 256, 768, 1000, 3072]), rng.choice([64, 256, 768, 1024, 2048])
    if rng.random() < 0.5:
        trans_b = rng.choice([0, 1])
        b = (n, k) if trans_b else (k, n)
        op = (f"kernel.gemm %a0, %a1 bias %a2 -> %a3 {{trans_a = 0 : i64, trans_b = {trans_b} : "
              "i64, alpha = 1.0 : f32, beta = 1.0 : f32} : $0, $1 bias $2 -> $3")
        return _function(op, [(m, k), b, (n,), (m, n)])
    batch = rng.choice([1, 4, 12])
    op = "kernel.matmul %a0, %a1 -> %a2 {} : $0, $1 -> $2"
    return _function(op, [(batch, m, k), (batch, k, n) if batch > 1 else (k, n), (batch, m, n)])


def synthetic_loops(rng: random.Random) -> str:
    c, size = rng.choice([16, 64, 256]), rng.choice([7, 14, 28, 56, 112])
    x = (1, c, size, size)
    if rng.random() < 0.5:
        op = ("kernel.map %a0, %a1 -> %a2 : $0, $1 -> $2 {\n"
              "    ^bb0(%p: f32, %q: f32):\n      %s = arith.addf %p, %q : f32\n"
              "      %z = arith.constant 0.0 : f32\n      %r = arith.maximumf %s, %z : f32\n"
              "      kernel.yield %r : f32\n    }")
        return _function(op, [x, x, x])
    k, stride = rng.choice([(2, 2), (3, 2), (3, 1)])
    out = (size + 2 - k) // stride + 1
    op = (f'kernel.pool "{rng.choice(["max", "avg"])}" %a0 -> %a1 {{kernel_shape = '
          f"{_ints([k, k])}, strides = {_ints([stride] * 2)}, pads = {_ints([1] * 4)}, "
          f"dilations = {_ints([1, 1])}, count_include_pad = 0 : i64}} : $0 -> $1")
    return _function(op, [x, (1, c, out, out)])


HELD_OUT_CONVS = {  # (C_in, H=W, C_out, K, stride) of benchmarks/conv_algorithms.py's layers
    (3, 227, 96, 11, 4), (3, 231, 96, 11, 4), (3, 227, 64, 7, 2), (32, 224, 64, 7, 2),
    (96, 24, 256, 5, 1), (256, 12, 512, 3, 1), (3, 224, 64, 3, 1), (64, 112, 128, 3, 1),
    (64, 56, 64, 3, 1), (128, 28, 128, 3, 1), (256, 14, 256, 3, 1), (512, 7, 512, 3, 1)}
"""The im2win paper's layers: never trained on, so the benchmark measures generalization."""


def _held_out(spec: KernelSpec) -> bool:
    op = spec.op
    if not isinstance(op, kernel.ConvOp):
        return False
    x, w = shape(op.X), shape(op.W)
    stride = kernel.int_values(op.strides)[0]
    unpadded = not any(kernel.int_values(op.pads))  # the paper's layers have no padding
    return len(x) == 4 and unpadded and (x[1], x[2], w[0], w[2], stride) in HELD_OUT_CONVS


def synthetic_tasks(count: int, seed: int, makers: list | None = None) -> list[Task]:
    rng = random.Random(seed)
    makers = makers or [synthetic_conv] * 6 + [synthetic_gemm] * 3 + [synthetic_loops]
    tasks: dict[str, Task] = {}
    for _ in range(count):
        spec = KernelSpec(rng.choice(makers)(rng))
        spec = KernelSpec.from_function(spec.function)
        if _held_out(spec):
            continue
        tasks.setdefault(spec.signature, Task(spec, 1, space(spec.op)))
    return list(tasks.values())


def training_tasks(models: tuple[str, ...] = TRAINING_MODELS, synthetic: int = SYNTHETIC,
                   seed: int = 0) -> list[Task]:
    from tcompiler import zoo
    from tcompiler.pipeline import CompileOptions

    tasks: dict[str, Task] = {}
    for name in models:
        for task in kernel_tasks(str(zoo.light_model_path(name)), CompileOptions()):
            tasks.setdefault(task.spec.signature, task)
    for task in synthetic_tasks(synthetic, seed):
        tasks.setdefault(task.spec.signature, task)
    return [t for t in tasks.values() if len(t.space) > 1]  # one schedule: nothing to rank


def collect(tasks: list[Task], db_path: str, per_kernel: int, jobs: int, seed: int = 0,
            cluster: str | None = None) -> int:
    """Heuristic + random schedules of every task into the db (skipping measured ones)."""
    options = TuneOptions(seconds=math.inf, strategy="random", jobs=jobs, seed=seed,
                          cluster=cluster, end_to_end=False)
    tuner = Tuner(tasks, TuningDB(db_path), options,
                  lambda line: print(f"\r{line[:110]:<110}", end="", file=sys.stderr))
    rng = random.Random(seed)
    batch = []
    for task in tasks:
        wanted = [task.heuristic, *rng.sample(task.space[1:], min(per_kernel, len(task.space)) - 1)]
        batch.extend((task, s) for s in wanted if s not in task.measured)
    rng.shuffle(batch)  # neighbouring measurements of one kernel share no noise burst
    with Measurer(jobs=jobs, cluster=cluster) as measurer:
        for start in range(0, len(batch), 8 * measurer.width):
            tuner.measure(measurer, batch[start:start + 8 * measurer.width])
    print(file=sys.stderr)
    return tuner.trials


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="collect cost-model training records")
    parser.add_argument("--db", required=True)
    parser.add_argument("--per-kernel", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--synthetic", type=int, default=SYNTHETIC)
    parser.add_argument("--models", nargs="*", default=list(TRAINING_MODELS))
    parser.add_argument("--held-out", action="store_true",
                        help="collect the held-out models' kernels instead (for eval)")
    parser.add_argument("--algorithms", type=int, metavar="N", default=0,
                        help="collect N synthetic convs where the conv algorithms differ "
                        "most instead")
    args = parser.parse_args(argv)
    models = HELD_OUT_MODELS if args.held_out else tuple(args.models)
    if args.algorithms:
        tasks = [t for t in synthetic_tasks(args.algorithms, args.seed,
                                            [synthetic_conv_algorithms]) if len(t.space) > 1]
    else:
        tasks = training_tasks(models, 0 if args.held_out else args.synthetic, args.seed)
    print(f"{len(tasks)} kernels, up to {args.per_kernel} schedules each", file=sys.stderr)
    done = collect(tasks, args.db, args.per_kernel, args.jobs, args.seed)
    print(f"{done} measurements appended to {args.db}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

