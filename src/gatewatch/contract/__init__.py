"""The contract: contracts/ loaded into typed objects and compiled validators."""

from __future__ import annotations

from gatewatch.contract.loader import Contract, Recipient, Rule, default_contract, load_contract

__all__ = ["Contract", "Recipient", "Rule", "default_contract", "load_contract"]
