"""`tcc new-pass NAME --dir DIR`: write a ready pass plug-in package.

DIR gets a pyproject with the `tcompiler.plugins` entry point, the pass (one file, with a
before/after docstring), a filecheck test and a pytest; `python -m pytest` in DIR passes as
generated, installed or not. See docs/writing-a-pass.md.
"""

from __future__ import annotations

import argparse

from tcompiler.errors import OptionError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("new-pass",
                       help="write a new pass plug-in package (see docs/writing-a-pass.md)")
    p.add_argument("name", help="the pass name, kebab-case (e.g. fold-relu)")
    p.add_argument("--dir", required=True, help="the package directory to create")


def run(args: argparse.Namespace) -> int:
    from tcompiler.cli.paths import output_dir
    from tcompiler.plugins import discover
    from tcompiler.scaffold import NAME, names, render

    if not NAME.match(args.name):
        raise OptionError(f"pass name {args.name!r}: use kebab-case, e.g. fold-relu")
    registry = discover(args.plugins)
    if args.name in registry.passes:
        raise OptionError(f"pass name {args.name!r} is already a pass "
                          f"(from {registry.passes[args.name].owner}); choose another name")
    root = output_dir(args.dir, "--dir")
    if root.exists() and any(root.iterdir()):
        raise OptionError(f"{root}: directory exists and is not empty")
    for relative, text in render(args.name).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    n = names(args.name)
    print(f"wrote {root}/ ({n['dist']}: pass '{args.name}', class {n['cls']} "
          f"in {n['package']}/{n['module']}.py)\n"
          f"  cd {root} && python -m pytest -q      # its tests, as generated\n"
          f"  pip install -e {root}                  # then: tcc passes {args.name}")
    return 0
