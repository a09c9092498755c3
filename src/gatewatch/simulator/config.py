"""The simulator's configuration: immutable value objects validated at the edge.

`SimulatorConfig` says where to listen, which keys exist, how fast messages move and
which faults and defects start switched on. `Faults` is the part that can also change
at runtime. Extra API keys come from variables or files, read by gatewatch.core.secrets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any

from gatewatch.contract import Contract
from gatewatch.contract.operations import OPERATION_NAMES
from gatewatch.core.config import SIMULATOR_KEYS
from gatewatch.core.errors import ConfigError
from gatewatch.core.options.simulate import (
    DEFAULT_STEP_S,
    DEFAULT_WEBHOOK_ATTEMPTS,
    DEFAULT_WEBHOOK_BACKOFF_S,
)
from gatewatch.core.ratelimit import NO_LIMIT, RateLimit
from gatewatch.core.secrets import FILE_SUFFIX, read_secret

#: The keys every simulator accepts out of the box (gateway-api.md, pinned): key -> company.
DEFAULT_API_KEYS: Mapping[str, str] = SIMULATOR_KEYS

#: The longest request target the HTTP layer (httptools) can parse: its URL parser keeps
#: offsets in 16 bits, so anything longer is refused before the simulator sees it.
MAX_TARGET_BYTES = 65_535

#: The operations a fault may be scoped to.
OPERATIONS: frozenset[str] = OPERATION_NAMES

# The realistic preset: the vendor page says "a few seconds for SMS, potentially longer
# for RCS and WhatsApp". The contract lists the quick channel first, so each further
# channel waits a little longer than the one before it.
_REALISTIC_FIRST_STEP_S = 2.0
_REALISTIC_EXTRA_STEP_S = 3.0


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


def _rate(name: str, value: float) -> float:
    if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
        raise ConfigError(f"expected a fraction between 0 and 1, got {value!r}", key=name)
    return float(value)


def _non_negative(name: str, value: float) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise ConfigError(f"expected a non-negative number, got {value!r}", key=name)
    return float(value)


def _settings(cls: type, data: object, what: str) -> dict[str, Any]:
    """`data` as keyword arguments of the dataclass `cls`; ConfigError for anything else or unknown keys."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"expected an object of {what} settings")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown {what} settings {unknown}; expected some of {sorted(known)}")
    return dict(data)


def _bounded(name: str, value: int, most: int | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or (most and value > most):
        limit = f" up to {most}" if most else ""
        raise ConfigError(f"expected a positive integer{limit}, got {value!r}", key=name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Faults:
    """Transport-level misbehaviour for probe and load tests (not contract violations).

    Rates are fractions of the requests in scope, spread evenly (a rate of 0.1 hits
    every 10th request), so a test or an SLO gate sees the same counts on every run.
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    malformed_rate: float = 0.0
    #: A fraction of requests (`stall_rate`, spread evenly) freezes the whole simulator for
    #: `stall_ms`, as a process pause would: every connection waits, not just that request.
    stall_ms: float = 0.0
    stall_rate: float = 0.0
    operations: frozenset[str] = OPERATIONS

    def __post_init__(self) -> None:
        _non_negative("latency_ms", self.latency_ms)
        _non_negative("jitter_ms", self.jitter_ms)
        _non_negative("stall_ms", self.stall_ms)
        for name in ("error_rate", "drop_rate", "malformed_rate", "stall_rate"):
            _rate(name, getattr(self, name))
        unknown = set(self.operations) - OPERATIONS
        if unknown or not self.operations:
            raise ConfigError(
                f"expected a non-empty subset of {sorted(OPERATIONS)}, got {sorted(self.operations)}",
                key="operations",
            )
        object.__setattr__(self, "operations", frozenset(self.operations))

    @property
    def active(self) -> bool:
        """True when any fault would change an answer."""
        return bool(
            self.latency_ms
            or self.jitter_ms
            or self.error_rate
            or self.drop_rate
            or self.malformed_rate
            or (self.stall_ms and self.stall_rate)
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Faults:
        """Build from a JSON-like mapping (the control endpoint's body); ConfigError names the key."""
        values = _settings(cls, data, "fault")
        if "operations" in values:
            ops = values["operations"]
            if not isinstance(ops, list | tuple | set | frozenset) or not all(
                isinstance(op, str) for op in ops
            ):
                raise ConfigError("expected a list of operation names", key="operations")
            values["operations"] = frozenset(ops)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, as the control endpoint answers it."""
        return {
            "latency_ms": self.latency_ms,
            "jitter_ms": self.jitter_ms,
            "error_rate": self.error_rate,
            "drop_rate": self.drop_rate,
            "malformed_rate": self.malformed_rate,
            "stall_ms": self.stall_ms,
            "stall_rate": self.stall_rate,
            "operations": sorted(self.operations),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookFaults:
    """Misbehaviour of the delivery webhooks' transport (not contract violations).

    Rates are fractions of the payloads, spread evenly like `Faults`' rates.
    """

    #: Seconds added before each payload is POSTed.
    delay_s: float = 0.0
    #: A fraction of payloads never sent.
    loss: float = 0.0
    #: A fraction of payloads sent twice.
    duplicates: float = 0.0
    #: A fraction of payloads held back and sent after the next one.
    reorder: float = 0.0

    def __post_init__(self) -> None:
        _non_negative("delay_s", self.delay_s)
        for name in ("loss", "duplicates", "reorder"):
            _rate(name, getattr(self, name))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WebhookFaults:
        """Build from a JSON-like mapping (the control endpoint's body); ConfigError names the key."""
        return cls(**_settings(cls, data, "webhook fault"))

    def to_dict(self) -> dict[str, float]:
        """The JSON form, as the control endpoint answers it."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatorConfig:
    """How an embedded gateway simulator listens and behaves."""

    host: str = "127.0.0.1"
    port: int = 0
    #: Everything before /partner-gateway/v1 in the URL (gateway-api.md: `{base}`).
    base_path: str = "/api"
    api_keys: Mapping[str, str] = field(default_factory=lambda: DEFAULT_API_KEYS)
    #: Keys added to `api_keys` (from the environment or a file, never a flag value).
    extra_api_keys: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    #: Seconds between lifecycle steps, for every channel without an override.
    step_s: float = DEFAULT_STEP_S
    step_overrides: Mapping[str, float] = field(default_factory=lambda: _frozen({}))
    #: The oldest messages are forgotten beyond this many.
    max_messages: int = 100_000
    #: Serve /_control/... (runtime faults, defects, reset, true timelines).
    control: bool = False
    faults: Faults = field(default_factory=Faults)
    defects: tuple[str, ...] = ()
    #: Upper case on purpose: a defect that lower-cases echoed ids must be visible.
    id_prefix: str = "GW-"
    #: Seed for latency jitter, so runs repeat.
    seed: int = 0
    #: Requests allowed per API key (gateway-api.md pins it off unless asked for).
    rate_limit: RateLimit = NO_LIMIT
    #: The longest request target (path and query) served; longer is 414 with the error body.
    max_target_bytes: int = MAX_TARGET_BYTES
    #: The most header bytes (names and values) a request may carry; more is 431 with the error body.
    max_header_bytes: int = 32_768
    #: Accept plain-http webhook callbacks to loopback hosts (gateway-api.md: a simulator may, for tests).
    allow_http_loopback_webhooks: bool = False
    webhook_faults: WebhookFaults = field(default_factory=WebhookFaults)
    #: POSTs per delivery webhook at most (the first and its retries), and the backoff before
    #: retry k (k times this many seconds): the vendor documents "a limited number", not how many.
    webhook_attempts: int = DEFAULT_WEBHOOK_ATTEMPTS
    webhook_backoff_s: float = DEFAULT_WEBHOOK_BACKOFF_S
    #: Payloads waiting to be POSTed at most; more are dropped (and counted).
    webhook_queue: int = 10_000

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_keys", _frozen(self.api_keys))
        object.__setattr__(self, "extra_api_keys", _frozen(self.extra_api_keys))
        object.__setattr__(self, "step_overrides", _frozen(self.step_overrides))
        object.__setattr__(self, "defects", tuple(self.defects))
        if not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise ConfigError(f"expected a port between 0 and 65535, got {self.port!r}", key="port")
        _non_negative("step_s", self.step_s)
        for channel, seconds in self.step_overrides.items():
            _non_negative(f"step_overrides.{channel}", seconds)
        if not isinstance(self.max_messages, int) or self.max_messages < 1:
            raise ConfigError(f"expected a positive integer, got {self.max_messages!r}", key="max_messages")
        if self.base_path and (not self.base_path.startswith("/") or self.base_path.endswith("/")):
            raise ConfigError(f"expected '' or a path like /api, got {self.base_path!r}", key="base_path")
        if not self.id_prefix.isascii() or "/" in self.id_prefix or "," in self.id_prefix:
            raise ConfigError("expected URL-safe ASCII without / or ,", key="id_prefix")
        _bounded("max_target_bytes", self.max_target_bytes, MAX_TARGET_BYTES)
        _bounded("max_header_bytes", self.max_header_bytes, None)
        _bounded("webhook_attempts", self.webhook_attempts, None)
        _bounded("webhook_queue", self.webhook_queue, None)
        _non_negative("webhook_backoff_s", self.webhook_backoff_s)
        if not isinstance(self.rate_limit, RateLimit):
            raise ConfigError(f"expected a RateLimit, got {self.rate_limit!r}", key="rate_limit")
        keys = self.all_api_keys
        if not keys or not all(isinstance(k, str) and k and v for k, v in keys.items()):
            raise ConfigError("expected at least one non-empty key with a company", key="api_keys")

    @property
    def all_api_keys(self) -> Mapping[str, str]:
        """Every accepted key and the company it identifies."""
        return {**self.api_keys, **self.extra_api_keys}

    def step_for(self, channel: str) -> float:
        """Seconds between lifecycle steps for messages sent on `channel`."""
        return self.step_overrides.get(channel, self.step_s)

    def check_against(self, contract: Contract) -> None:
        """Raise ConfigError when the config asks for what the contract does not have."""
        unknown = sorted(set(self.step_overrides) - set(contract.channels))
        if unknown:
            raise ConfigError(
                f"channels {unknown} are not in the contract's {list(contract.channels)}",
                key="step_overrides",
            )
        check_rate_limit(self.rate_limit, contract)

    def with_changes(self, **changes: Any) -> SimulatorConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    @classmethod
    def realistic(cls, contract: Contract | None = None, **changes: Any) -> SimulatorConfig:
        """Lifecycle steps of a few seconds, longer on the channels the contract lists later."""
        from gatewatch.contract import default_contract

        channels = (contract or default_contract()).channels
        steps = {
            channel: _REALISTIC_FIRST_STEP_S + index * _REALISTIC_EXTRA_STEP_S
            for index, channel in enumerate(channels)
        }
        return cls(step_s=_REALISTIC_FIRST_STEP_S, step_overrides=steps, **changes)


def check_rate_limit(limit: RateLimit, contract: Contract) -> None:
    """Refuse a rate limit for a dialect that has none (one line, naming the dialect)."""
    if not limit.unlimited and not contract.rate_limits.enabled:
        raise ConfigError(
            f"the {contract.dialect} dialect has no rate limits (rules.yaml rate_limits.enabled is false); "
            f"drop the rate limit {limit}",
            key="rate_limit",
        )


def keys_from_env(names: Iterable[str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Extra API keys from variables holding `KEY=COMPANY[,KEY=COMPANY...]`.

    Each variable may instead name a file through NAME_FILE (gatewatch.core.secrets reads both).
    Keys are secrets, so they never travel as flag values (visible in `ps`); errors name
    the variable, never its value.
    """
    keys: dict[str, str] = {}
    for name in names:
        secret = read_secret(name, environ)
        if secret is None:
            raise ConfigError(f"not set (nor {name}{FILE_SUFFIX})", key=name)
        entries = [entry.strip() for entry in secret.reveal().replace("\n", ",").split(",")]
        entries = [entry for entry in entries if entry]
        if not entries:
            raise ConfigError("expected at least one KEY=COMPANY entry", key=name)
        for entry in entries:
            key, sep, company = entry.partition("=")
            if not sep or not key.strip() or not company.strip():
                raise ConfigError("expected KEY=COMPANY entries separated by commas", key=name)
            keys[key.strip()] = company.strip()
    return keys
