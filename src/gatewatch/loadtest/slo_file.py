"""Where the load test's gates are when no --slo names them."""

from __future__ import annotations

from gatewatch.core.options.load import DEFAULT_SLO_FILE
from gatewatch.core.shipped import packaged, shipped_file

# The wheel carries load/slo.yaml (pyproject.toml force-include), so an installed
# gatewatch has its default gates wherever it runs.
PACKAGED_SLO_FILE = packaged(DEFAULT_SLO_FILE)


def default_slo_file() -> str:
    """./load/slo.yaml when it exists, else the source checkout's, else the installed copy."""
    return shipped_file(DEFAULT_SLO_FILE)
