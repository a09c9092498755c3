"""Targets and run configuration: the targets file, flags and environment, validated at the edge.

A targets file (TOML) names targets; `resolve_run` picks one (or builds one from
--base-url), picks the contract (--contracts, else the target's `contract`, else the
vendor's dialect), applies overrides (--rate-limit, --skip-rule) and `read_keys` reads the
keys. A target's table is checked against gatewatch/contract/targets.schema.json first;
what the schema cannot say (the contract's channels, outcomes and destination pattern, a
URL, a rate string) is checked here. Errors name the file, the key and what was expected,
and map to exit code 2.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlsplit

from gatewatch.contract import Contract, default_contract, metaschemas, resolve_contract
from gatewatch.core.errors import ConfigError, ProductionRefused
from gatewatch.core.ratelimit import NO_LIMIT, RateLimit, parse_rate_limit, rate_limit_from_table
from gatewatch.core.secrets import Secret, read_secret

AuthMode = Literal["key", "basic"]
AUTH_MODES: tuple[AuthMode, ...] = ("key", "basic")
DEFAULT_AUTH_MODE: AuthMode = "key"


class TargetKind(StrEnum):
    """What a target is: where it runs decides what may be sent to it."""

    LOCAL = "local"
    STAGING = "staging"
    PRODUCTION = "production"


KINDS: tuple[TargetKind, ...] = tuple(TargetKind)
LOCAL_KIND = TargetKind.LOCAL
PRODUCTION_KIND = TargetKind.PRODUCTION
# A target that does not say its kind.
DEFAULT_KIND = TargetKind.STAGING

CONFIG_ENV = "GATEWATCH_CONFIG"
DEFAULT_CONFIG_FILE = "gatewatch.toml"
DEFAULT_KEY_ENV = "GATEWATCH_API_KEY"
DEFAULT_SECOND_KEY_ENV = "GATEWATCH_SECOND_API_KEY"
#: Set to 1 to see the harness's own stack frames in failure output (they are hidden otherwise).
DEBUG_ENV = "GATEWATCH_DEBUG"
DEFAULT_REPORTS_DIR = Path("reports")
# The pinned test numbers are these digits plus the contract's recipient suffix.
DEFAULT_RECIPIENT_PREFIX = "+39340000"
# The embedded simulator finishes a lifecycle in about a second; a real gateway's
# deadline is configuration (deadlines_s in the targets file).
LOCAL_DEADLINE_S = 10.0
# The simulator's clock runs fast (lifecycle steps of 0.2 s, not seconds), so a local
# target waits a tenth of the contract's retry delays; staging and production use them as is.
LOCAL_RETRY_DELAYS_S = (0.05, 0.1)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeouts:
    """Per-request timeouts, in seconds: every network call has both."""

    connect_s: float = 3.0
    read_s: float = 10.0

    def as_tuple(self) -> tuple[float, float]:
        """The (connect, read) pair requests takes."""
        return (self.connect_s, self.read_s)


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownId:
    """An id that exists on a target, for read-only lookups (production)."""

    id: str
    channel: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MaintenanceWindow:
    """A time the gateway (or a carrier) is known to be down or slow: runs are marked, not silenced."""

    start: float  # epoch seconds, inclusive
    end: float  # epoch seconds, exclusive
    reason: str
    channels: tuple[str, ...] = ()  # empty: every channel

    def covers(self, at: float, channel: str) -> bool:
        """True when `at` (epoch seconds) is inside the window, on `channel`."""
        return self.start <= at < self.end and (not self.channels or channel in self.channels)


#: What a window is called when it was given no reason.
MAINTENANCE_REASON = "maintenance"


def parse_time(text: str, *, key: str, file: str | None = None) -> float:
    """An RFC 3339 time with its offset (`2026-12-05T02:00:00Z`) as epoch seconds; else ConfigError."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ConfigError(
            f'expected an RFC 3339 time with its offset like "2026-12-05T02:00:00Z", got {text!r}',
            file=file,
            key=key,
        )
    return parsed.timestamp()


def maintenance_window(
    start: float,
    end: float,
    reason: str | None,
    *,
    key: str,
    file: str | None = None,
    channels: tuple[str, ...] = (),
) -> MaintenanceWindow:
    """A window, refused (ConfigError) when it ends before it starts."""
    if end <= start:
        raise ConfigError("the maintenance window ends before it starts", file=file, key=key)
    return MaintenanceWindow(start=start, end=end, reason=reason or MAINTENANCE_REASON, channels=channels)


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One gateway to test: where it is, what kind, and how to talk to it."""

    name: str
    kind: TargetKind
    base_url: str | None  # None: the embedded simulator, started for the run
    channels: tuple[str, ...]
    recipients: Mapping[str, str]  # outcome -> number
    timeouts: Timeouts = field(default_factory=Timeouts)
    deadlines_s: Mapping[str, float] = field(default_factory=dict)  # channel -> lifecycle deadline
    initial_delay_s: Mapping[str, float] = field(default_factory=dict)  # channel -> probe wait
    #: channel -> seconds: a probe delivered slower than this is degraded (no key: never).
    degraded_after_s: Mapping[str, float] = field(default_factory=dict)
    #: A failed probe is followed by a second one before it counts (the probe's --confirm-failures).
    confirm_failures: bool = False
    maintenance: tuple[MaintenanceWindow, ...] = ()
    retry_delays_s: tuple[float, ...] = ()
    api_key_env: str = DEFAULT_KEY_ENV
    second_api_key_env: str = DEFAULT_SECOND_KEY_ENV
    #: None: the contract's header and scheme; a scheme of "" sends the key alone.
    auth_header: str | None = None
    auth_scheme: str | None = None
    #: "basic": the key variable holds user:pass, sent as Authorization: Basic.
    auth: AuthMode = DEFAULT_AUTH_MODE
    known_ids: tuple[KnownId, ...] = ()
    #: The gateway's limit for this key (the harness paces under it); NO_LIMIT when none.
    rate_limit: RateLimit = NO_LIMIT
    #: Every send asks for a dry run (the contract's dry-run field): nothing is delivered.
    dry_run_sends: bool = False
    #: The dialect or contracts folder the target speaks (None: the default).
    contract: str | None = None

    @property
    def is_production(self) -> bool:
        """True for targets whose traffic is real and must be opted into."""
        return self.kind == PRODUCTION_KIND

    @property
    def embedded(self) -> bool:
        """True when the run starts its own simulator."""
        return self.base_url is None

    def deadline_for(self, channel: str) -> float:
        """How long a message on `channel` may take to become final."""
        return self.deadlines_s.get(channel, self.deadlines_s.get("default", 60.0))

    def degraded_for(self, channel: str) -> float | None:
        """The channel's degraded threshold (seconds), or None."""
        return self.degraded_after_s.get(channel, self.degraded_after_s.get("default"))

    def require_traffic_allowed(self, allow_production: bool, what: str) -> None:
        """Refuse to send messages or load to production unless explicitly allowed."""
        if self.is_production and not allow_production:
            raise ProductionRefused(
                f"target {self.name!r} is production: refusing to {what} without --allow-production"
            )

    def require_loopback(self, what: str) -> None:
        """Refuse load and soak traffic to anything but 127.0.0.1 (the embedded simulator is)."""
        if self.base_url is None:
            return
        host = urlsplit(self.base_url).hostname or ""
        if host not in LOOPBACK_HOSTS:
            raise ProductionRefused(
                f"{what} sends traffic only to 127.0.0.1 here; target {self.name!r} is {host!r}"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class Keys:
    """The API keys of a run: the primary company's, and a second company's for isolation."""

    primary: Secret | None
    second: Secret | None


def default_recipients(contract: Contract) -> dict[str, str]:
    """The pinned test numbers: one per outcome, ending in the contract's suffix."""
    return {
        outcome: DEFAULT_RECIPIENT_PREFIX + r.suffix.rjust(4, "0")
        for outcome, r in contract.recipients.items()
    }


def find_config_file(explicit: Path | None) -> Path | None:
    """The targets file to use: --config, $GATEWATCH_CONFIG, or ./gatewatch.toml if present."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError("targets file not found", file=str(explicit))
        return explicit
    env = os.environ.get(CONFIG_ENV)
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError("targets file not found", file=str(path), key=CONFIG_ENV)
        return path
    local = Path(DEFAULT_CONFIG_FILE)
    return local if local.is_file() else None


def debug_frames(environ: Mapping[str, str] | None = None) -> bool:
    """Whether output may show the harness's own stack frames ($GATEWATCH_DEBUG set, and not 0)."""
    env = os.environ if environ is None else environ
    return env.get(DEBUG_ENV, "").strip() not in ("", "0")


def load_targets(path: Path, contract: Contract | None = None) -> dict[str, Target]:
    """Every target in the TOML file at `path`, validated."""
    contract = contract or default_contract()
    return {name: _parse_target(name, spec, path, contract) for name, spec in _target_specs(path).items()}


def load_target(path: Path, name: str, contract: Contract, specs: Mapping[str, Any] | None = None) -> Target:
    """The target `name` of the file at `path`, validated against `contract` (its own dialect).

    `specs`: the file's targets as `_target_specs` read them, when the caller has already.
    """
    specs = _target_specs(path, name) if specs is None else specs
    return _parse_target(name, specs[name], path, contract)


def _target_specs(path: Path, name: str | None = None) -> dict[str, Any]:
    """The [targets.NAME] tables (only `name`'s, when given), checked against targets.schema.json.

    Only the chosen target is checked: the others may be for another dialect or version.
    """
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path)) from None
    targets = doc.get("targets")
    if name is not None and isinstance(targets, dict) and targets:
        if name not in targets:
            raise ConfigError(
                f"no target {name!r}; the file has {sorted(targets)}", file=str(path), key="targets"
            )
        doc = {**doc, "targets": {name: targets[name]}}
    problem = metaschemas.first_problem(_targets_validator(), doc)
    if problem is not None:
        raise ConfigError(problem[1], file=str(path), key=problem[0])
    specs: dict[str, Any] = doc["targets"]
    return specs


@cache
def _targets_validator() -> metaschemas.SchemaValidator:
    schema = json.loads(metaschemas.TARGETS_SCHEMA.read_text(encoding="utf-8"))
    target = schema["$defs"]["target"]
    # One place for the kinds and auth modes: the tuples above, not a copy in the JSON file.
    target["properties"]["kind"] = {"enum": list(KINDS)}
    target["properties"]["auth"] = {"enum": list(AUTH_MODES)}
    target["if"]["properties"]["kind"]["enum"] = [kind for kind in KINDS if kind != LOCAL_KIND]
    return metaschemas.validator(schema)


def _parse_target(name: str, spec: Mapping[str, Any], path: Path, contract: Contract) -> Target:
    """A target from its schema-checked table; what the schema cannot say is checked here."""
    file, where = str(path), f"targets.{name}"
    kind = TargetKind(spec.get("kind", DEFAULT_KIND))
    base_url = spec.get("base_url")
    return Target(
        name=name,
        kind=kind,
        base_url=None
        if base_url is None
        else validate_base_url(base_url, file=file, key=f"{where}.base_url"),
        channels=_channels(spec, contract, file, where),
        recipients=_recipients(spec, kind, contract, file, where),
        timeouts=Timeouts(**_seconds(spec.get("timeouts"))),
        deadlines_s=_seconds(spec.get("deadlines_s")),
        initial_delay_s=_seconds(spec.get("initial_delay_s")),
        degraded_after_s=_seconds(spec.get("degraded_after_s")),
        confirm_failures=spec.get("confirm_failures", False),
        maintenance=_maintenance(spec, contract, file, where),
        retry_delays_s=tuple(float(d) for d in spec.get("retry_delays_s", contract.retry_delays_s)),
        api_key_env=spec.get("api_key_env", DEFAULT_KEY_ENV),
        second_api_key_env=spec.get("second_api_key_env", DEFAULT_SECOND_KEY_ENV),
        auth_header=spec.get("auth_header"),
        auth_scheme=spec.get("auth_scheme"),
        auth=spec.get("auth", DEFAULT_AUTH_MODE),
        known_ids=_known_ids(spec, contract, file, where),
        rate_limit=_rate_limit(spec, kind, contract, file, f"{where}.rate_limit"),
        dry_run_sends=spec.get("dry_run_sends", False),
        contract=spec.get("contract"),
    )


def _channels(spec: Mapping[str, Any], contract: Contract, file: str, where: str) -> tuple[str, ...]:
    channels = tuple(spec.get("channels", contract.channels))
    if any(c not in contract.channels for c in channels):
        raise ConfigError(
            f"expected a non-empty list of {list(contract.channels)}, got {list(channels)}",
            file=file,
            key=f"{where}.channels",
        )
    return channels


def _recipients(
    spec: Mapping[str, Any], kind: TargetKind, contract: Contract, file: str, where: str
) -> dict[str, str]:
    """The target's test numbers: its own, else (but for production) the pinned ones."""
    if "recipients" not in spec:
        return {} if kind == PRODUCTION_KIND else default_recipients(contract)
    recipients = dict(spec["recipients"])
    bad_outcomes = sorted(set(recipients) - set(contract.recipients))
    if bad_outcomes:
        raise ConfigError(
            f"unknown outcomes {bad_outcomes}; expected some of {sorted(contract.recipients)}",
            file=file,
            key=f"{where}.recipients",
        )
    for outcome, number in recipients.items():
        check_recipient(contract, number, file=file, key=f"{where}.recipients.{outcome}")
    return recipients


def _known_ids(spec: Mapping[str, Any], contract: Contract, file: str, where: str) -> tuple[KnownId, ...]:
    known_ids = []
    for i, item in enumerate(spec.get("known_ids", [])):
        if item["channel"] not in contract.channels:  # own-name: the targets file's key
            raise ConfigError(
                f'expected {{id = "...", channel = one of {list(contract.channels)}}}',
                file=file,
                key=f"{where}.known_ids[{i}]",
            )
        known_ids.append(KnownId(id=item["id"], channel=item["channel"]))  # own-name
    return tuple(known_ids)


def _maintenance(
    spec: Mapping[str, Any], contract: Contract, file: str, where: str
) -> tuple[MaintenanceWindow, ...]:
    windows = []
    for i, item in enumerate(spec.get("maintenance", [])):
        key = f"{where}.maintenance[{i}]"
        start = parse_time(item["start"], file=file, key=f"{key}.start")
        end = parse_time(item["end"], file=file, key=f"{key}.end")
        channels = tuple(item.get("channels", ()))
        if any(c not in contract.channels for c in channels):
            raise ConfigError(
                f"expected some of {list(contract.channels)}, got {list(channels)}",
                file=file,
                key=f"{key}.channels",
            )
        windows.append(
            maintenance_window(start, end, item.get("reason"), file=file, key=key, channels=channels)
        )
    return tuple(windows)


def _seconds(table: Mapping[str, Any] | None) -> dict[str, float]:
    return {key: float(value) for key, value in (table or {}).items()}


def check_recipient(contract: Contract, number: str, *, key: str, file: str | None = None) -> str:
    """`number` if the contract's send body accepts it as the destination; else ConfigError (exit 2).

    Checked before anything is sent, with the contract's own schema (ECMA-262 patterns),
    so a bad --to or targets-file number is one line, not a run of refused sends.
    """
    validator = contract.validator(contract.schema_file("send_request"))
    field_schema = validator.schema.get("properties", {}).get(contract.send.destination, {})
    errors = list(validator.evolve(schema=field_schema).iter_errors(number))
    if errors:
        pattern = field_schema.get("pattern")
        expected = f"a string matching {pattern}" if pattern else errors[0].message
        raise ConfigError(
            f"{number!r} is not a destination the contract accepts "
            f"({contract.dialect} {contract.send.destination}: expected {expected})",
            file=file,
            key=key,
        )
    return number


def default_rate_limit(kind: TargetKind, contract: Contract) -> RateLimit:
    """A target's limit unless it says otherwise: none for a local one, else the documented plan."""
    return NO_LIMIT if kind == LOCAL_KIND else contract.rate_limits.default_limit()


def _rate_limit(
    spec: Mapping[str, Any], kind: TargetKind, contract: Contract, file: str, key: str
) -> RateLimit:
    value = spec.get("rate_limit")
    if value is None:
        return default_rate_limit(kind, contract)
    if isinstance(value, str):
        return parse_rate_limit(value, contract.rate_limits.plans, key=f"{file}: {key}")
    # A table (targets.schema.json allows nothing else): its keys are already checked.
    return rate_limit_from_table(value, file=file, key=key)


def validate_base_url(url: str, *, file: str | None = None, key: str | None = None) -> str:
    """`url` without a trailing slash, if it is an http(s) URL with a host."""
    if not isinstance(url, str):
        raise ConfigError(f"expected a URL string, got {url!r}", file=file, key=key)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"expected an http(s) URL with a host (e.g. http://127.0.0.1:8080/api), got {url!r}",
            file=file,
            key=key,
        )
    return url.rstrip("/")


def local_target(contract: Contract, base_url: str | None = None, name: str = "local") -> Target:
    """A target for the embedded simulator (or a given URL) with the pinned test recipients."""
    kind: TargetKind = LOCAL_KIND
    if base_url is not None and urlsplit(base_url).hostname not in LOOPBACK_HOSTS:
        kind = TargetKind.STAGING
    return Target(
        name=name,
        kind=kind,
        base_url=base_url,
        channels=contract.channels,
        recipients=default_recipients(contract),
        deadlines_s={"default": LOCAL_DEADLINE_S},
        retry_delays_s=contract.retry_delays_s if kind != LOCAL_KIND else LOCAL_RETRY_DELAYS_S,
        rate_limit=default_rate_limit(kind, contract),
    )


def resolve_target(
    *,
    config_file: Path | None = None,
    target_name: str | None = None,
    base_url: str | None = None,
    contract: Contract | None = None,
    api_key_env: str | None = None,
    second_api_key_env: str | None = None,
    rate_limit: str | None = None,
    specs: Mapping[str, Any] | None = None,
) -> Target:
    """The target a command runs against: --target from the file, --base-url, or the simulator.

    `api_key_env` and `second_api_key_env` rename the variables the keys are read from;
    `rate_limit` (--rate-limit: none, a plan, or N/min,M/s) replaces the target's limit.
    """
    contract = contract or default_contract()
    target = _resolve(config_file, target_name, base_url, contract, specs)
    if api_key_env:
        target = replace(target, api_key_env=api_key_env)
    if second_api_key_env:
        target = replace(target, second_api_key_env=second_api_key_env)
    if rate_limit is not None:
        target = replace(target, rate_limit=parse_rate_limit(rate_limit, contract.rate_limits.plans))
    return target


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """What a command runs against: the target and the contract it is judged by."""

    target: Target
    contract: Contract


SKIPPED_BY_FLAG = "skipped with --skip-rule"


def resolve_run(
    *,
    config_file: Path | None = None,
    target_name: str | None = None,
    base_url: str | None = None,
    contracts: str | Path | None = None,
    rate_limit: str | None = None,
    skip_rules: tuple[str, ...] = (),
    api_key_env: str | None = None,
    second_api_key_env: str | None = None,
) -> Run:
    """The target and contract of a command: --contracts, else the target's `contract`, else the default.

    The targets file is read once, for both.
    """
    path = find_config_file(config_file) if target_name is not None else None
    specs = _target_specs(path, target_name) if path is not None else None
    choice = contracts if contracts not in (None, "") else _target_contract(path, specs, target_name)
    contract = resolve_contract(choice)
    if skip_rules:
        contract = contract.without_rules(skip_rules, SKIPPED_BY_FLAG)
    target = resolve_target(
        config_file=config_file,
        target_name=target_name,
        base_url=base_url,
        contract=contract,
        api_key_env=api_key_env,
        second_api_key_env=second_api_key_env,
        rate_limit=rate_limit,
        specs=specs,
    )
    if choice is not None:
        target = replace(target, contract=str(choice))
    return Run(target=target, contract=contract)


def _target_contract(
    path: Path | None, specs: Mapping[str, Any] | None, target_name: str | None
) -> str | None:
    """The `contract` key of the named target, read before the target is validated against it."""
    if path is None or specs is None or target_name is None:
        return None
    spec = specs.get(target_name)
    value = spec.get("contract") if isinstance(spec, dict) else None
    if value is not None and not isinstance(value, str):
        raise ConfigError(
            f"expected a dialect name or a folder, got {value!r}",
            file=str(path),
            key=f"targets.{target_name}.contract",
        )
    if value is not None and "/" in value and not Path(value).is_absolute():
        # A folder is relative to the targets file, as a reader of the file expects.
        return str(path.parent / value)
    return value


def _resolve(
    config_file: Path | None,
    target_name: str | None,
    base_url: str | None,
    contract: Contract,
    specs: Mapping[str, Any] | None = None,
) -> Target:
    if base_url is not None:
        base_url = validate_base_url(base_url, key="--base-url")
    path = find_config_file(config_file)
    if target_name is None:
        return local_target(contract, base_url, name="base-url" if base_url else "local")
    if path is None:
        raise ConfigError(
            f"--target {target_name!r} needs a targets file "
            f"(--config, ${CONFIG_ENV} or ./{DEFAULT_CONFIG_FILE})"
        )
    # Only the chosen target is validated: the others may speak another dialect.
    target = load_target(path, target_name, contract, specs)
    return replace(target, base_url=base_url) if base_url else target


#: Keys the embedded simulator accepts out of the box, and the company each identifies
#: (gateway-api.md pins key-a for company A and key-b for company B); read-only.
SIMULATOR_KEYS: Mapping[str, str] = MappingProxyType({"key-a": "A", "key-b": "B"})


def read_keys(target: Target, environ: Mapping[str, str] | None = None) -> Keys:
    """The run's keys: the embedded simulator's own with no target, else the target's variables.

    A run that starts its own simulator talks only to it, so it uses the simulator's
    pinned keys whatever the environment holds (an exported key is for a real target);
    a real target's keys come from its environment variables (or their _FILE variants).
    """
    if target.embedded:
        primary, second = SIMULATOR_KEYS
        return Keys(primary=Secret(primary), second=Secret(second))
    return Keys(
        primary=read_secret(target.api_key_env, environ),
        second=read_secret(target.second_api_key_env, environ),
    )
