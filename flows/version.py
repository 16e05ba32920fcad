"""The code version recorded on every run and snapshot (the installed package's version)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    CODE_VERSION = version("paperflops")
except PackageNotFoundError:  # running from a source tree that is not installed
    CODE_VERSION = "0.0.0+source"
