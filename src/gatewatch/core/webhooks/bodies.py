"""Reading a request body within a size and a time budget: Content-Length or chunked.

The sender is the gateway, but it is still a stranger on the network: a body may claim
gigabytes, trickle a byte at a time or never end. Every read here stops at `limit` bytes
and at `deadline` (a monotonic time), on top of the socket's own per-read timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.message import Message
from typing import BinaryIO

_PIECE = 64 * 1024
# A chunk-size line or trailer line longer than this is not HTTP anyone sends.
_LINE_MAX = 4096
_TRAILERS_MAX = 64
_SIZE_DIGITS_MAX = 16


class TooLarge(Exception):
    """The body is longer than the limit (the answer is 413)."""


class Malformed(Exception):
    """The body's framing is broken or it did not arrive in time (the connection is dropped)."""


def read_body(
    headers: Message,
    stream: BinaryIO,
    *,
    limit: int,
    deadline: float,
    clock: Callable[[], float] = time.monotonic,
) -> bytes:
    """The request body framed by `headers`; raises TooLarge or Malformed."""
    encoding = (headers.get("Transfer-Encoding") or "").strip().lower()
    if encoding:
        if encoding != "chunked":
            raise Malformed(f"unsupported Transfer-Encoding {encoding!r}")
        return _read_chunked(stream, limit, deadline, clock)
    length_text = headers.get("Content-Length")
    if length_text is None:
        return b""  # HTTP/1.1: a request with neither header has no body
    if not length_text.strip().isdigit():
        raise Malformed(f"bad Content-Length {length_text!r}")
    length = int(length_text)
    if length > limit:
        raise TooLarge(length)
    return _read_exactly(stream, length, deadline, clock)


def _read_exactly(stream: BinaryIO, length: int, deadline: float, clock: Callable[[], float]) -> bytes:
    pieces: list[bytes] = []
    remaining = length
    while remaining > 0:  # bounded: each turn reads at least one byte or raises
        if clock() > deadline:
            raise Malformed("the body did not arrive in time")
        piece = stream.read(min(remaining, _PIECE))
        if not piece:
            raise Malformed(f"the body ended {remaining} bytes short")
        pieces.append(piece)
        remaining -= len(piece)
    return b"".join(pieces)


def _read_chunked(stream: BinaryIO, limit: int, deadline: float, clock: Callable[[], float]) -> bytes:
    body = bytearray()
    # Bounded: each chunk adds at least one byte up to `limit`, and the last one ends it.
    for _ in range(limit + 1):
        size = _chunk_size(_line(stream))
        if size == 0:
            break
        if len(body) + size > limit:
            raise TooLarge(len(body) + size)
        body += _read_exactly(stream, size, deadline, clock)
        if _line(stream) != b"":
            raise Malformed("a chunk is not followed by CRLF")
    else:
        raise TooLarge(len(body))
    for _ in range(_TRAILERS_MAX):
        if _line(stream) == b"":
            return bytes(body)
    raise Malformed("too many trailer lines")


def _line(stream: BinaryIO) -> bytes:
    raw = stream.readline(_LINE_MAX + 1)
    if len(raw) > _LINE_MAX or not raw.endswith(b"\n"):
        raise Malformed("a chunk line is too long or the body ended")
    return raw.rstrip(b"\r\n")


def _chunk_size(line: bytes) -> int:
    text = line.split(b";", 1)[0].strip()
    if not text or len(text) > _SIZE_DIGITS_MAX or text.strip(b"0123456789abcdefABCDEF"):
        raise Malformed(f"bad chunk size {text[:32]!r}")
    return int(text, 16)
