"""`tcc passes`: every pass tcc can run, where it comes from, what it does and its options.

    tcc passes                  tcc's passes and every plug-in's, one line each (+ options)
    tcc passes --all            xDSL's own passes too (cse, canonicalize, ...)
    tcc passes NAME             the full documentation of one pass, with its before/after example

A broken plug-in or a name defined twice is reported after the list (exit code 1).
"""

from __future__ import annotations

import argparse
import inspect
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when used: building the CLI's parser must not import xDSL
    from xdsl.passes import ModulePass

    from tcompiler.plugins import Registry


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("passes", help="list passes (built-in and plug-in) or describe one")
    p.add_argument("name", nargs="?", help="describe this pass in full")
    p.add_argument("--all", action="store_true", help="also list xDSL's own passes")


def run(args: argparse.Namespace) -> int:
    from tcompiler.plugins import discover

    registry = discover(args.plugins)
    if args.name:
        print(describe(registry, args.name))
        return 0
    names = sorted(n for n, e in registry.passes.items()
                   if args.all or not e.owner.package.startswith("xdsl "))
    width = max((len(n) for n in names), default=0)
    pwidth = max((len(_package(registry, n)) for n in names), default=0)
    for name in names:
        print(f"{name:<{width}}  {_package(registry, name):<{pwidth}}  {_listing(registry, name)}")
    notes = registry.notes()
    for note in notes:
        print(f"tcc: error: {note}", file=sys.stderr)
    return 1 if notes else 0


def describe(registry: Registry, name: str) -> str:
    from tcompiler.plugins import option_text, pass_options

    cls = registry.pass_class(name)
    owner = registry.pass_entry(name).owner
    lines = [name, f"  from:  {owner}", f"  class: {cls.__module__}.{cls.__qualname__}", ""]
    options = pass_options(cls)
    lines.append("options:" if options else "options: none")
    lines += [f"  {option_text(o)}" for o in options]
    lines += ["", f"usage: tcc-opt in.mlir -p '{name}'", ""]
    lines.append(documentation(cls) or "(no documentation)")
    return "\n".join(lines).rstrip()


def documentation(cls: type[ModulePass]) -> str:
    """The pass's module docstring and class docstring (tcc puts the example in either)."""
    module = sys.modules.get(cls.__module__)
    parts = [inspect.cleandoc(module.__doc__) if module is not None and module.__doc__ else "",
             _class_doc(cls)]
    return "\n\n".join(p for p in parts if p)


def summary(cls: type[ModulePass]) -> str:
    """The first sentence of the pass's documentation, without a leading 'name:'."""
    text = _class_doc(cls) or documentation(cls)
    first = " ".join(text.split("\n\n", 1)[0].split())
    first = first.removeprefix(f"{cls.name}:").removeprefix(f"`{cls.name}`:").strip()
    end = first.find(". ")
    return first if end < 0 else first[:end + 1]


def _listing(registry: Registry, name: str) -> str:
    from tcompiler.plugins import option_text, pass_options

    try:
        cls = registry.pass_class(name)
    except Exception as err:  # noqa: BLE001  (a broken plug-in pass: list it, say why)
        return f"(cannot load: {err})"
    text = summary(cls) or "(no documentation)"
    options = ", ".join(option_text(o) for o in pass_options(cls))
    return f"{text}" + (f"  [{options}]" if options else "")


def _package(registry: Registry, name: str) -> str:
    return registry.passes[name].owner.package


def _class_doc(cls: type) -> str:
    doc = cls.__dict__.get("__doc__") or ""
    if doc.startswith(f"{cls.__name__}("):  # the signature @dataclass writes when there is none
        return ""
    return inspect.cleandoc(doc)
