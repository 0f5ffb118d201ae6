"""Tests marked `slow` here (the three light models with hundreds of MB of weights, the extra
generated seeds) run only when asked for: `python -m pytest tests/interp -m slow`."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _slow_only_when_asked(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("slow") and "slow" not in (
            request.config.option.markexpr or ""):
        pytest.skip("slow: run with -m slow")
