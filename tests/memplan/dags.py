"""Random kernel DAGs for planner tests (seeded)."""

from __future__ import annotations

import random

from tcompiler.memplan.graph import KernelGraph, Op, Tensor


def random_dag(seed: int, ops: int = 8, sizes: tuple[int, ...] = (64, 128, 256, 512),
               inplace: bool = True, fan_in: int = 2) -> KernelGraph:
    """One graph input; op k reads 1..fan_in earlier tensors and writes a new one; the last
    op writes the graph output. Some ops may run in place on an input of the output's size."""
    rng = random.Random(seed)
    tensors = [Tensor("x", 256, "input")]
    op_list: list[Op] = []
    for k in range(ops):
        last = k == ops - 1
        reads = tuple(sorted(set(rng.sample(range(len(tensors)), min(len(tensors), rng.randint(1, fan_in))))))
        size = 256 if last else rng.choice(sizes)
        out = len(tensors)
        tensors.append(Tensor(f"t{k}", size, "output" if last else "arena"))
        cand = tuple(t for t in reads if inplace and tensors[t].kind == "arena"
                     and tensors[t].nbytes == size and rng.random() < 0.7)
        op_list.append(Op(f"op{k}", reads, (out,), cand[:1]))
    # every intermediate is read by someone: dangling ones feed the last op
    read = {t for o in op_list for t in o.reads}
    dangling = tuple(t for t in range(1, len(tensors) - 1) if t not in read)
    final = op_list[-1]
    op_list[-1] = Op(final.name, tuple(sorted(set(final.reads + dangling))), final.writes, ())
    return KernelGraph.build(tensors, op_list)
