"""The load test's own options: one definition each, giving a Locust flag, an env var and a config key.

`OPTIONS` is the table the Locust plugin registers (so ``locust -f load/locustfile.py
--gatewatch-mix ...``, ``GATEWATCH_LOAD_MIX=...`` and ``gatewatch-mix = ...`` in
locust.conf all work); `LoadSettings.from_namespace` validates what Locust parsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatewatch.errors import ConfigError
from gatewatch.loadtest.arrival import DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_LAG_S
from gatewatch.loadtest.kinds import DEFAULT_MIX_TEXT, Mix, parse_mix
from gatewatch.options import BY_NAME as SHARED_BY_NAME

DEFAULT_SLO_FILE = "load/slo.yaml"
DEFAULT_REPORTS_DIR = "reports/load"
ENV_PREFIX = "GATEWATCH_LOAD_"


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


@dataclass(frozen=True, slots=True)
class Option:
    """One option: flag --gatewatch-NAME, env GATEWATCH_LOAD_NAME (unless `env` is False)."""

    name: str
    type: type | None  # None: an on/off flag
    default: Any
    help: str
    env: bool = True

    @property
    def flag(self) -> str:
        """The Locust flag, e.g. --gatewatch-mix."""
        return f"--gatewatch-{self.name}"

    @property
    def dest(self) -> str:
        """The attribute on Locust's parsed options."""
        return "gatewatch_" + self.name.replace("-", "_")

    @property
    def env_var(self) -> str | None:
        """The environment variable, e.g. GATEWATCH_LOAD_MIX."""
        return ENV_PREFIX + self.name.replace("-", "_").upper() if self.env else None


def _shared(name: str, *, env: bool = True) -> Option:
    """A Locust option made from the shared table's (a repeatable one takes commas here)."""
    shared = SHARED_BY_NAME[name]
    text = shared.help + (" Several: comma separated." if shared.multiple else "")
    return Option(name, shared.type, shared.default, text, env=env)


OPTIONS: tuple[Option, ...] = (
    Option("slo", str, None, f"YAML file declaring the SLO gates (default ./{DEFAULT_SLO_FILE})."),
    # The load test's own folder (a reports folder's load/), so not --gatewatch-reports-dir,
    # which names the reports folder itself everywhere else.
    Option("load-dir", str, DEFAULT_REPORTS_DIR, "Where the load summary, histograms and gates are written."),
    Option(
        "mix", str, DEFAULT_MIX_TEXT, "Weights of the request kinds (known, other_channel, unknown, batch)."
    ),
    Option("validate-sample", float, 0.1, "Share of answers validated with the contract checks (0 to 1)."),
    Option("known-ids", int, 24, "Messages each load process sends in its setup phase."),
    Option("batch-size", int, 10, "Ids per batch lookup (known ids of one channel plus 2 unknown)."),
    Option("think-time", float, 0.1, "Closed model: mean pause of a user between requests, seconds."),
    Option("arrival-rate", float, 0.0, "Open model: requests per second started in total (0: closed model)."),
    Option("max-in-flight", int, DEFAULT_MAX_IN_FLIGHT, "Open model: requests in flight per user at most."),
    Option(
        "max-lag-s",
        float,
        DEFAULT_MAX_LAG_S,
        "Open model: how late a start may be made before it is dropped.",
    ),
    Option("warmup-s", float, None, "Seconds not gated at the start (default: warmup_s of the SLO file)."),
    # The shared target options, defined once in gatewatch.options (--host is Locust's base URL).
    *(_shared(name) for name in ("target", "config", "contracts", "skip-rule", "rate-limit")),
    Option(
        "ramp-past-limit",
        None,
        False,
        "Open model: ramp the arrival rate from 0.5x to 1.5x the target's per-second limit "
        "and gate where throttling starts (throttle_onset_min_fraction).",
    ),
    _shared("api-key-env"),
    _shared("allow-production", env=False),
    Option("allow-remote", None, False, "Allow load on a host other than 127.0.0.1.", env=False),
    Option("run-id", str, "", "An id copied into the summary (gatewatch load sets it)."),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadSettings:
    """The validated options of a load process."""

    slo_file: str
    reports_dir: str
    mix: Mix
    validate_sample: float
    known_ids: int
    batch_size: int
    think_time_s: float
    arrival_rate: float
    max_in_flight: int
    max_lag_s: float
    warmup_s: float | None
    target: str | None
    config: str | None
    contracts: str | None
    skip_rules: tuple[str, ...]
    rate_limit: str | None
    ramp: bool
    api_key_env: str | None
    allow_production: bool
    allow_remote: bool
    run_id: str

    @property
    def open_model(self) -> bool:
        """True when requests start on a schedule (an arrival rate, or the ramp) rather than per user."""
        return self.arrival_rate > 0 or self.ramp

    @classmethod
    def from_namespace(cls, options: Any) -> LoadSettings:
        """Read and check the gatewatch options on Locust's parsed options."""
        values = {o.name: getattr(options, o.dest, o.default) for o in OPTIONS}
        sample = _bounded(values["validate-sample"], "validate-sample", 0.0, 1.0)
        ramp = bool(values["ramp-past-limit"])
        arrival_rate = _bounded(values["arrival-rate"], "arrival-rate", 0.0, 1e6)
        if ramp and arrival_rate > 0:
            raise ConfigError(
                "the ramp sets the arrival rate itself: drop --arrival-rate",
                key="--gatewatch-ramp-past-limit",
            )
        return cls(
            slo_file=str(values["slo"] or default_slo_file()),
            reports_dir=str(values["load-dir"]),
            mix=parse_mix(str(values["mix"])),
            validate_sample=sample,
            known_ids=int(_bounded(values["known-ids"], "known-ids", 1, 1000)),
            batch_size=int(_bounded(values["batch-size"], "batch-size", 1, 1000)),
            think_time_s=_bounded(values["think-time"], "think-time", 0.0, 3600.0),
            arrival_rate=arrival_rate,
            max_in_flight=int(_bounded(values["max-in-flight"], "max-in-flight", 1, 10_000)),
            max_lag_s=_bounded(values["max-lag-s"], "max-lag-s", 0.001, 60.0),
            warmup_s=None
            if values["warmup-s"] is None
            else _bounded(values["warmup-s"], "warmup-s", 0.0, 86_400.0),
            target=values["target"] or None,
            config=values["config"] or None,
            contracts=values["contracts"] or None,
            skip_rules=tuple(r.strip() for r in str(values["skip-rule"] or "").split(",") if r.strip()),
            rate_limit=values["rate-limit"] or None,
            ramp=ramp,
            api_key_env=values["api-key-env"] or None,
            allow_production=bool(values["allow-production"]),
            allow_remote=bool(values["allow-remote"]),
            run_id=str(values["run-id"] or ""),
        )


def _bounded(value: Any, name: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"expected a number, got {value!r}", key=f"--gatewatch-{name}") from None
    if not low <= number <= high:
        raise ConfigError(
            f"expected a number from {low:g} to {high:g}, got {number:g}", key=f"--gatewatch-{name}"
        )
    return number
