"""Shared fixtures: one kernel object cache per test session (or $TCC_CACHE_DIR, as CI sets).

The suite does not depend on what else is installed: every `tcc` and `tcc-opt` it runs (in
process or as a subprocess) has installed plug-ins off (`TCC_NO_PLUGINS=1`), and in-process
compiles that name extra passes use `PluginSettings(autoload=False)`. Only the tests of
discovery itself turn it back on, for the fake installs they make (`tests/plugins/conftest.py`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tcompiler.pipeline import CompileOptions


def pytest_configure(config: pytest.Config) -> None:
    os.environ["TCC_NO_PLUGINS"] = "1"


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
