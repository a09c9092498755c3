"""What the suite sends: ids of every shape, channels of every kind, batch id lists, send bodies.

Channels and body shapes come from the contract's schemas; the ids are the hostile part
a schema cannot describe (reserved and percent-encoded characters, unicode, length, ids
that look like real ones).
"""

from __future__ import annotations

import json
import string
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from gatewatch.contract import Contract
from gatewatch.contract.strategies import from_schema

RESERVED = ":/?#[]@!$&'()*+,;= %\\\"<>^`{|}~."
# Ids that break naive routing and decoding: always tried, whatever Hypothesis draws.
NASTY_IDS = (
    "a/b",
    "%2F",
    "..",
    "%",
    "%zz",
    "%00",
    "%C3%28",
    "a b",
    "?channel=SMS",
    "#fragment",
    "é",
    "\u202e\u200bid",
    "🙂",
    "x" * 300,
    "null",
    "0",
    "'; DROP TABLE messages; --",
)


def unknown_ids() -> st.SearchStrategy[str]:
    """Ids of every shape that a gateway is unlikely to have issued."""
    reserved = st.text(alphabet=RESERVED + string.ascii_letters, min_size=1, max_size=40)
    percent = st.lists(
        st.sampled_from(["%2F", "%25", "%20", "%3F", "%23", "%00", "%E2%82%AC", "%ZZ", "%", "a"]),
        min_size=1,
        max_size=8,
    ).map("".join)
    uni = st.text(alphabet=st.characters(exclude_categories=["Cs"], min_codepoint=1), min_size=1, max_size=40)
    long = st.integers(129, 1500).map(lambda n: "z" * n)
    plain = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=64)
    return st.one_of(plain, reserved, percent, uni, long, st.sampled_from(NASTY_IDS))


def lookalike_ids(real: Sequence[str]) -> st.SearchStrategy[str]:
    """Ids one edit away from real ones: a gateway that matches loosely answers them."""
    if not real:
        return st.nothing()

    def mutate(args: tuple[str, int, str]) -> str:
        base, at, how = args
        at = at % len(base)
        if how == "upper":
            return base.upper() if base.upper() != base else base.lower()
        if how == "suffix":
            return base + "0"
        if how == "prefix":
            return " " + base
        if how == "drop":
            return base[:at] + base[at + 1 :]
        flipped = "0" if base[at] != "0" else "1"
        return base[:at] + flipped + base[at + 1 :]

    return (
        st.tuples(
            st.sampled_from(list(real)),
            st.integers(0, 127),
            st.sampled_from(["upper", "suffix", "prefix", "drop", "flip"]),
        )
        .map(mutate)
        .filter(lambda candidate: candidate and candidate not in real)
    )


def channels(contract: Contract) -> st.SearchStrategy[str]:
    """Valid channels, from the schema's enum."""
    result: st.SearchStrategy[str] = from_schema(contract, "channel.json")
    return result


def wrong_case_channels(contract: Contract) -> list[str]:
    """Every channel in other cases: the contract says channels are case-sensitive."""
    found: list[str] = []
    for channel in contract.channels:
        for variant in (channel.lower(), channel.capitalize(), channel.swapcase()):
            if variant != channel and variant not in found and variant not in contract.channels:
                found.append(variant)
    return found


def invalid_channels(contract: Contract) -> st.SearchStrategy[str]:
    """Strings that are not a channel: wrong case, padded, or anything else."""
    anything = st.text(max_size=20).filter(lambda s: s not in contract.channels)
    padded = st.sampled_from([f" {c}" for c in contract.channels] + [f"{c} " for c in contract.channels])
    return st.one_of(st.sampled_from(wrong_case_channels(contract)), padded, anything)


def send_bodies(contract: Contract) -> st.SearchStrategy[dict[str, Any]]:
    """Valid send bodies, from the send-request schema."""
    result: st.SearchStrategy[dict[str, Any]] = from_schema(contract, "send-request.json")
    return result


def invalid_send_bodies(contract: Contract) -> st.SearchStrategy[bytes]:
    """Send bodies the contract says are 400: bad JSON, missing or malformed fields."""
    valid = send_bodies(contract)
    bad_to = st.one_of(
        st.sampled_from(["", "12345678", "+1234567", "+1234567890123456", "+39 340 000", "+39abc00001"]),
        st.integers().map(str),
    )
    bad_text = st.one_of(st.just(""), st.integers(1001, 1100).map(lambda n: "t" * n))
    mutated = st.one_of(
        st.tuples(valid, bad_to).map(lambda a: {**a[0], "to": a[1]}),
        st.tuples(valid, bad_text).map(lambda a: {**a[0], "text": a[1]}),
        valid.map(lambda b: {k: v for k, v in b.items() if k != "to"}),
        valid.map(lambda b: {k: v for k, v in b.items() if k != "text"}),
        st.tuples(valid, st.sampled_from([None, 12, [], {}, True])).map(lambda a: {**a[0], "to": a[1]}),
        st.tuples(valid, st.sampled_from([None, 12, [], {}, True])).map(lambda a: {**a[0], "text": a[1]}),
        st.sampled_from([[], "text", 1, None]),
    ).map(lambda b: json.dumps(b).encode())
    garbage = st.sampled_from([b"", b"{", b"not json", b'{"to": "+393400000001", "text": "x"', b"\xff\xfe"])
    return st.one_of(mutated, garbage)
