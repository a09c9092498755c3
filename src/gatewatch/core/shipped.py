"""Files shipped beside the code (the load test's gates, the probe's SLOs), wherever gatewatch runs.

A file named relative to the source checkout (`load/slo.yaml`) is looked for in the working
folder first (the user's own copy), then in the checkout gatewatch runs from, then in the
installed wheel, which carries it as `gatewatch/_load/slo.yaml` (pyproject.toml's
force-include: the top folder's name with a leading underscore).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]
_CHECKOUT = _PACKAGE.parents[1]


def packaged(relative: str) -> Path:
    """Where the wheel carries the checkout's file `relative`."""
    return _PACKAGE / f"_{relative}"


def shipped_file(relative: str) -> str:
    """./RELATIVE when it exists, else the source checkout's, else the installed copy."""
    if Path(relative).is_file():
        return relative
    checkout = _CHECKOUT / relative
    if checkout.is_file():
        return str(checkout)
    return str(packaged(relative))
