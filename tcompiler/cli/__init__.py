"""`tcc`: the command line, one module per subcommand.

    tcc compile model.onnx -o model.tcc [--emit=STAGE] [--report report.json]
    tcc run model.tcc --inputs in.npz [--outputs out.npz]
    tcc info model.tcc
    tcc passes [NAME]
    tcc new-pass NAME --dir DIR
    tcc fuzz --time 10m --out campaign/


Each subcommand module defines `add_parser(subparsers)` and `run(args) -> int`; `COMMANDS` lists
them. Errors print one line (`tcc: error: ...`) and exit non-zero (2 for unsupported models);
`--debug` shows the traceback instead. Paths are checked before any work in one place
(`tcompiler.cli.paths`), environment variables are read in one place
(`tcompiler.cli.environment`). `--debug`, `--load-plugin` and `--no-plugins` go before or
after the subcommand; `args.plugins` is the resulting `PluginSettings`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from tcompiler.errors import TcError

COMMANDS = ("compile", "run", "info", "passes", "new-pass", "plan", "conformance", "tune",
            "costmodel", "schedules", "fuzz")
"""Subcommand names; each is the module tcompiler.cli.<name> (``compile`` is ``compile_``,
``new-pass`` is ``new_pass``)."""


def _module(name: str):  # type: ignore[no-untyped-def]
    module = name.replace("-", "_")
    return importlib.import_module(f"tcompiler.cli.{module}_" if name == "compile"
                                   else f"tcompiler.cli.{module}")


def _add_shared_arguments(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--debug", action="store_true", default=default,
                        help="show tracebacks on errors")
    parser.add_argument("--load-plugin", action="append", default=default, metavar="MOD:OBJ",
                        help="load an xdsl.universe.Universe: module:object or file.py:object")
    parser.add_argument("--no-plugins", action="store_true", default=default,
                        help="ignore installed plug-ins (also TCC_NO_PLUGINS=1)")


def plugin_settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from tcompiler.cli.environment import plugins_disabled
    from tcompiler.cli.paths import input_file
    from tcompiler.plugin_settings import PluginSettings, absolute_spec

    no_plugins = getattr(args, "no_plugins", False) or plugins_disabled()
    for spec in getattr(args, "load_plugin", []):
        target = spec.rpartition(":")[0]
        if target.endswith(".py"):
            input_file(target, "--load-plugin")
    return PluginSettings(load=tuple(absolute_spec(s) for s in getattr(args, "load_plugin", [])),
                          autoload=not no_plugins)


def build_parser() -> argparse.ArgumentParser:
    import tcompiler

    parser = argparse.ArgumentParser(prog="tcc", description="tcompiler: ONNX to native CPU code")
    parser.add_argument("--version", action="version", version=f"tcc {tcompiler.__version__}")
    _add_shared_arguments(parser, default=None)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        _module(name).add_parser(sub)
    for subparser in sub.choices.values():  # the same flags after the subcommand
        _add_shared_arguments(subparser, default=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.load_plugin = args.load_plugin or []
    args.debug = bool(args.debug)
    try:
        args.plugins = plugin_settings(args)
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
