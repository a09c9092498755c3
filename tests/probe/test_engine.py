"""The engine on a fake clock: every classification, the lookup budget, timing estimates."""

from __future__ import annotations

import pytest

from gatewatch.contract import Contract
from gatewatch.probe.engine import SentMessage, run_channel
from gatewatch.probe.outcomes import Outcome
from gatewatch.probe.polling import Backoff

from .conftest import FakeClock, FakeGateway, drop, error_body, exchange, plan, settings, throttle


def run(gateway: FakeGateway, clock: FakeClock, contract: Contract, **changes: object):
    the_plan = changes.pop("plan", plan())
    return run_channel(
        gateway,
        contract,
        the_plan,
        settings(the_plan, **changes),
        clock=clock,
        target="fake",  # type: ignore[arg-type]
    )


def test_delivered_with_exact_times_when_the_clocks_agree(gateway, clock, contract):
    result = run(gateway, clock, contract)
    assert result.outcome is Outcome.DELIVERED and result.final_status == "DELIVERED"
    assert [t.status for t in result.statuses] == ["SENT", "RECEIVED", "DELIVERED"]
    delivered = result.time_to("DELIVERED")
    assert delivered is not None and delivered.server_placed
    # updatedAt has millisecond precision; the send's bracket holds the origin.
    assert delivered.at_s == pytest.approx(0.4, abs=0.003)
    assert delivered.earliest_s <= delivered.at_s <= delivered.latest_s
    assert result.lookups <= Backoff().max_lookups
    assert not result.pending and result.reason is None


@pytest.mark.parametrize("skew", [3600.0, -7.25])
def test_a_server_clock_that_is_off_is_corrected_by_the_brackets(gateway, clock, contract, skew):
    gateway.server_skew = skew
    result = run(gateway, clock, contract)
    delivered = result.time_to("DELIVERED")
    assert result.outcome is Outcome.DELIVERED and delivered is not None
    assert delivered.at_s == pytest.approx(0.4, abs=0.006)  # within the send's bracket


def test_error_carries_the_reason(gateway, clock, contract):
    gateway.path = [(0.0, "SENT"), (0.3, "ERROR")]
    gateway.reason = "Carrier rejected the message"
    result = run(gateway, clock, contract)
    assert result.outcome is Outcome.ERROR
    assert result.reason == "Carrier rejected the message"


def test_expired(gateway, clock, contract):
    gateway.path = [(0.0, "SENT"), (0.3, "EXPIRED")]
    assert run(gateway, clock, contract).outcome is Outcome.EXPIRED


def test_unknown_forever_is_stuck_at_the_deadline(gateway, clock, contract):
    gateway.path = [(0.0, "UNKNOWN")]
    result = run(gateway, clock, contract, plan=plan(deadline=30.0))
    assert result.outcome is Outcome.STUCK
    assert result.last_status == "UNKNOWN" and result.pending
    assert "deadline" in (result.reason or "")
    assert clock.now >= 30.0
    assert result.lookups <= Backoff().max_lookups


def test_the_last_lookup_is_at_the_deadline(gateway, clock, contract):
    gateway.path = [(0.0, "SENT"), (9.5, "DELIVERED")]
    result = run(gateway, clock, contract, plan=plan(deadline=10.0))
    assert result.outcome is Outcome.DELIVERED


def test_send_unreachable(gateway, clock, contract):
    gateway.send_raises = drop(connected=False)
    result = run(gateway, clock, contract)
    assert result.outcome is Outcome.UNREACHABLE and result.outcome.exit_code == 3
    assert result.message_id is None and not result.pending


def test_a_dropped_send_is_send_failed_and_never_resent(gateway, clock, contract):
    gateway.send_raises = drop(connected=True)
    result = run(gateway, clock, contract)
    assert result.outcome is Outcome.SEND_FAILED
    assert gateway.sends == 1


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(401, Outcome.AUTH_FAILED), (403, Outcome.FORBIDDEN), (500, Outcome.SEND_FAILED)],
)
def test_send_answers(gateway, clock, contract, status, outcome):
    gateway.send_status = status
    result = run(gateway, clock, contract)
    assert result.outcome is outcome
    assert str(status) in (result.reason or "")
    assert gateway.lookups == 0


def test_a_success_without_an_id_is_a_violation(clock, contract):
    class NoId(FakeGateway):
        def send(self, channel, to, text):
            return exchange("send", 201, {"channel": channel}, channel=channel)

    result = run(NoId(clock), clock, contract)
    assert result.outcome is Outcome.CONTRACT_VIOLATION
    assert any(v.rule == "send_accepted" for v in result.violations)


def test_lookup_401_is_auth_failed(gateway, clock, contract):
    gateway.lookup_hook = lambda n, gw: exchange(
        "lookup", 401, error_body(contract, 401), message_id=gw.message_id, channel="SMS"
    )
    result = run(gateway, clock, contract)
    assert result.outcome is Outcome.AUTH_FAILED and result.pending
    assert result.outcome.exit_code == 2
    assert "Unauthorized (stub)" in (result.reason or "")  # the error body's text, names from the contract


def test_a_403_on_a_lookup_is_forbidden_not_a_violation(gateway, clock, contract):
    gateway.lookup_hook = lambda n, gw: (
        exchange("lookup", 403, {"not": "the error body"}, message_id=gw.message_id, channel="SMS")
        if n == 2
        else None
    )
    result = run(gateway, clock, contract)
    assert result.outcome is Outcome.FORBIDDEN and result.outcome.exit_code == 2
    assert "allow-list" in (result.reason or "")
    assert result.violations == ()  # the gateway refused this machine; it did not break a rule
    assert gateway.lookups == 2 and result.pending


def test_429s_the_client_waited_out_are_counted_and_the_run_goes_on(gateway, clock, contract):
    def throttled(n: int, gw: FakeGateway):
        if n > 2:
            return None
        body = gw.body("SMS", clock.now)
        waits = (throttle(contract, waited_s=0.5), throttle(contract, waited_s=0.25))
        return exchange("lookup", 200, body, message_id=gw.message_id, channel="SMS", throttled=waits)

    gateway.lookup_hook = throttled
    result = run(gateway, clock, contract)
    assert result.outcome is Outcome.DELIVERED and result.violations == ()
    assert result.throttled == 4
    assert result.throttled_wait_s == pytest.approx(1.5)
    assert result.requests == 1 + gateway.lookups + 4  # each 429 was a request of its own


def test_a_429_the_client_gave_up_on_is_a_missed_lookup(gateway, clock, contract):
    too_many = contract.codes.too_many_requests

    def gave_up(n: int, gw: FakeGateway):
        if n != 2:
            return None
        body = error_body(contract, too_many)
        waits = (throttle(contract), throttle(contract, waited_s=0.0))
        return exchange("lookup", too_many, body, message_id=gw.message_id, channel="SMS", throttled=waits)

    gateway.lookup_hook = gave_up
    result = run(gateway, clock, contract)
    assert result.outcome is Outcome.DELIVERED, result.violations
    assert result.throttled == 2


def test_a_429_within_the_pacing_target_is_a_violation(gateway, clock, contract):
    def unearned(n: int, gw: FakeGateway):
        body = gw.body("SMS", clock.now)
        waits = (throttle(contract, under_limit=True),)
        return exchange(
            "lookup", 200, body, message_id=gw.message_id, channel="SMS", throttled=waits, rate_limit="20/s"
        )

    gateway.lookup_hook = unearned
    result = run(gateway, clock, contract)
    assert result.outcome is Outcome.CONTRACT_VIOLATION
    assert [v.rule for v in result.violations] == ["throttled_below_limit"]
    assert result.violations[0].provenance == contract.rule("throttled_below_limit").origin


def test_a_malformed_body_is_a_violation(gateway, clock, contract):
    gateway.lookup_hook = lambda n, gw: (
        exchange(
            "lookup", 200, None, raw=b'{"customerMessageId": "GW', message_id=gw.message_id, channel="SMS"
        )
        if n == 2
        else None
    )
    result = run(gateway, clock, contract)
    assert result.outcome is Outcome.CONTRACT_VIOLATION
    assert result.violations[0].rule == "response_schema"
    assert gateway.lookups == 2  # the run stops at the first violation


def test_a_final_status_that_changes_is_caught_by_the_confirmations(gateway, clock, contract):
    gateway.path = [(0.0, "SENT"), (0.3, "ERROR"), (0.6, "DELIVERED")]
    gateway.reason = "rejected"
    result = run(gateway, clock, contract)
    assert result.outcome is Outcome.CONTRACT_VIOLATION
    assert result.violations[0].rule == "final_status_stable"


def test_no_confirmation_when_asked(gateway, clock, contract):
    gateway.path = [(0.0, "SENT"), (0.3, "ERROR"), (0.6, "DELIVERED")]
    gateway.reason = "rejected"
    assert run(gateway, clock, contract, confirm_lookups=0).outcome is Outcome.ERROR


def test_dropped_lookups_are_retried(gateway, clock, contract):
    def flaky(n: int, gw: FakeGateway):
        if n % 2 == 0:
            raise drop()
        return None

    gateway.lookup_hook = flaky
    result = run(gateway, clock, contract)
    assert result.outcome is Outcome.DELIVERED
    assert result.transport_errors > 0
    assert result.lookups == gateway.lookups


def test_target_down_mid_run_is_unreachable(gateway, clock, contract):
    def down(n: int, gw: FakeGateway):
        if n > 1:
            raise drop(connected=False)
        return None

    gateway.lookup_hook = down
    result = run(gateway, clock, contract, plan=plan(deadline=5.0))
    assert result.outcome is Outcome.UNREACHABLE
    assert result.pending and result.last_status == "SENT"


def test_never_readable_is_unreachable(gateway, clock, contract):
    def down(n: int, gw: FakeGateway):
        raise drop(connected=True)

    gateway.lookup_hook = down
    result = run(gateway, clock, contract, plan=plan(deadline=2.0))
    assert result.outcome is Outcome.UNREACHABLE


def test_a_stop_request_ends_the_run_as_interrupted(gateway, contract):
    clock = FakeClock(stop_at=0.25)
    gateway.clock = clock
    sent: list[SentMessage] = []
    the_plan = plan()
    result = run_channel(
        gateway, contract, the_plan, settings(the_plan), clock=clock, target="fake", on_sent=sent.append
    )
    assert result.outcome is Outcome.INTERRUPTED and result.pending
    assert [s.message_id for s in sent] == [gateway.message_id]
    assert clock.now == pytest.approx(0.25)


def test_lookups_stay_within_the_budget_for_any_deadline(gateway, clock, contract):
    gateway.path = [(0.0, "UNKNOWN")]
    for deadline in (1.0, 60.0, 3600.0):
        clock.now = 0.0
        gateway.lookups = 0
        result = run(gateway, clock, contract, plan=plan(deadline=deadline))
        assert result.outcome is Outcome.STUCK
        assert result.lookups <= Backoff().max_lookups - 2  # confirmations are reserved


def test_confirmations_that_cannot_get_through_keep_the_final_status(gateway, clock, contract):
    def down_after_final(n: int, gw: FakeGateway):
        if gw.step(clock.now)[1] == "DELIVERED" and gw.lookups > 4:
            raise drop(connected=False)
        return None

    gateway.lookup_hook = down_after_final
    result = run(gateway, clock, contract)
    assert result.outcome is Outcome.DELIVERED
    assert result.transport_errors > 0
    assert result.lookups <= Backoff().max_lookups + 2 * 2  # two confirmations, each retried twice
