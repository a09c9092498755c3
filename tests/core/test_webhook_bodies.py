"""Reading a webhook request body within a size and a time budget."""

from __future__ import annotations

import io
from email.message import Message
from itertools import count

import pytest

from gatewatch.core.webhooks.bodies import Malformed, TooLarge, read_body


def _headers(**values: str) -> Message:
    message = Message()
    for name, value in values.items():
        message[name.replace("_", "-")] = value
    return message


def _read(raw: bytes, limit: int = 100, **headers: str) -> bytes:
    return read_body(_headers(**headers), io.BytesIO(raw), limit=limit, deadline=float("inf"))


def test_a_content_length_body_is_read_exactly() -> None:
    assert _read(b"hello, and more", Content_Length="5") == b"hello"


def test_no_length_and_no_chunking_is_an_empty_body() -> None:
    assert _read(b"ignored") == b""


def test_a_chunked_body_with_extensions_and_trailers_is_joined() -> None:
    raw = b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n"
    assert _read(raw, Transfer_Encoding="chunked") == b"abcde"


@pytest.mark.parametrize(
    ("raw", "headers"),
    [
        (b"x" * 101, {"Content_Length": "101"}),
        (
            b"40\r\n" + b"x" * 64 + b"\r\n40\r\n" + b"x" * 64 + b"\r\n0\r\n\r\n",
            {"Transfer_Encoding": "chunked"},
        ),
    ],
)
def test_a_body_over_the_limit_is_too_large(raw: bytes, headers: dict[str, str]) -> None:
    with pytest.raises(TooLarge):
        _read(raw, **headers)


@pytest.mark.parametrize(
    ("raw", "headers"),
    [
        (b"abc", {"Content_Length": "5"}),
        (b"", {"Content_Length": "-1"}),
        (b"", {"Content_Length": "5, 5"}),
        (b"", {"Transfer_Encoding": "gzip, chunked"}),
        (b"zz\r\nabc\r\n0\r\n\r\n", {"Transfer_Encoding": "chunked"}),
        (b"-3\r\nabc\r\n0\r\n\r\n", {"Transfer_Encoding": "chunked"}),
        (b"3\r\nabcX\r\n0\r\n\r\n", {"Transfer_Encoding": "chunked"}),
        (b"3\r\nabc\r\n", {"Transfer_Encoding": "chunked"}),
        (b"f" * 5000 + b"\r\n", {"Transfer_Encoding": "chunked"}),
        (b"0\r\n" + b"X: t\r\n" * 100 + b"\r\n", {"Transfer_Encoding": "chunked"}),
    ],
)
def test_broken_framing_is_malformed(raw: bytes, headers: dict[str, str]) -> None:
    with pytest.raises(Malformed):
        _read(raw, **headers)


class _Trickle(io.BytesIO):
    """A sender that delivers one byte per read."""

    def read(self, size: int | None = -1, /) -> bytes:
        return super().read(1)


def test_a_body_past_its_deadline_is_malformed() -> None:
    ticks = count()  # the clock moves one second per read
    with pytest.raises(Malformed, match="in time"):
        read_body(
            _headers(Content_Length="10"),
            _Trickle(b"0123456789"),
            limit=100,
            deadline=0.5,
            clock=lambda: float(next(ticks)),
        )
