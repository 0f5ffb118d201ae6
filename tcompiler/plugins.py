"""Plug-ins: where every pass and dialect name that tcc accepts comes from.

A `Registry` maps names to lazy factories and records which package owns each one. `discover`
builds it from, in order:

  1. xDSL's own passes and dialects (package ``xdsl``: ``cse``, ``canonicalize``, ``arith``...);
  2. every `xdsl.universe.Universe` in the entry-point group ``tcompiler.plugins``; tcc's own
     passes and dialects come through it too (``tcompiler = tcompiler.universe:TCC_UNIVERSE``),
     as xDSL's do through ``xdsl.universe``;
  3. every ``--load-plugin`` spec: ``module:object`` (importable, the current directory is on
     the path as for ``python -m``) or ``path/to/file.py:object``.

With ``autoload=False`` (``--no-plugins``, ``TCC_NO_PLUGINS=1``) step 2 reads only tcc's own
universe. Errors are lazy, so a broken plug-in breaks only the commands that use it:

  - a plug-in that fails to import (or is not a Universe) is recorded in `Registry.broken`; an
    unknown pass name then says which plug-ins failed and why;
  - a name defined twice is recorded in `Registry.conflicts`; using it is an error naming both
    packages; other names keep working;
  - a pass factory that raises fails the command that names that pass, naming its plug-in.

Only an explicit ``--load-plugin`` that fails is an error at once. Nothing here reads the
environment: the CLIs turn flags and variables into a `PluginSettings`.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, get_type_hints

from xdsl.context import Context
from xdsl.ir import Dialect
from xdsl.passes import ModulePass, PassPipeline, PassPipelineCallbackType, get_pass_option_infos
from xdsl.universe import Universe
from xdsl.utils.arg_spec import ArgSpec, parse_pipeline
from xdsl.utils.exceptions import ArgSpecParseError
from xdsl.utils.hints import isa

from tcompiler.errors import PipelineError, TcError, first_line
from tcompiler.plugin_settings import PluginSettings as PluginSettings
from tcompiler.plugin_settings import absolute_spec as absolute_spec

GROUP = "tcompiler.plugins"
"""The entry-point group whose objects are `xdsl.universe.Universe` instances."""

BUILTIN = "tcompiler"
"""The entry-point name of tcc's own universe."""


class PluginError(TcError):
    """A plug-in failed to load, or two plug-ins define the same name."""


@dataclass(frozen=True)
class Owner:
    """Where a name comes from: the plug-in (entry-point name or load spec) and its package."""

    plugin: str
    package: str

    def __str__(self) -> str:
        if self.plugin == self.package.split(" ")[0]:
            return f"package {self.package}"
        return f"plug-in '{self.plugin}' (package {self.package})"


@dataclass(frozen=True)
class Entry:
    name: str
    factory: Callable[[], Any]
    owner: Owner


@dataclass
class Registry:
    passes: dict[str, Entry] = field(default_factory=dict)
    dialects: dict[str, Entry] = field(default_factory=dict)
    conflicts: dict[tuple[str, str], list[Owner]] = field(default_factory=dict)  # (kind, name)
    broken: dict[str, str] = field(default_factory=dict)  # plug-in -> one-line reason

    # --- building ---------------------------------------------------------------------------

    def add_universe(self, universe: Universe, owner: Owner) -> None:
        for kind, table, names in (("pass", self.passes, universe.all_passes),
                                   ("dialect", self.dialects, universe.all_dialects)):
            for name, factory in names.items():
                if (kind, name) in self.conflicts:
                    self.conflicts[(kind, name)].append(owner)
                elif name in table:
                    self.conflicts[(kind, name)] = [table.pop(name).owner, owner]
                else:
                    table[name] = Entry(name, factory, owner)

    # --- passes -----------------------------------------------------------------------------

    def pass_entry(self, name: str) -> Entry:
        self._check_conflict("pass", name)
        entry = self.passes.get(name)
        if entry is None:
            raise PipelineError(self._unknown_pass(name))
        return entry

    def pass_class(self, name: str) -> type[ModulePass]:
        entry = self.pass_entry(name)
        try:
            cls = entry.factory()
        except Exception as err:  # a plug-in's own import error: name the plug-in
            raise PluginError(f"pass '{name}' from {entry.owner} failed to load: "
                              f"{type(err).__name__}: {first_line(err)}") from err
        if not (isinstance(cls, type) and issubclass(cls, ModulePass)):
            raise PluginError(f"pass '{name}' from {entry.owner}: factory returned {cls!r}, "
                              "not a ModulePass subclass")
        if cls.name != name:
            raise PluginError(f"pass '{name}' from {entry.owner}: its class "
                              f"{cls.__qualname__} is named '{cls.name}'")
        return cls

    def parse_pipeline(self, spec: str) -> list[ArgSpec]:
        """The pipeline text as pass specs; a malformed text is a one-line PipelineError."""
        try:
            return list(parse_pipeline(spec))
        except ArgSpecParseError as err:
            raise PipelineError(f"malformed pass pipeline {spec!r}: {_spec_error(err)}") from None

    def make_pass(self, spec: ArgSpec) -> ModulePass:
        cls = self.pass_class(spec.name)
        try:
            return cls.from_spec(_ints_as_floats(spec, cls))
        except (ValueError, TypeError) as err:
            options = ", ".join(option_text(o) for o in pass_options(cls))
            raise PipelineError(f"pass '{spec.name}': bad options {_options_text(spec)}: {err} "
                                f"(options: {options or 'none'})") from None

    def pipeline(self, spec: str, callback: PassPipelineCallbackType | None = None
                 ) -> PassPipeline:
        """`-p` text -> PassPipeline: every pass looked up, every option typed and checked."""
        return PassPipeline(tuple(self.make_pass(s) for s in self.parse_pipeline(spec)), callback)

    def _unknown_pass(self, name: str) -> str:
        message = f"unknown pass '{name}'"
        close = difflib.get_close_matches(name, list(self.passes), n=1)
        if close:
            message += f" (did you mean '{close[0]}'?)"
        message += "; `tcc passes` lists them all"
        for plugin, reason in self.broken.items():
            message += f"; note: plug-in '{plugin}' {reason}"
        return message

    def _check_conflict(self, kind: str, name: str) -> None:
        owners = self.conflicts.get((kind, name))
        if owners:
            raise PluginError(conflict_message(kind, name, owners))

    # --- dialects ---------------------------------------------------------------------------

    def register_dialects(self, ctx: Context) -> None:
        """Make every dialect known to `ctx` (lazily: a plug-in dialect loads when first parsed)."""
        loaded = {d.name for d in ctx.loaded_dialects} | set(ctx.registered_dialect_names)
        for name, entry in self.dialects.items():
            if name not in loaded:
                ctx.register_dialect(name, _checked_dialect(entry))
        for (kind, name), owners in self.conflicts.items():
            if kind != "dialect":
                continue
            error = PluginError(conflict_message(kind, name, owners))
            if name in loaded:  # already in use by this context: fail now
                raise error
            ctx.register_dialect(name, _raiser(error))  # fail when first parsed

    def notes(self) -> list[str]:
        """One line per broken plug-in and per conflicting name."""
        lines = [f"plug-in '{plugin}' {reason}" for plugin, reason in self.broken.items()]
        lines += [conflict_message(kind, name, owners)
                  for (kind, name), owners in self.conflicts.items()]
        return lines


def conflict_message(kind: str, name: str, owners: list[Owner]) -> str:
    both = " and by ".join(str(o) for o in owners)
    return (f"{kind} '{name}' is defined twice: by {both}; uninstall one of them "
            "(or use --no-plugins)")


def pass_options(cls: type[ModulePass]) -> list[Any]:
    """The typed options of a pass (`name`, `expected_type`, `default_value`)."""
    return [o for o in get_pass_option_infos(cls) if o.name != "name"]


def option_text(option: Any) -> str:
    """`method: str = greedy`."""
    text = f"{option.name}: {option.expected_type.strip(chr(39))}"
    return text if option.default_value is None else f"{text} = {option.default_value}"


def pass_spec_text(p: ModulePass) -> str:
    """`name{opt=value ...}` with every option, defaults included (for manifests and repro)."""
    return str(p.spec(include_default=True))


# --- discovery ------------------------------------------------------------------------------


def discover(settings: PluginSettings = PluginSettings()) -> Registry:
    """The registry for `settings` (see the module docstring for the order and the errors)."""
    from xdsl.dialects import get_all_dialects
    from xdsl.transforms import get_all_passes

    registry = Registry()
    registry.add_universe(Universe(all_dialects=get_all_dialects(), all_passes=get_all_passes()),
                          Owner("xdsl", _version("xdsl")))
    seen: set[int] = set()
    builtin_seen = False
    for ep in _entry_points(settings.autoload):
        owner = Owner(ep.name, _package(ep))
        try:
            universe = ep.load()
        except Exception as err:  # noqa: BLE001  (any plug-in error: record it, go on)
            registry.broken[ep.name] = (f"(entry point {ep.value}, package {owner.package}) "
                                        f"failed to import: {type(err).__name__}: "
                                        f"{first_line(err)}")
            continue
        if not isinstance(universe, Universe):
            registry.broken[ep.name] = (f"(entry point {ep.value}) is a "
                                        f"{type(universe).__name__}, not an xdsl.universe.Universe")
            continue
        builtin_seen |= ep.name == BUILTIN
        if id(universe) not in seen:
            seen.add(id(universe))
            registry.add_universe(universe, owner)
    if not builtin_seen:  # --no-plugins, or a source tree without installed metadata
        from tcompiler.universe import TCC_UNIVERSE

        if id(TCC_UNIVERSE) not in seen:
            seen.add(id(TCC_UNIVERSE))
            registry.add_universe(TCC_UNIVERSE, Owner(BUILTIN, _version(BUILTIN)))
    for spec in settings.load:
        universe = load_plugin(spec)
        if id(universe) not in seen:  # the same plug-in installed and loaded by hand
            seen.add(id(universe))
            registry.add_universe(universe, Owner(spec, spec.split(":")[0]))
    return registry


def builtin_registry() -> Registry:
    """xDSL's and tcc's own passes and dialects only: no plug-ins."""
    return discover(PluginSettings(autoload=False))


def build_pipeline(spec: str, callback: PassPipelineCallbackType | None = None,
                   registry: Registry | None = None) -> PassPipeline:
    """`spec` as a PassPipeline over `registry` (default: xDSL's and tcc's own passes)."""
    return (registry or builtin_registry()).pipeline(spec, callback)


def load_plugin(spec: str) -> Universe:
    """``module:object`` or ``path/to/file.py:object`` -> the Universe it names."""
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        raise PluginError(f"--load-plugin {spec!r}: expected MODULE:OBJECT or FILE.py:OBJECT")
    try:
        module = _import(target)
        universe = getattr(module, attr)
    except Exception as err:
        raise PluginError(f"--load-plugin {spec!r} failed: {type(err).__name__}: "
                          f"{first_line(err)}") from err
    if not isinstance(universe, Universe):
        raise PluginError(f"--load-plugin {spec!r}: {attr} is a {type(universe).__name__}, "
                          "not an xdsl.universe.Universe")
    return universe


def _import(target: str) -> Any:
    if target.endswith(".py"):
        path = Path(target).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"no such file {target}")
        name = f"tcc_plugin_{path.stem}_{abs(hash(str(path)))}"
        if name in sys.modules:
            return sys.modules[name]
        module_spec = importlib.util.spec_from_file_location(name, path)
        assert module_spec is not None and module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
        return module
    cwd = os.getcwd()
    if cwd not in sys.path:  # as `python -m` does, so a plug-in beside the model just works
        sys.path.append(cwd)
    return importlib.import_module(target)


def _entry_points(autoload: bool) -> Iterable[EntryPoint]:
    if not autoload:  # tcc's own universe is added directly, without scanning the environment
        return []
    return sorted(entry_points(group=GROUP), key=lambda ep: (ep.name != BUILTIN, ep.name))


def _package(ep: EntryPoint) -> str:
    dist = ep.dist
    return f"{dist.name} {dist.version}" if dist is not None else ep.value.split(":")[0]


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{dist} {version(dist)}"
    except PackageNotFoundError:
        return dist


def _spec_error(err: ArgSpecParseError) -> str:
    """xDSL's multi-line pipeline parse error as 'what, at column N'."""
    lines = [line for line in str(err).splitlines() if line.strip()]
    where = lines[1].rsplit(":", 1)[-1] if len(lines) > 1 else "?"
    what = lines[-1].strip().removesuffix(" here") if lines else "parse error"
    return f"{what[:1].lower()}{what[1:]} at column {where}"


def _ints_as_floats(spec: ArgSpec, cls: type[ModulePass]) -> ArgSpec:
    """`spec` with the integers given to float options as floats: xDSL types `time-limit=1`
    as an int and its float option would reject it, where mlir-opt takes `1` for a float."""
    hints = get_type_hints(cls)
    parameters = {}
    for key, values in spec.normalize_parameter_names().parameters.items():
        hint = hints.get(key)
        if hint is not None and _takes(hint, 1.0) and not _takes(hint, 1):
            values = tuple(float(v) if type(v) is int else v for v in values)
        parameters[key] = values
    return ArgSpec(spec.name, parameters)


def _takes(hint: Any, value: float) -> bool:
    """Whether an option typed `hint` accepts `value` alone or as a one-element list."""
    return isa(value, hint) or isa((value,), hint)


def _options_text(spec: ArgSpec) -> str:
    return str(spec)[len(spec.name):] or "{}"


def _checked_dialect(entry: Entry) -> Callable[[], Dialect]:
    def load() -> Dialect:
        try:
            return entry.factory()
        except Exception as err:
            raise PluginError(f"dialect '{entry.name}' from {entry.owner} failed to load: "
                              f"{type(err).__name__}: {first_line(err)}") from err

    return load


def _raiser(err: Exception) -> Callable[[], Dialect]:
    def load() -> Dialect:
        raise err

    return load


def pipeline_record(registry: Registry, spec: str) -> list[dict[str, str]]:
    """Each pass of `spec` with its package, full options and a hash of its source file (what
    the artifact manifest records and the kernel object cache keys on)."""
    import hashlib
    import inspect

    record = []
    for arg_spec in registry.parse_pipeline(spec):
        p = registry.make_pass(arg_spec)
        try:
            source = Path(inspect.getsourcefile(type(p)) or "").read_bytes()
        except (OSError, TypeError):
            source = b""
        record.append({"name": p.name, "package": registry.pass_entry(p.name).owner.package,
                       "options": pass_spec_text(p),
                       "source_sha256": hashlib.sha256(source).hexdigest()})
    return record
