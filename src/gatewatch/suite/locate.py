"""Where the contract suite's test files are: the checkout's tests/contract, or the installed copy."""

from __future__ import annotations

from pathlib import Path


def suite_dir() -> Path:
    """The folder `gatewatch contract` hands to pytest."""
    here = Path(__file__).resolve()
    checkout = here.parents[3] / "tests" / "contract"
    if (checkout / "conftest.py").is_file():
        return checkout
    return here.parents[1] / "_suite"
