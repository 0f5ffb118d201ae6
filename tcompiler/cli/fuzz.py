"""`tcc fuzz`: a coverage-guided fuzz campaign over tcc's passes (docs/fuzzing.md).

    tcc fuzz --time 10m --out campaign/ [--jobs N | --cluster tcp://host:8786] [--seed S]
             [--passes my-pass,other] [--level onnx|kernels|loops|all] [--corpus DIR]
             [--no-coverage] [--no-ir-mutation] [--no-pass-mutation] [--stop-after N]
             [--json summary.json] [--load-plugin my_plugin:UNIVERSE]
    tcc fuzz --replay campaign/bugs/<bug>/reduced     (exit 1: the bug reproduces)

Running `tcc fuzz --out DIR` on the folder of an earlier (or killed) campaign resumes it.
Ctrl-C ends the campaign with everything written: DIR/report.html, DIR/bugs/, DIR/corpus/.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from tcompiler.errors import OptionError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("fuzz", help="coverage-guided fuzzing of tcc's passes (Tzer-style)")
    p.add_argument("--time", metavar="DURATION", help="how long: 300, 300s, 10m, 1h")
    p.add_argument("--out", metavar="DIR", help="the campaign folder (resumed if it holds one)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=1, help="fuzzing worker processes")
    p.add_argument("--cluster", metavar="ADDRESS", help="a Dask scheduler to fuzz on")
    p.add_argument("--corpus", metavar="DIR", help="seed from these cases (or a campaign)")
    p.add_argument("--passes", metavar="P1,P2", help="focus on these passes (plug-ins too)")
    p.add_argument("--level", default="all", help="onnx | kernels | loops | all (default)")
    p.add_argument("--no-coverage", action="store_true",
                   help="blind: no coverage guidance (coverage is still measured)")
    p.add_argument("--no-ir-mutation", action="store_true", help="do not mutate programs")
    p.add_argument("--no-pass-mutation", action="store_true", help="do not mutate pipelines")
    p.add_argument("--stop-after", type=int, metavar="N", help="stop after N distinct bugs")
    p.add_argument("--pass-timeout", type=float, default=10.0, metavar="SECONDS",
                   help="time budget of one pass; over it is a hang (default 10)")
    p.add_argument("--json", metavar="FILE", help="write the summary here")
    p.add_argument("--replay", metavar="CASE_DIR", help="run one saved case through every "
                   "oracle and print what it finds")


def focus_passes(text: str | None, plugins: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The --passes names (each checked as tcc-opt checks a pipeline) and the package folders
    of the plug-ins that define them (their code joins the coverage)."""
    from tcompiler.plugins import BUILTIN, discover

    if not text:
        return (), ()
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise OptionError(f"--passes {text!r}: no pass names")
    registry = discover(plugins)
    folders: list[str] = []
    for name in names:
        entry = registry.pass_entry(name)  # PipelineError: "unknown pass ..." as in tcc-opt
        cls = registry.pass_class(name)
        if entry.owner.plugin not in ("xdsl", BUILTIN):
            folders.append(package_folder(cls))
    return names, tuple(dict.fromkeys(folders))


def package_folder(cls: type) -> str:
    """The folder of the top-level package defining `cls` (of its file, for a lone module)."""
    module = sys.modules[cls.__module__]
    package = (module.__package__ or "").split(".")[0]
    top = sys.modules.get(package) if package else None
    source = getattr(top or module, "__file__", None) or ""
    return str(Path(source).resolve().parent)


def run(args: argparse.Namespace) -> int:
    if args.replay:
        return replay(args)
    from tcompiler.cli.paths import output_dir, output_file, write_text
    from tcompiler.cli.values import parse_duration, plural
    from tcompiler.fuzz.campaign import Campaign, CampaignConfig
    from tcompiler.fuzz.worker import ExecConfig

    if args.time is None or not args.out:
        raise OptionError("tcc fuzz needs --time DURATION and --out DIR (or --replay CASE_DIR)")
    seconds = parse_duration(args.time)
    if args.pass_timeout <= 0:
        raise OptionError(f"--pass-timeout must be > 0, got {args.pass_timeout}")
    corpus = Path(args.corpus) if args.corpus else None
    if corpus is not None and not corpus.is_dir():
        raise OptionError(f"--corpus {args.corpus}: no such folder")
    out = output_dir(args.out, "--out")
    if args.json:
        output_file(args.json, "--json")
    focus, folders = focus_passes(args.passes, args.plugins)
    config = CampaignConfig(
        seconds=seconds, out=out, seed=args.seed, jobs=args.jobs, cluster=args.cluster,
        corpus=corpus, focus=focus, level=args.level, coverage=not args.no_coverage,
        ir_mutation=not args.no_ir_mutation, pass_mutation=not args.no_pass_mutation,
        stop_after=args.stop_after,
        execution=ExecConfig(plugins=args.plugins, plugin_dirs=folders,
                             pass_seconds=args.pass_timeout))
    summary = Campaign(config, Status(), warn).run()
    if args.json:
        write_text(args.json, json.dumps(summary, indent=1) + "\n")
    bugs = summary["bugs"]
    print(f"{plural(summary['execs'], 'execution')} in {summary['seconds']:.0f}s "
          f"({summary['valid_rate']:.0%} valid), coverage {summary['coverage']['points']}/"
          f"{summary['coverage']['total']} lines, {plural(len(bugs), 'bug')}; report: "
          f"{out / 'report.html'}")
    for bug in bugs:
        print(f"  {bug['kind']:<22} {bug['signature']}  ->  {out / bug['reproducer']}")
    return 0


class Status:
    """The live status line: rewritten in place on a terminal, else a line every 10 s."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, line: str) -> None:
        if self.tty:
            sys.stderr.write(f"\r{line[:150]:<150}")
        elif time.monotonic() - self.last >= 10.0 or line.startswith("resuming"):
            sys.stderr.write(f"{line}\n")
            self.last = time.monotonic()
        sys.stderr.flush()


def warn(line: str) -> None:
    sys.stderr.write(f"\rtcc fuzz: warning: {line}\n")


def replay(args: argparse.Namespace) -> int:
    from tcompiler.fuzz.case import Case
    from tcompiler.fuzz.worker import ExecConfig, Executor

    folder = Path(args.replay)
    try:
        case = Case.load(folder)
    except (OSError, ValueError, KeyError) as err:
        raise OptionError(f"--replay {args.replay}: not a saved case ({err})") from None
    record: dict[str, Any] = {}
    if (folder.parent / "bug.json").exists():
        record = json.loads((folder.parent / "bug.json").read_text())
    with Executor(ExecConfig(plugins=args.plugins, pass_seconds=args.pass_timeout)) as executor:
        execution = executor.run(case, native=True,
                                 differential=record.get("kind") == "pipeline-differential"
                                 or not record, variant=record.get("variant"))
    if execution.finding is None:
        print(f"{execution.status}{': ' + execution.reason if execution.reason else ''}; "
              f"no bug (oracles: {', '.join(execution.oracles) or 'none'})")
        return 0
    finding = execution.finding
    print(f"{finding.kind}: {finding.message}\nsignature: {finding.signature}")
    if finding.expected:
        print(f"expected: {finding.expected}\nactual:   {finding.actual}")
    return 1

