"""Targets and run configuration: the targets file, flags and environment, validated at the edge.

A targets file (TOML) names targets; `resolve_run` picks one (or builds one from
--base-url), picks the contract (--contracts, else the target's `contract`, else the
vendor's dialect), applies overrides (--rate-limit, --skip-rule) and `read_keys` reads the
keys. Errors name the file, the key and what was expected, and map to exit code 2.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from gatewatch.contract import Contract, default_contract, resolve_contract
from gatewatch.errors import ConfigError, ProductionRefused
from gatewatch.ratelimit import NO_LIMIT, RateLimit, parse_rate_limit, rate_limit_from_table
from gatewatch.secrets import Secret, read_secret

AuthMode = Literal["key", "basic"]
AUTH_MODES: tuple[AuthMode, ...] = ("key", "basic")

Kind = Literal["local", "staging", "production"]
KINDS: tuple[Kind, ...] = ("local", "staging", "production")

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
class Target:
    """One gateway to test: where it is, what kind, and how to talk to it."""

    name: str
    kind: Kind
    base_url: str | None  # None: the embedded simulator, started for the run
    channels: tuple[str, ...]
    recipients: Mapping[str, str]  # outcome -> number
    timeouts: Timeouts = field(default_factory=Timeouts)
    deadlines_s: Mapping[str, float] = field(default_factory=dict)  # channel -> lifecycle deadline
    initial_delay_s: Mapping[str, float] = field(default_factory=dict)  # channel -> probe wait
    retry_delays_s: tuple[float, ...] = ()
    api_key_env: str = DEFAULT_KEY_ENV
    second_api_key_env: str = DEFAULT_SECOND_KEY_ENV
    #: None: the contract's header and scheme; a scheme of "" sends the key alone.
    auth_header: str | None = None
    auth_scheme: str | None = None
    #: "basic": the key variable holds user:pass, sent as Authorization: Basic.
    auth: AuthMode = "key"
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
        return self.kind == "production"

    @property
    def embedded(self) -> bool:
        """True when the run starts its own simulator."""
        return self.base_url is None

    def deadline_for(self, channel: str) -> float:
        """How long a message on `channel` may take to become final."""
        return self.deadlines_s.get(channel, self.deadlines_s.get("default", 60.0))

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

    `specs`: the file's targets, when the caller has read them already.
    """
    specs = _target_specs(path) if specs is None else specs
    if name not in specs:
        raise ConfigError(f"no target {name!r}; the file has {sorted(specs)}", file=str(path), key="targets")
    return _parse_target(name, specs[name], path, contract)


def _target_specs(path: Path) -> dict[str, Any]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path)) from None
    targets = doc.get("targets")
    if not isinstance(targets, dict) or not targets:
        raise ConfigError("expected a [targets.NAME] table", file=str(path), key="targets")
    return targets


_TARGET_KEYS = frozenset(
    {
        "kind",
        "base_url",
        "channels",
        "recipients",
        "timeouts",
        "deadlines_s",
        "initial_delay_s",
        "retry_delays_s",
        "api_key_env",
        "second_api_key_env",
        "auth_header",
        "auth_scheme",
        "auth",
        "known_ids",
        "rate_limit",
        "dry_run_sends",
        "contract",
    }
)


def _parse_target(name: str, spec: Any, path: Path, contract: Contract) -> Target:
    file = str(path)
    where = f"targets.{name}"
    if not isinstance(spec, dict):
        raise ConfigError("expected a table", file=file, key=where)
    unknown = sorted(set(spec) - _TARGET_KEYS)
    if unknown:
        raise ConfigError(
            f"unknown keys {unknown}; expected some of {sorted(_TARGET_KEYS)}", file=file, key=where
        )
    kind = spec.get("kind", "staging")
    if kind not in KINDS:
        raise ConfigError(f"expected one of {list(KINDS)}, got {kind!r}", file=file, key=f"{where}.kind")
    base_url = spec.get("base_url")
    if base_url is not None:
        base_url = validate_base_url(base_url, file=file, key=f"{where}.base_url")
    elif kind != "local":
        raise ConfigError("required for staging and production targets", file=file, key=f"{where}.base_url")
    channels = tuple(spec.get("channels", contract.channels))
    bad = [c for c in channels if c not in contract.channels]
    if bad or not channels:
        raise ConfigError(
            f"expected a non-empty list of {list(contract.channels)}, got {list(channels)}",
            file=file,
            key=f"{where}.channels",
        )
    recipients = _str_map(spec.get("recipients"), file, f"{where}.recipients")
    if "recipients" not in spec and kind != "production":
        recipients = default_recipients(contract)
    bad_outcomes = sorted(set(recipients) - set(contract.recipients))
    if bad_outcomes:
        raise ConfigError(
            f"unknown outcomes {bad_outcomes}; expected some of {sorted(contract.recipients)}",
            file=file,
            key=f"{where}.recipients",
        )
    for outcome, number in recipients.items():
        check_recipient(contract, number, file=file, key=f"{where}.recipients.{outcome}")
    timeouts_doc = _float_map(spec.get("timeouts"), file, f"{where}.timeouts")
    extra = sorted(set(timeouts_doc) - {"connect_s", "read_s"})
    if extra:
        raise ConfigError(
            f"unknown keys {extra}; expected connect_s, read_s", file=file, key=f"{where}.timeouts"
        )
    retry = spec.get("retry_delays_s", list(contract.retry_delays_s))
    if not isinstance(retry, list) or not all(_is_nonneg_number(d) for d in retry) or len(retry) > 10:
        raise ConfigError(
            "expected a list of at most 10 non-negative seconds",
            file=file,
            key=f"{where}.retry_delays_s",
        )
    known = spec.get("known_ids", [])
    if not isinstance(known, list):
        raise ConfigError("expected a list of {id, channel} tables", file=file, key=f"{where}.known_ids")
    known_ids = []
    for i, item in enumerate(known):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("id"), str)
            and item.get("channel") in contract.channels  # own-name: the targets file's key
        ):
            raise ConfigError(
                f'expected {{id = "...", channel = one of {list(contract.channels)}}}',
                file=file,
                key=f"{where}.known_ids[{i}]",
            )
        known_ids.append(KnownId(id=item["id"], channel=item["channel"]))  # own-name
    return Target(
        name=name,
        kind=kind,
        base_url=base_url,
        channels=channels,
        recipients=recipients,
        timeouts=Timeouts(**timeouts_doc),
        deadlines_s=_float_map(spec.get("deadlines_s"), file, f"{where}.deadlines_s"),
        initial_delay_s=_float_map(spec.get("initial_delay_s"), file, f"{where}.initial_delay_s"),
        retry_delays_s=tuple(float(d) for d in retry),
        api_key_env=_str(spec.get("api_key_env", DEFAULT_KEY_ENV), file, f"{where}.api_key_env"),
        second_api_key_env=_str(
            spec.get("second_api_key_env", DEFAULT_SECOND_KEY_ENV),
            file,
            f"{where}.second_api_key_env",
        ),
        auth_header=_str(spec["auth_header"], file, f"{where}.auth_header")
        if "auth_header" in spec
        else None,
        auth_scheme=_scheme(spec.get("auth_scheme"), file, f"{where}.auth_scheme"),
        auth=_auth_mode(spec.get("auth", "key"), file, f"{where}.auth"),
        known_ids=tuple(known_ids),
        rate_limit=_rate_limit(spec, kind, contract, file, f"{where}.rate_limit"),
        dry_run_sends=_bool(spec.get("dry_run_sends", False), file, f"{where}.dry_run_sends"),
        contract=_str(spec["contract"], file, f"{where}.contract") if "contract" in spec else None,
    )


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


def default_rate_limit(kind: Kind, contract: Contract) -> RateLimit:
    """A target's limit unless it says otherwise: none for a local one, else the documented plan."""
    return NO_LIMIT if kind == "local" else contract.rate_limits.default_limit()


def _rate_limit(spec: Mapping[str, Any], kind: Kind, contract: Contract, file: str, key: str) -> RateLimit:
    value = spec.get("rate_limit")
    if value is None:
        return default_rate_limit(kind, contract)
    if isinstance(value, str):
        return parse_rate_limit(value, contract.rate_limits.plans, key=f"{file}: {key}")
    if isinstance(value, dict):
        return rate_limit_from_table(value, file=file, key=key)
    raise ConfigError(
        'expected { per_minute = N, per_second = M } or a string ("production", "none", "1000/min,50/s")',
        file=file,
        key=key,
    )


def _scheme(value: object, file: str, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value != value.strip() or " " in value:
        raise ConfigError(f'expected a scheme word, or "" for none, got {value!r}', file=file, key=key)
    return value


def _auth_mode(value: object, file: str, key: str) -> AuthMode:
    if value not in AUTH_MODES:
        raise ConfigError(f"expected one of {list(AUTH_MODES)}, got {value!r}", file=file, key=key)
    mode: AuthMode = value
    return mode


def _bool(value: object, file: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"expected true or false, got {value!r}", file=file, key=key)
    return value


def _is_nonneg_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _str(value: object, file: str, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"expected a non-empty string, got {value!r}", file=file, key=key)
    return value


def _str_map(value: object, file: str, key: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values()):
        raise ConfigError("expected a table of non-empty strings", file=file, key=key)
    return dict(value)


def _float_map(value: object, file: str, key: str) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(_is_nonneg_number(v) and v > 0 for v in value.values()):
        raise ConfigError("expected a table of positive numbers (seconds)", file=file, key=key)
    return {k: float(v) for k, v in value.items()}


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
    kind: Kind = "local"
    if base_url is not None and urlsplit(base_url).hostname not in LOOPBACK_HOSTS:
        kind = "staging"
    return Target(
        name=name,
        kind=kind,
        base_url=base_url,
        channels=contract.channels,
        recipients=default_recipients(contract),
        deadlines_s={"default": LOCAL_DEADLINE_S},
        retry_delays_s=contract.retry_delays_s if kind != "local" else LOCAL_RETRY_DELAYS_S,
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
    specs = _target_specs(path) if path is not None else None
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


# Keys the embedded simulator accepts out of the box (gateway-api.md pins key-a and key-b).
SIMULATOR_KEYS = ("key-a", "key-b")


def read_keys(target: Target, environ: Mapping[str, str] | None = None) -> Keys:
    """The run's keys: the embedded simulator's own with no target, else the target's variables.

    A run that starts its own simulator talks only to it, so it uses the simulator's
    pinned keys whatever the environment holds (an exported key is for a real target);
    a real target's keys come from its environment variables (or their _FILE variants).
    """
    if target.embedded:
        return Keys(primary=Secret(SIMULATOR_KEYS[0]), second=Secret(SIMULATOR_KEYS[1]))
    return Keys(
        primary=read_secret(target.api_key_env, environ),
        second=read_secret(target.second_api_key_env, environ),
    )
