"""tcompiler (`tcc`): compiles ONNX models to native CPU code through xDSL and LLVM."""

from __future__ import annotations

__version__ = "0.1.0"
