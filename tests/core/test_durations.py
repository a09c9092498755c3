"""One duration syntax for every command: 500ms, 30s, 5m, 1h30m, or seconds."""

from __future__ import annotations

import pytest

from gatewatch.core.durations import format_duration, parse_duration
from gatewatch.core.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500ms", 0.5),
        ("30s", 30),
        ("5m", 300),
        ("1h30m", 5400),
        ("2m30s", 150),
        ("1d", 86400),
        ("1.5s", 1.5),
        ("90", 90),
        (" 10S ", 10),
        ("1h0m5s", 3605),
    ],
)
def test_every_form_parses(text: str, seconds: float) -> None:
    assert parse_duration(text, key="--every") == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5x", "30s5m", "1m1m", "-3s", "0s", "abc", "1h 30m", "inf", "nan"])
def test_bad_durations_name_the_flag_in_one_line(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_duration(text, key="--every")
    message = str(caught.value)
    assert message.startswith("--every: expected a positive duration like 500ms") and "\n" not in message


def test_zero_only_where_allowed() -> None:
    assert parse_duration("0s", key="--jitter", allow_zero=True) == 0


@pytest.mark.parametrize(("seconds", "text"), [(0.5, "500ms"), (90, "1m30s"), (3600, "1h"), (5, "5s")])
def test_formatting_round_trips(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(text, key="x") == pytest.approx(seconds)
