"""Shared fixtures: one kernel object cache per test session (or $TCC_CACHE_DIR, as CI sets)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tcompiler.pipeline import CompileOptions


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    configured = os.environ.get("TCC_CACHE_DIR")
    if configured:
        Path(configured).mkdir(parents=True, exist_ok=True)
        return configured
    return str(tmp_path_factory.mktemp("tcc-cache"))


@pytest.fixture(scope="session")
def options(cache_dir: str) -> CompileOptions:
    return CompileOptions(cache_dir=cache_dir, jobs=2)
