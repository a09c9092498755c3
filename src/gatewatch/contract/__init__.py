"""The contract: contracts/ loaded into typed objects and compiled validators."""

from __future__ import annotations

from gatewatch.contract.contract import Contract
from gatewatch.contract.loader import (
    contracts_dir,
    default_contract,
    dialect_names,
    load_contract,
    resolve_contract,
)
from gatewatch.contract.model import Recipient, Rule

__all__ = [
    "Contract",
    "Recipient",
    "Rule",
    "contracts_dir",
    "default_contract",
    "dialect_names",
    "load_contract",
    "resolve_contract",
]
