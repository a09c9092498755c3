"""Where the contract suite's test files are: inside the package, so an installed gatewatch has them."""

from __future__ import annotations

from pathlib import Path


def suite_dir() -> Path:
    """The folder `gatewatch contract` hands to pytest (gatewatch/suite/tests)."""
    return Path(__file__).resolve().with_name("tests")
