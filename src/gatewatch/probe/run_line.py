"""The one line per run (and per late final) the probe prints on stdout.

`key=value` pairs after a timestamp, so a person can read it and a log pipeline can
parse it: the outcome is always the third field, the reason (when there is one) quoted.
`final=STATUS@T` is the time from the send to the final status; `bound=` is the most
that time can be off (the bracket between the lookups around the change). With a webhook
receiver, `webhook=` is the delivery webhook's arrival minus the lookup that first showed
the final status (`-0.050s`: the webhook came first), or where it stands (`lost`, `waiting`).
`maintenance="reason"` marks a run inside a maintenance window; with --confirm-failures a
failed run says `confirmation=next` and its confirming probe's line says
`confirmation=confirmed` (it failed too) or `unconfirmed`, with the first run's id and outcome.
"""

from __future__ import annotations

import json

from gatewatch.probe.engine import RunResult
from gatewatch.probe.history import rfc3339
from gatewatch.probe.late import LateCheck


def _quote(text: str) -> str:
    # JSON string escaping keeps a reason with spaces, quotes or newlines on one line.
    return json.dumps(text, ensure_ascii=False)


def run_line(result: RunResult) -> str:
    """`<ended> probe outcome=... target=... channel=... ...` for one run."""
    ended = result.started_at + result.duration_s
    parts = [
        rfc3339(ended),
        "probe",
        f"outcome={result.outcome.value}",
        f"target={result.target}",
        f"channel={result.channel}",
        f"to={result.to}",
    ]
    if result.message_id is not None:
        parts.append(f"id={result.message_id}")
    final = result.time_to(result.final_status) if result.final_status else None
    if final is not None:
        parts += [f"final={result.final_status}@{final.at_s:.3f}s", f"bound={final.bound_s:.3f}s"]
    elif result.last_status is not None:
        parts.append(f"last={result.last_status}")
    if result.statuses:
        parts.append("path=" + ">".join(f"{t.status}@{t.at_s:.3f}" for t in result.statuses))
    parts += [
        f"lookups={result.lookups}",
        f"server_errors={result.server_errors}",
        f"duration={result.duration_s:.3f}s",
    ]
    if result.transport_errors:
        parts.append(f"transport_errors={result.transport_errors}")
    if result.throttled:
        parts.append(f"throttled={result.throttled} throttled_wait={result.throttled_wait_s:.3f}s")
    if result.webhooks is not None:
        parts += _webhook_parts(result)
    parts += _marks(result)
    if result.reason:
        parts.append(f"reason={_quote(result.reason)}")
    return " ".join(parts)


def _marks(result: RunResult) -> list[str]:
    """`maintenance=`, and where the run stands in a confirmation (`confirmation=` ...)."""
    parts = []
    if result.maintenance is not None:
        parts.append(f"maintenance={_quote(result.maintenance)}")
    if result.awaiting_confirmation:
        parts.append("confirmation=next")  # the next line, on this channel, is its verdict
    first = result.confirmation
    if first is not None:
        verdict = "confirmed" if first.confirmed else "unconfirmed"
        parts += [
            f"confirmation={verdict}",
            f"first_run={first.run_id}",
            f"first_outcome={first.outcome.value}",
        ]
    return parts


def _webhook_parts(result: RunResult) -> list[str]:
    """`webhook=` the webhook's time minus the poll's (`+0.120s`: after it), else its state."""
    hooks = result.webhooks
    assert hooks is not None
    parts = [f"webhook={hooks.brief()}"]
    for name, count in (
        ("webhook_duplicates", hooks.duplicates),
        ("webhook_out_of_order", hooks.out_of_order),
        ("webhook_contradicting", hooks.contradicting),
    ):
        if count:
            parts.append(f"{name}={count}")
    return parts


def late_line(check: LateCheck) -> str:
    """The line for a pending message a later run saw final (or saw break a rule)."""
    pending = check.pending
    parts = [
        rfc3339(check.checked_at),
        "probe-late",
        f"outcome={check.outcome.value if check.outcome else 'pending'}",
        f"target={pending.target}",
        f"channel={pending.channel}",
        f"id={pending.message_id}",
        f"run={pending.run_id}",
    ]
    if check.timing is not None:
        timing = check.timing
        parts += [f"final={timing.status}@{timing.at_s:.3f}s", f"bound={timing.bound_s:.3f}s"]
    if check.reason:
        parts.append(f"reason={_quote(check.reason)}")
    if check.violations:
        parts.append(f"violation={_quote(check.violations[0].headline())}")
    return " ".join(parts)
