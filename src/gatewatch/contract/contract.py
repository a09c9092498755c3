"""The Contract: the machine form of gateway-api.md, one immutable object per dialect."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gatewatch.contract.model import (
    AliasGroup,
    Auth,
    BatchShape,
    Codes,
    ErrorShape,
    Precedence,
    RateLimits,
    Recipient,
    Rule,
    SendShape,
    StatusFields,
)
from gatewatch.contract.operations import Operation
from gatewatch.contract.webhooks import Webhooks
from gatewatch.core.errors import ContractError


@dataclass(frozen=True, slots=True)
class Contract:
    """Everything the simulator serves and every check expects, read from contracts/."""

    root: Path
    dialect: str
    openapi: Mapping[str, Any]
    schemas: Mapping[str, Mapping[str, Any]]
    channels: tuple[str, ...]
    statuses: tuple[str, ...]
    initial_statuses: frozenset[str]
    transitions: Mapping[str, frozenset[str]]
    final_statuses: frozenset[str]
    needs_reason: frozenset[str]
    recipients: Mapping[str, Recipient]
    default_outcome: str
    send_paths: Mapping[str, str]
    lookup_path: str
    batch_path: str
    #: The lookup's path parameter name (e.g. `{customerMessageId}` without braces).
    id_param: str
    channel_param: str
    response_codes: Mapping[Operation, frozenset[int]]
    # (operation, status code) -> the schema file its JSON body must match
    response_schemas: Mapping[tuple[str, int], str]
    #: role (status_body, send_request, ...) -> schema file
    schema_files: Mapping[str, str]
    codes: Codes
    auth: Auth
    fields: StatusFields
    send: SendShape
    batch: BatchShape
    error: ErrorShape
    rate_limits: RateLimits
    precedence: Precedence
    unknown_id_codes: frozenset[int]
    http_layer_codes: frozenset[int]
    json_content_type: str
    updated_at_utc_only: bool
    retry_delays_s: tuple[float, ...]
    aliases: tuple[AliasGroup, ...]
    rules: Mapping[str, Rule]
    #: Delivery webhooks: registration, payload shapes, statusCode mapping, event types, timings.
    webhooks: Webhooks
    _validators: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # -- shapes -------------------------------------------------------------------------

    def validator(self, schema: str) -> Any:
        """A compiled validator for `schema` (a file name under schemas/, e.g. status-body.json)."""
        found = self._validators.get(schema)
        if found is None:
            raise ContractError(f"no schema named {schema!r}", file=str(self.root / "schemas"))
        return found

    def schema_errors(self, schema: str, instance: object) -> list[str]:
        """Human-readable reasons why `instance` does not match `schema` (empty when it does)."""
        errors = sorted(self.validator(schema).iter_errors(instance), key=lambda e: list(e.path))
        return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]

    def schema_file(self, role: str) -> str:
        """The schema file of `role` (status_body, batch_body, send_request, ...).

        Found through openapi.yaml's operations, never by a fixed file name.
        """
        try:
            return self.schema_files[role]
        except KeyError:
            raise ContractError(f"no schema for {role}", file=str(self.root / "openapi.yaml")) from None

    # -- names --------------------------------------------------------------------------

    def aliases_of(self, name: str) -> tuple[AliasGroup, tuple[str, ...]] | None:
        """The alias group `name` belongs to and its other names, or None."""
        for group in self.aliases:
            if name in group.names:
                return group, tuple(n for n in group.names if n != name)
        return None

    # -- lifecycle ----------------------------------------------------------------------

    def can_move(self, before: str, after: str) -> bool:
        """True when `after` may directly follow `before` (equal counts as no move)."""
        return before == after or after in self.transitions.get(before, frozenset())

    def reachable(self, before: str, after: str) -> bool:
        """True when `after` equals `before` or is reachable from it by allowed moves."""
        seen = {before}
        frontier = [before]
        while frontier:  # bounded: at most one visit per status
            current = frontier.pop()
            if current == after:
                return True
            for nxt in self.transitions.get(current, frozenset()):
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        return False

    def is_final(self, status: str) -> bool:
        """True for statuses a message never leaves."""
        return status in self.final_statuses

    # -- recipients ---------------------------------------------------------------------

    def recipient_for(self, number: str) -> Recipient:
        """The test recipient whose suffix `number` ends in, or the default outcome's."""
        for recipient in self.recipients.values():
            if number.endswith(recipient.suffix):
                return recipient
        return self.recipients[self.default_outcome]

    # -- rules --------------------------------------------------------------------------

    def rule(self, rule_id: str) -> Rule:
        """The rule named `rule_id`; a ContractError names the file when it is missing."""
        try:
            return self.rules[rule_id]
        except KeyError:
            raise ContractError(
                f"no rule {rule_id!r}", file=str(self.root / "rules.yaml"), key="rules"
            ) from None

    def enabled(self, rule_id: str) -> bool:
        """True when `rule_id` is switched on (in rules.yaml and for this run)."""
        return self.rule(rule_id).enabled

    def without_rules(self, rule_ids: Iterable[str], reason: str) -> Contract:
        """A copy with `rule_ids` switched off for `reason` (--skip-rule); unknown ids refused."""
        rules = dict(self.rules)
        for rule_id in rule_ids:
            if rule_id not in rules:
                raise ContractError(
                    f"no rule {rule_id!r}; known: {', '.join(sorted(rules))}", key="--skip-rule"
                )
            rules[rule_id] = replace(rules[rule_id], enabled=False, reason=reason)
        copy = replace(self, rules=rules)
        copy._validators.update(self._validators)
        return copy
