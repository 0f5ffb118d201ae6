"""`tcc-opt`: parse MLIR text, run a textual pass pipeline, print the result (mlir-opt and
xdsl-opt conventions).

    tcc-opt in.mlir -p "onnx-canonicalize,plan-memory{method=naive}"
    tcc-opt in.mlir -p fold-transposes --load-plugin tcc_plugin_demo:UNIVERSE
    tcc-opt cases.mlir --split-input-file --verify-diagnostics   (`// expected-error {{...}}`)
    tcc-opt model.mlir --interpret --inputs in.npz --outputs out.npz   (tcompiler.interp.cli)

Passes come from the plug-in registry (`tcompiler.plugins`): xDSL's, tcc's, every installed
plug-in and every `--load-plugin`. The module is verified after parsing and after every pass
(`--no-verify` turns that off); a pass that breaks the IR or raises is named, and the IR it was
given is written to a reproducer file with a `// RUN:` line. Instrumentation
(`--print-ir-after-all`, `--dump-ir-dir`, `--time-passes`) is a pass-pipeline callback. The
output is always re-printed from the parsed IR, never an echo of the input.

Passes see an empty `WeightStore` unless `--weights w.npz` gives the model's (`tcc compile
--emit=STAGE --weights-out w.npz` writes it); a pass that looks up a weight the store lacks is
reported as a one-line warning. `--verify-diagnostics` checks errors and warnings against the
input's `expected-*` annotations (`tcompiler.diagnostics`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import DiagnosticException, ParseError, VerifyException

from tcompiler.cli.paths import input_file, output_dir, output_file, write_text
from tcompiler.context import make_context, module_text
from tcompiler.contracts import PassPreconditionError
from tcompiler.diagnostics import Diagnostic, LocatingParser, check, failing_line
from tcompiler.errors import TcError, first_line
from tcompiler.interp import cli as interpret_cli
from tcompiler.plugins import PluginSettings, Registry, absolute_spec, discover, pass_spec_text
from tcompiler.reproducer import write_reproducer
from tcompiler.runtime.npz import read_npz
from tcompiler.weights import WeightStore, weights_of
from tcompiler.weights_npz import weight_name

SPLIT_MARKER = "// -----"
NO_PLUGINS_ENV = "TCC_NO_PLUGINS"


class PassFailed(TcError):
    """A pass raised, or left IR that does not verify; the message names it and a reproducer.
    `line` is the input line of the op that does not verify, when there is one."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class InvalidInput(TcError):
    """The input IR does not verify; `line` is the input line of the op that does not."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Instruments:
    """Pass-pipeline callback: verification, IR printing and dumping, timing.

    It also remembers which pass is running and the IR that pass was given, so a failure can
    name the pass and write a reproducer, and after each pass it reports the weights the pass
    looked up and did not find (`WeightStore.missed`) through `warn`.
    """

    warn: Callable[[Diagnostic], None]
    weights: WeightStore | None = None
    lines: dict[Operation, int] = field(default_factory=dict)
    """The input line of every op parsed from the input."""
    verify: bool = True
    print_after_all: IO[str] | None = None
    dump_dir: Path | None = None
    generic: bool = False
    running: ModulePass | None = None
    before: ModuleOp | None = None
    timings: list[tuple[str, float]] = field(default_factory=list)
    dumped: int = 0
    _started: float = 0.0

    def __call__(self, prev: ModulePass | None, module: ModuleOp, nxt: ModulePass | None
                 ) -> None:
        if prev is not None:
            self.timings.append((prev.name, time.perf_counter() - self._started))
            self._after(prev, module)
        elif self.dump_dir is not None:
            self._dump("input", module)
        self.running = nxt
        if nxt is not None:
            self.before = module.clone()
            self._started = time.perf_counter()

    def _after(self, prev: ModulePass, module: ModuleOp) -> None:
        if self.verify:
            try:
                module.verify()
            except VerifyException as err:
                raise PassFailed(f"pass '{prev.name}' produced invalid IR: {first_line(err)}",
                                 failing_line(module, self.lines)) from err
        if self.weights is not None and self.weights.missed:
            self._missed(prev, module, sorted(self.weights.missed))
            self.weights.missed.clear()
        if self.print_after_all is not None:
            self.print_after_all.write(f"// -----// IR Dump After {prev.name} //----- //\n")
            self.print_after_all.write(module_text(module, self.generic))
        if self.dump_dir is not None:
            self._dump(prev.name, module)

    def _missed(self, prev: ModulePass, module: ModuleOp, names: list[str]) -> None:
        shown = ", ".join(repr(n) for n in names[:3]) + (", ..." if len(names) > 3 else "")
        plural = "s" if len(names) > 1 else ""
        naming = next((op for op in module.walk() if op in self.lines
                       and weight_name(op) in names), None)
        self.warn(Diagnostic(
            "warning", f"pass '{prev.name}' looked up {len(names)} weight{plural} it was not "
            f"given ({shown}) and may have left the ops using them unchanged; give the model's "
            "weights with --weights FILE.npz (written by tcc compile MODEL --emit=onnx "
            "--weights-out FILE.npz)", self.lines.get(naming) if naming else None))

    def _dump(self, what: str, module: ModuleOp) -> None:
        assert self.dump_dir is not None
        self.dump_dir.mkdir(parents=True, exist_ok=True)
        path = self.dump_dir / f"{self.dumped:03d}_{what}.mlir"
        path.write_text(module_text(module, self.generic))
        self.dumped += 1


def timing_report(timings: list[tuple[str, float]]) -> str:
    """MLIR's `--mlir-timing` table: wall time per pass, in pipeline order."""
    total = sum(t for _, t in timings) or 1e-12
    rule = "===" + "-" * 73 + "==="
    lines = [rule, "Pass execution timing report".center(79), rule,
             f"  Total Execution Time: {total:.4f} seconds", "",
             "  ----Wall Time----  ----Name----"]
    lines += [f"  {t:10.4f} ({100 * t / total:5.1f}%)  {name}" for name, t in timings]
    lines.append(f"  {total:10.4f} (100.0%)  Total")
    return "\n".join(lines) + "\n"


def split_chunks(text: str, split: bool) -> list[tuple[str, int]]:
    """The input, or its `// -----`-separated chunks, each with its first line number - 1."""
    if not split:
        return [(text, 0)]
    chunks, current, start = [], [], 0
    for number, line in enumerate(text.splitlines(keepends=True)):
        if line.strip() == SPLIT_MARKER:
            chunks.append(("".join(current), start))
            current, start = [], number + 1
            continue
        current.append(line)
    chunks.append(("".join(current), start))
    return chunks


@dataclass
class Session:
    """One tcc-opt run: its options, plug-ins and weights."""

    args: argparse.Namespace
    registry: Registry
    settings: PluginSettings
    weights: WeightStore | None
    timings: list[tuple[str, float]] = field(default_factory=list)
    dump_offset: int = 0

    def run_chunk(self, text: str, line_offset: int, name: str,
                  warnings: list[Diagnostic] | None = None) -> str:
        """The chunk's output; its warnings go to `warnings`, or to stderr if that is None."""
        weights = self.weights
        if weights is None and not self.args.no_weights:
            weights = WeightStore()  # fresh per chunk, so passes that add weights can
        ctx = make_context(weights)
        self.registry.register_dialects(ctx)
        # blank lines keep the reported line numbers those of the whole file
        parser = LocatingParser(ctx, "\n" * line_offset + text, name)
        module = parser.parse_module()
        try:
            module.verify()
        except VerifyException as err:
            raise InvalidInput(first_line(err), failing_line(module, parser.lines)) from err
        instruments = Instruments(
            warn=_print_warning if warnings is None else warnings.append, weights=weights,
            lines=parser.lines, verify=not self.args.no_verify,
            print_after_all=sys.stderr if self.args.print_ir_after_all else None,
            dump_dir=Path(self.args.dump_ir_dir) if self.args.dump_ir_dir else None,
            generic=self.args.print_op_generic, dumped=self.dump_offset)
        pipeline = self.registry.pipeline(self.args.passes, instruments)
        try:
            pipeline.apply(ctx, module)
        except PassPreconditionError as err:  # the input is outside the pass's contract
            raise PassFailed(first_line(err)) from err
        except PassFailed as err:
            raise PassFailed(f"{err}{self._reproducer(instruments, weights_of(ctx))}",
                             err.line) from err
        except TcError:
            raise
        except Exception as err:  # a bug in a pass (often a plug-in's): name it, reproduce it
            if instruments.running is None:
                raise
            raise PassFailed(f"pass '{instruments.running.name}' failed: "
                             f"{type(err).__name__}: {first_line(err)}"
                             f"{self._reproducer(instruments, weights_of(ctx))}") from err
        finally:
            self.timings += instruments.timings
            self.dump_offset = instruments.dumped
        if self.args.interpret:
            return interpret_cli.report(module, self.args, weights.arrays if weights else None)
        return module_text(module, self.args.print_op_generic)

    def _reproducer(self, instruments: Instruments, weights: WeightStore | None) -> str:
        failing, before = instruments.running, instruments.before
        if failing is None or before is None or self.args.verify_diagnostics:
            return ""
        directory = Path(self.args.dump_ir_dir) if self.args.dump_ir_dir else None
        repro = write_reproducer(module_text(before), pass_spec_text(failing),
                                 failing=failing.name, plugins=self.settings.load,
                                 weights=weights, directory=directory)
        return f"; reproducer: {repro.path} (run: {repro.command})"


DESCRIPTION = """\
Parse MLIR text (any stage of tcc's IR, or any IR the registered dialects know), run a
textual pass pipeline on it, verify the IR after every pass and print the result, as mlir-opt
and xdsl-opt do. Passes come from tcc, xDSL and every installed plug-in (`tcc passes` lists
them). A pass that raises or breaks the IR is named, with a reproducer file."""

EXAMPLES = """\
examples:
  tcc compile model.onnx --emit=kernels -o kernels.mlir      # IR of a stage, to start from
  tcc-opt kernels.mlir -p "plan-memory{method=greedy},lower-kernels-to-loops"
  tcc-opt in.mlir -p my-pass --load-plugin my_plugin.py:UNIVERSE --print-ir-after-all
  tcc-opt in.mlir -p "cse,canonicalize" --time-passes -o out.mlir
  tcc-opt cases.mlir --split-input-file --verify-diagnostics
  tcc-opt model.mlir --interpret --inputs in.npz --weights w.npz
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tcc-opt", description=DESCRIPTION, epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", nargs="?", default="-", help="MLIR file ('-' for stdin)")
    parser.add_argument("-p", "--passes", default="",
                        help="pass pipeline, e.g. 'a,b{opt=1 other=2,3}' (`tcc passes` lists them)")
    parser.add_argument("-o", "--output", default="-", metavar="FILE",
                        help="write the resulting IR here, atomically (default: stdout)")
    parser.add_argument("--weights", metavar="NPZ", help=".npz file with the weights the IR "
                        "names (default: an empty store, which passes may add to)")
    parser.add_argument("--no-weights", action="store_true",
                        help="run passes without a WeightStore (as xdsl-opt does)")
    parser.add_argument("--print-op-generic", action="store_true",
                        help="print every op in MLIR's generic form (\"op.name\"(...) <{...}>)")
    parser.add_argument("--print-ir-after-all", action="store_true",
                        help="print the IR after every pass to stderr")
    parser.add_argument("--dump-ir-dir", metavar="DIR",
                        help="write the IR before the first and after every pass to "
                        "DIR/NNN_<pass>.mlir")
    parser.add_argument("--time-passes", action="store_true",
                        help="print the wall time of every pass to stderr")
    parser.add_argument("--no-verify", "--disable-verify", action="store_true",
                        help="do not verify the IR after every pass")
    parser.add_argument("--split-input-file", action="store_true",
                        help=f"process each '{SPLIT_MARKER}'-separated chunk on its own")
    parser.add_argument("--verify-diagnostics", action="store_true",
                        help="check errors and warnings against the input's "
                        "'// expected-error {{...}}' annotations (as mlir-opt); exit 1 and print "
                        "one line per mismatch if they differ")
    parser.add_argument("--load-plugin", action="append", default=[], metavar="MODULE:OBJECT",
                        help="load an xdsl.universe.Universe (module:object or file.py:object)")
    parser.add_argument("--no-plugins", action="store_true",
                        help=f"do not load installed plug-ins (also {NO_PLUGINS_ENV}=1)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    interpret_cli.add_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = PluginSettings(
            load=tuple(absolute_spec(s) for s in args.load_plugin),
            autoload=not (args.no_plugins or os.environ.get(NO_PLUGINS_ENV) == "1"))
        _check_paths(args)
        session = Session(args, discover(settings), settings, _weights(args.weights))
        session.registry.pipeline(args.passes)  # a bad pipeline fails before any parsing
        text = sys.stdin.read() if args.input == "-" else Path(args.input).read_text()
        name = "<stdin>" if args.input == "-" else args.input
        outputs, mismatches = [], []
        for chunk, offset in split_chunks(text, args.split_input_file):
            if not args.verify_diagnostics:
                outputs.append(session.run_chunk(chunk, offset, name))
                continue
            output, wrong = check(partial(session.run_chunk, chunk, offset, name), chunk,
                                  offset + 1, name)
            outputs.append(output)
            mismatches += wrong
        if mismatches:
            sys.stderr.write("".join(f"{line}\n" for line in mismatches))
            return 1
        if args.time_passes:
            sys.stderr.write(timing_report(session.timings))
        text = f"{SPLIT_MARKER}\n".join(outputs)
        if args.output == "-":
            sys.stdout.write(text)
        else:
            write_text(args.output, text)
        return 0
    except (TcError, ParseError, DiagnosticException, OSError) as err:
        if args.debug:
            raise
        print(f"tcc-opt: error: {err}".rstrip(), file=sys.stderr)
        return 1


def _print_warning(diagnostic: Diagnostic) -> None:
    print(f"tcc-opt: warning: {diagnostic.message}", file=sys.stderr)


def _check_paths(args: argparse.Namespace) -> None:
    """Every path argument, before any work (`tcompiler.cli.paths`)."""
    inputs = [input_file(args.input)] if args.input != "-" else []
    for flag, value in (("--weights", args.weights), ("--inputs", args.inputs)):
        if value:
            inputs.append(input_file(value, flag))
    for flag, value in (("-o", None if args.output == "-" else args.output),
                        ("--outputs", args.outputs)):
        if value:
            output_file(value, flag, refuse=inputs)
    if args.dump_ir_dir:
        output_dir(args.dump_ir_dir, "--dump-ir-dir")


def _weights(path: str | None) -> WeightStore | None:
    if not path:
        return None
    return WeightStore(read_npz(path))


if __name__ == "__main__":
    sys.exit(main())
