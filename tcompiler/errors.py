"""User-facing errors.

Every error a user can cause (a bad model, an unsupported op, a bad option, a corrupt artifact,
a wrong input at run time) is a `TcError`: the CLI prints its one-line message, never a
traceback (unless `--debug`), and exits with its `exit_code`.
"""

from __future__ import annotations


class TcError(Exception):
    """Base of every user-facing tcc error. `str(err)` is the whole message."""

    exit_code: int = 1


class ModelError(TcError):
    """The ONNX file is missing, unreadable, malformed or fails `onnx.checker`."""


class UnsupportedModelError(TcError):
    """The model uses ops, opsets or types tcc does not support (all listed at once)."""

    exit_code = 2

    def __init__(self, problems: list[str], model: str = "model"):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        count = f"{len(problems)} unsupported construct{'' if len(problems) == 1 else 's'}"
        super().__init__(f"{model}: {count}:\n{lines}")


class ShapeError(TcError):
    """A shape is symbolic or inconsistent, or an `--input-shape` is malformed."""


class OptionError(TcError):
    """A command-line or API option is invalid."""


class ArtifactError(TcError):
    """A `.tcc` artifact is corrupt, truncated, foreign or built for another machine."""


class InputError(TcError):
    """Inputs given at run time do not match the model's inputs (name, shape, dtype)."""


class PipelineError(TcError):
    """A pass pipeline string is malformed or names an unknown pass or option."""


class CompileError(TcError):
    """An internal stage failed; the message carries a `tcc-opt` reproducer line (except for a
    pass precondition failure: one line naming the pass and the op outside its contract)."""


def first_line(err: BaseException) -> str:
    """The first line of `err`'s message, or its type name when it has none."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
