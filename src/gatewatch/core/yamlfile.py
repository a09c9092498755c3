"""A YAML file read whole, its failures one line naming the file (the contract, the gates, the SLOs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gatewatch.core.errors import ConfigError


def read_yaml(path: Path, *, error: type[ConfigError] = ConfigError, cannot: str = "cannot read") -> Any:
    """The parsed document at `path` (None for an empty file); `error` naming the file when unreadable."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{cannot}: {exc.strerror or exc}", file=str(path)) from None
    except yaml.YAMLError as exc:
        raise error(f"not valid YAML: {exc}", file=str(path)) from None
