"""The top-level packages are this repository's, not the PyPI projects of the same names."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["flows", "extract", "schema", "db", "analysis"])
def test_package_resolves_inside_this_repository(name: str) -> None:
    module = importlib.import_module(name)
    assert Path(module.__file__).resolve().parent == REPO / name


def test_console_script_is_declared() -> None:
    text = (REPO / "pyproject.toml").read_text()
    assert 'paperflops = "flows.cli:app"' in text
