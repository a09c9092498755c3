"""Where the load test's gates are when no --slo names them."""

from __future__ import annotations

from pathlib import Path

from gatewatch.core.options.load import DEFAULT_SLO_FILE

# The wheel carries load/slo.yaml here (pyproject.toml force-include), so an installed
# gatewatch has its default gates wherever it runs.
PACKAGED_SLO_FILE = Path(__file__).resolve().parents[1] / "_load" / "slo.yaml"


def default_slo_file() -> str:
    """./load/slo.yaml when it exists, else the source checkout's, else the installed copy."""
    local = Path(DEFAULT_SLO_FILE)
    if local.is_file():
        return DEFAULT_SLO_FILE
    checkout = Path(__file__).resolve().parents[3] / DEFAULT_SLO_FILE
    if checkout.is_file():
        return str(checkout)
    return str(PACKAGED_SLO_FILE)
