"""`tcc`: the command line, one module per subcommand.

    tcc compile model.onnx -o model.tcc [--emit=STAGE] [--report report.json]
    tcc run model.tcc --inputs in.npz --outputs out.npz
    tcc info model.tcc

Each subcommand module defines `add_parser(subparsers)` and `run(args) -> int`; `COMMANDS` lists
them. Errors print one line (`tcc: error: ...`) and exit non-zero (2 for unsupported models);
`--debug` shows the traceback instead. Environment variables are read here only:
TCC_CACHE_DIR (kernel object cache; default ~/.cache/tcompiler/kernels), TCC_NO_CACHE=1.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from tcompiler.errors import TcError

COMMANDS = ("compile", "run", "info")
"""Subcommand names; each is the module tcompiler.cli.<name> (``compile`` is ``compile_``)."""


def _module(name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"tcompiler.cli.{name}_" if name == "compile" else f"tcompiler.cli.{name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tcc", description="tcompiler: ONNX to native CPU code")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        _module(name).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _module(args.command).run(args)
    except TcError as err:
        if args.debug:
            raise
        print(f"tcc: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("tcc: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
