"""The harness's rate limits: parsing, pacing under a fake clock, and reading what a 429 says."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from gatewatch.core.errors import ConfigError
from gatewatch.core.ratelimit import (
    NO_LIMIT,
    Pacer,
    PacingTimeout,
    RateLimit,
    header_int,
    parse_rate_limit,
    rate_limit_from_table,
    retry_after_s,
)

PLANS = {"production": RateLimit(1000, 50), "trial": RateLimit(60, 1)}


class FakeTime:
    """A clock that only moves when the code under test sleeps (or the test says so)."""

    def __init__(self, t: float = 5000.0) -> None:
        self.t = t
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.slept.append(seconds)
        self.t += seconds


def max_in_window(stamps: list[float], window: float) -> int:
    """The most stamps in any half-open window (t - window, t]; the maximum is at a stamp."""
    return max(sum(1 for s in stamps[: i + 1] if s > t - window) for i, t in enumerate(stamps))


# -- RateLimit and parsing ---------------------------------------------------------------


def test_rate_limit_text_and_unlimited() -> None:
    assert str(RateLimit(1000, 50)) == "1000/min,50/s"
    assert str(RateLimit(per_minute=1000)) == "1000/min"
    assert str(RateLimit(per_second=50)) == "50/s"
    assert str(NO_LIMIT) == "none"
    assert NO_LIMIT.unlimited
    assert not RateLimit(per_second=1).unlimited


@pytest.mark.parametrize("bad", [0, -5, True, 1.5, "10"])
def test_rate_limit_refuses_non_positive_or_non_int(bad: object) -> None:
    with pytest.raises(ConfigError, match="per_second must be a positive integer"):
        RateLimit(per_second=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("none", NO_LIMIT),
        (" NONE ", NO_LIMIT),
        ("1000/min,50/s", RateLimit(1000, 50)),
        ("50/s,1000/min", RateLimit(1000, 50)),
        ("1000/min , 50/s", RateLimit(1000, 50)),
        ("1000 / min,50 / s", RateLimit(1000, 50)),
        ("1000/min", RateLimit(per_minute=1000)),
        ("1000/m", RateLimit(per_minute=1000)),
        ("1000/minute", RateLimit(per_minute=1000)),
        ("1000/MIN", RateLimit(per_minute=1000)),
        ("50/s", RateLimit(per_second=50)),
        ("50/sec", RateLimit(per_second=50)),
        ("50/second", RateLimit(per_second=50)),
        ("production", PLANS["production"]),
        ("trial", PLANS["trial"]),
        ("Production", PLANS["production"]),
    ],
)
def test_parse_rate_limit_accepts(text: str, expected: RateLimit) -> None:
    assert parse_rate_limit(text, PLANS) == expected


def test_parsed_text_round_trips() -> None:
    for limit in (RateLimit(1000, 50), RateLimit(per_minute=7), RateLimit(per_second=3), NO_LIMIT):
        assert parse_rate_limit(str(limit), {}) == limit


@pytest.mark.parametrize(
    "text",
    ["fast", "", "1000", "1000/h", "1000/min,", "1000/min,50/s,5/s", "0/s", "-1/s", "1.5/s", "10/min\n5/s"],
)
def test_parse_rate_limit_refuses_with_one_line_naming_what_was_expected(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_rate_limit(text, PLANS, key="--limit")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("--limit: ")
    assert "expected none, production, trial or N/min,M/s (e.g. 1000/min,50/s), got " in message
    assert repr(text) in message
    assert caught.value.key == "--limit"


def test_parse_rate_limit_message_exactly() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_rate_limit("fast", PLANS)
    assert str(caught.value) == (
        "--rate-limit: expected none, production, trial or N/min,M/s (e.g. 1000/min,50/s), got 'fast'"
    )


def test_parse_rate_limit_without_plans_names_only_the_forms() -> None:
    with pytest.raises(ConfigError, match=r"expected none or N/min,M/s"):
        parse_rate_limit("trial", {})


def test_rate_limit_from_table() -> None:
    assert rate_limit_from_table({"per_minute": 1000, "per_second": 50}, file="t.toml", key="x") == RateLimit(
        1000, 50
    )
    assert rate_limit_from_table({"per_second": 50}, file="t.toml", key="x") == RateLimit(per_second=50)
    assert rate_limit_from_table({}, file="t.toml", key="x") == NO_LIMIT


@pytest.mark.parametrize(
    ("doc", "where", "what"),
    [
        ({"per_hour": 5}, "t.toml: targets.a.rate_limit: ", "unknown key(s) per_hour"),
        ({"per_minute": 0}, "t.toml: targets.a.rate_limit.per_minute: ", "positive integer, got 0"),
        ({"per_second": "50"}, "t.toml: targets.a.rate_limit.per_second: ", "positive integer, got '50'"),
        ({"per_second": True}, "t.toml: targets.a.rate_limit.per_second: ", "positive integer, got True"),
        ("1000/min", "t.toml: targets.a.rate_limit: ", "expected a table"),
    ],
)
def test_rate_limit_from_table_refuses_naming_file_and_key(doc: object, where: str, what: str) -> None:
    with pytest.raises(ConfigError) as caught:
        rate_limit_from_table(doc, file="t.toml", key="targets.a.rate_limit")  # type: ignore[arg-type]
    assert str(caught.value).startswith(where)
    assert what in str(caught.value)
    assert caught.value.file == "t.toml"


# -- Pacer ---------------------------------------------------------------------------------


def test_a_paced_stream_never_exceeds_the_fraction_in_any_window() -> None:
    fake = FakeTime()
    pacer = Pacer(RateLimit(60, 10), clock=fake.clock, sleep=fake.sleep)
    stamps = []
    for _ in range(200):
        pacer.acquire()
        stamps.append(fake.t)
        assert pacer.under()
    assert max_in_window(stamps, 1.0) == 9
    assert max_in_window(stamps, 60.0) == 54
    assert pacer.requests == 200
    # Pacing did not dawdle either: 200 requests at 54 per minute need a bit over 3 minutes.
    assert stamps[-1] - stamps[0] < 4 * 60


def test_a_paced_stream_with_work_between_requests_stays_under() -> None:
    fake = FakeTime()
    pacer = Pacer(RateLimit(per_second=20), fraction=0.5, clock=fake.clock, sleep=fake.sleep)
    stamps = []
    for i in range(300):
        pacer.acquire()
        stamps.append(fake.t)
        fake.t += 0.013 * (i % 7)  # the request itself takes a while
    assert max_in_window(stamps, 1.0) <= 10


def test_acquire_returns_the_seconds_waited() -> None:
    fake = FakeTime()
    pacer = Pacer(RateLimit(per_second=2), fraction=1.0, clock=fake.clock, sleep=fake.sleep)
    assert pacer.acquire() == 0.0
    assert pacer.acquire() == 0.0
    assert pacer.acquire() == pytest.approx(1.0, abs=1e-3)
    assert sum(fake.slept) == pytest.approx(1.0, abs=1e-3)


def test_a_tiny_limit_still_allows_one_request_per_window() -> None:
    fake = FakeTime()
    pacer = Pacer(RateLimit(per_second=1), clock=fake.clock, sleep=fake.sleep)
    assert pacer.acquire() == 0.0
    assert pacer.acquire() == pytest.approx(1.0, abs=1e-3)
    assert pacer.under()


def test_pacing_timeout_when_the_wait_exceeds_max_wait() -> None:
    fake = FakeTime()
    pacer = Pacer(RateLimit(per_second=10), clock=fake.clock, sleep=fake.sleep, max_wait_s=0.5)
    for _ in range(9):
        pacer.acquire()
    with pytest.raises(PacingTimeout, match=r"max_wait_s=0\.5"):
        pacer.acquire()
    assert fake.slept == []  # refused up front, not after waiting
    assert pacer.requests == 9
    assert isinstance(PacingTimeout("x"), RuntimeError)


def test_pacing_timeout_when_time_does_not_move() -> None:
    pacer = Pacer(RateLimit(per_second=1), clock=lambda: 10.0, sleep=lambda s: None)
    pacer.acquire()
    with pytest.raises(PacingTimeout, match="tries"):
        pacer.acquire()


def test_unlimited_acquire_records_and_returns_at_once() -> None:
    fake = FakeTime()
    pacer = Pacer(NO_LIMIT, clock=fake.clock, sleep=fake.sleep)
    assert all(pacer.acquire() == 0.0 for _ in range(1000))
    assert fake.slept == []
    assert pacer.requests == 1000
    assert pacer.counts() == (1000, 1000)
    assert not pacer.under()


def test_acquire_is_thread_safe() -> None:
    pacer = Pacer(NO_LIMIT)
    barrier = threading.Barrier(4)

    def work() -> None:
        barrier.wait(timeout=10)
        for _ in range(2500):
            pacer.acquire()
            pacer.record()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert pacer.requests == 4 * 2500 * 2


def test_counts_and_record_over_time() -> None:
    fake = FakeTime()
    pacer = Pacer(RateLimit(100, 10), clock=fake.clock, sleep=fake.sleep)
    for _ in range(5):
        pacer.record()
    assert pacer.counts() == (5, 5)
    fake.t += 1.0
    pacer.record()
    assert pacer.counts() == (1, 6)
    fake.t += 59.5
    assert pacer.counts() == (0, 1)
    fake.t += 1.0
    assert pacer.counts() == (0, 0)
    assert pacer.requests == 6


def test_memory_keeps_only_the_last_minute() -> None:
    fake = FakeTime()
    pacer = Pacer(RateLimit(per_minute=1_000_000), clock=fake.clock, sleep=fake.sleep)
    for _ in range(10_000):
        pacer.record()
        fake.t += 0.1
    assert len(pacer._stamps) <= 601
    assert pacer.requests == 10_000


def test_under() -> None:
    fake = FakeTime()
    pacer = Pacer(RateLimit(100, 10), clock=fake.clock, sleep=fake.sleep)
    assert pacer.under()
    for _ in range(9):
        pacer.record()
    assert pacer.under()  # 9 of 10/s is at 0.9
    assert not pacer.under(0.5)
    pacer.record()
    assert not pacer.under()  # 10/s is above 0.9
    assert pacer.under(1.0)
    fake.t += 1.0
    assert pacer.under(0.1)  # 0/s, 10 of 100/min
    assert not pacer.under(0.05)


def test_room() -> None:
    fake = FakeTime()
    pacer = Pacer(RateLimit(per_minute=10), clock=fake.clock, sleep=fake.sleep)
    assert pacer.room(10) == 0.0
    for _ in range(6):
        pacer.record()
        fake.t += 5.0
    # 6 recorded at 0, 5, ..., 25 s; now is 30 s. 4 more fit now; 5 need the first to leave.
    assert pacer.room(4) == 0.0
    assert pacer.room(5) == pytest.approx(30.0, abs=1e-3)
    assert pacer.room(6) == pytest.approx(35.0, abs=1e-3)
    # Beyond the limit: the wait until the window is empty.
    assert pacer.room(50) == pytest.approx(pacer.room(10), abs=1e-9)
    assert pacer.room(10) == pytest.approx(55.0, abs=1e-3)
    assert pacer.room(0) == 0.0
    assert Pacer(NO_LIMIT).room(1_000_000) == 0.0


def test_room_also_waits_for_the_second_window() -> None:
    fake = FakeTime()
    pacer = Pacer(RateLimit(1000, 5), clock=fake.clock, sleep=fake.sleep)
    for _ in range(5):
        pacer.record()
    fake.t += 0.25
    assert pacer.room(1) == pytest.approx(0.75, abs=1e-3)


def test_properties_and_bad_arguments() -> None:
    pacer = Pacer(RateLimit(60, 10), fraction=0.5)
    assert pacer.limit == RateLimit(60, 10)
    assert pacer.fraction == 0.5
    assert pacer.requests == 0
    for fraction in (0.0, -1.0, 1.5):
        with pytest.raises(ValueError, match="fraction"):
            Pacer(NO_LIMIT, fraction=fraction)
    with pytest.raises(ValueError, match="max_wait_s"):
        Pacer(NO_LIMIT, max_wait_s=-1.0)
    with pytest.raises(ValueError, match="n must be"):
        pacer.room(-1)


# -- retry_after_s and header_int ------------------------------------------------------------

NOW = 1_700_000_000.0
NAMES = ("Retry-After", "X-RateLimit-Reset")


def test_retry_after_from_the_body_field_first() -> None:
    headers = {"Retry-After": "9"}
    assert retry_after_s(headers, {"retry_after": 3}, body_field="retry_after", header_names=NAMES) == 3.0
    assert retry_after_s(headers, {"retry_after": 0.5}, body_field="retry_after", header_names=NAMES) == 0.5


@pytest.mark.parametrize("value", [-1, "3", True, None, float("nan")])
def test_an_unusable_body_field_falls_back_to_the_headers(value: object) -> None:
    body = {"retry_after": value}
    assert retry_after_s({"Retry-After": "9"}, body, body_field="retry_after", header_names=NAMES) == 9.0


def test_the_body_is_ignored_when_not_a_dict_or_no_field_is_named() -> None:
    headers = [("retry-after", "4")]
    assert retry_after_s(headers, [1], body_field="retry_after", header_names=NAMES) == 4.0
    assert retry_after_s(headers, "retry_after", body_field="retry_after", header_names=NAMES) == 4.0
    assert retry_after_s(headers, {"retry_after": 1}, body_field=None, header_names=NAMES) == 4.0


def test_retry_after_seconds_case_insensitive_from_a_mapping_or_pairs() -> None:
    assert retry_after_s({"retry-after": " 3 "}, None, body_field=None, header_names=NAMES) == 3.0
    assert retry_after_s([("RETRY-AFTER", "2.5")], None, body_field=None, header_names=NAMES) == 2.5


def test_retry_after_http_date() -> None:
    when = format_datetime(datetime.fromtimestamp(NOW + 7, tz=UTC), usegmt=True)
    assert retry_after_s({"Retry-After": when}, None, body_field=None, header_names=NAMES, now=NOW) == 7.0
    past = format_datetime(datetime.fromtimestamp(NOW - 60, tz=UTC), usegmt=True)
    assert retry_after_s({"Retry-After": past}, None, body_field=None, header_names=NAMES, now=NOW) == 0.0


def test_a_reset_header_as_epoch_time_or_as_seconds() -> None:
    epoch = {"X-RateLimit-Reset": str(int(NOW) + 12)}
    assert retry_after_s(epoch, None, body_field=None, header_names=NAMES, now=NOW) == 12.0
    seconds = {"X-RateLimit-Reset": "12"}
    assert retry_after_s(seconds, None, body_field=None, header_names=NAMES, now=NOW) == 12.0
    past = {"X-RateLimit-Reset": str(int(NOW) - 5)}
    assert retry_after_s(past, None, body_field=None, header_names=NAMES, now=NOW) == 0.0


def test_a_large_number_is_an_epoch_only_for_a_reset_header() -> None:
    big = {"Retry-After": "2000000000"}
    assert retry_after_s(big, None, body_field=None, header_names=NAMES, now=NOW) == 2e9


def test_negative_seconds_clamp_to_zero() -> None:
    assert retry_after_s({"Retry-After": "-3"}, None, body_field=None, header_names=NAMES) == 0.0


def test_the_first_named_header_present_wins_and_unparseable_ones_are_skipped() -> None:
    both = {"X-RateLimit-Reset": "5", "Retry-After": "2"}
    assert retry_after_s(both, None, body_field=None, header_names=NAMES) == 2.0
    assert retry_after_s(both, None, body_field=None, header_names=NAMES[::-1]) == 5.0
    garbled = {"Retry-After": "soon", "X-RateLimit-Reset": "5"}
    assert retry_after_s(garbled, None, body_field=None, header_names=NAMES) == 5.0
    # An HTTP-date is only read from Retry-After.
    dated = {"X-RateLimit-Reset": "Wed, 21 Oct 2015 07:28:00 GMT"}
    assert retry_after_s(dated, None, body_field=None, header_names=NAMES) is None


def test_retry_after_none_when_nothing_usable() -> None:
    assert retry_after_s({}, None, body_field="retry_after", header_names=NAMES) is None
    assert retry_after_s({"Retry-After": "later"}, {}, body_field="retry_after", header_names=NAMES) is None
    assert retry_after_s({"Retry-After": "3"}, None, body_field=None, header_names=()) is None


def test_header_int() -> None:
    headers = {"X-RateLimit-Remaining": " 42 ", "X-RateLimit-Limit": "-1", "X-Odd": "4.5", "X-Wide": "\uff14"}
    assert header_int(headers, "x-ratelimit-remaining") == 42
    assert header_int([("X-RATELIMIT-REMAINING", "0")], "X-RateLimit-Remaining") == 0
    assert header_int(headers, "X-RateLimit-Limit") is None
    assert header_int(headers, "X-Odd") is None
    assert header_int(headers, "X-Wide") is None
    assert header_int(headers, "X-Absent") is None
