"""Kernel schedules and the learned cost model that ranks them (docs/tuning.md).

    schedules.py  the schedule families (typed knobs on kernel ops), `heuristic`, validity
    space.py      every legal schedule of a kernel op
    facts.py      an op's static facts, decoded once; kernel.py: canonical kernels, FLOPs
    features.py   features of (kernel, schedule); model.py: JSON tree ensembles, training
    select.py     the compile-time choice (tuning db, then model); search.py: tuner ranking
    measure.py    one measurement in a worker; executor.py: process pool or Dask seam
    db.py         the tuning database; tune.py: `tcc tune`; evaluate.py: TenSet metrics
    training.py   the shipped model's training kernels; endtoend.py: heuristic vs tuned

`choose-schedules` (passes/) attaches schedules; `tcompiler.codegen.loops` honours them.
"""
