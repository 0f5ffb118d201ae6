"""tcc-plugin-demo: graph passes for tcc, registered through the `tcompiler.plugins` entry point.

`UNIVERSE` is a lazy `{name: factory}` table: a pass module is imported only when a pipeline
names it, so an installed plug-in costs nothing to commands that do not use it.
"""

from __future__ import annotations

from xdsl.passes import ModulePass
from xdsl.universe import Universe


def _fold_transposes() -> type[ModulePass]:
    from tcc_plugin_demo.fold_transposes import FoldTransposesPass

    return FoldTransposesPass


def _fold_reshapes() -> type[ModulePass]:
    from tcc_plugin_demo.fold_reshapes import FoldReshapesPass

    return FoldReshapesPass


UNIVERSE = Universe(all_passes={
    "fold-transposes": _fold_transposes,
    "fold-reshapes": _fold_reshapes,
})
