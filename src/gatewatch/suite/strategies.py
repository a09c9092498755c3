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
    "#fragment",
    "é",
    "\u202e\u200bid",
    "🙂",
    "x" * 300,
    "null",
    "0",
    "'; DROP TABLE messages; --",
)


def nasty_ids(contract: Contract) -> tuple[str, ...]:
    """NASTY_IDS, plus an id that smuggles in the contract's own channel parameter."""
    return (*NASTY_IDS, f"?{contract.channel_param}={contract.channels[0]}")


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
    return st.sampled_from(contract.channels)


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
    """Valid send bodies, from the send-request schema (whatever its file and field names)."""
    result: st.SearchStrategy[dict[str, Any]] = from_schema(contract, contract.schema_file("send_request"))
    return result


def invalid_destinations(recipient: str) -> tuple[str, ...]:
    """Destinations the send-request pattern refuses, always tried: near misses of a real number.

    A trailing newline passes a pattern matched the Python way (`$` before a final
    newline); the contract's patterns are ECMA-262, where it does not.
    """
    digits = recipient.lstrip("+")
    return (
        recipient + "\n",
        " " + recipient,
        recipient + " ",
        digits,
        "+" + digits[:7],
        "+" + digits + "0" * 16,
        "+" + digits[:-2] + "ab",
        "",
    )


def malformed_send_bodies(contract: Contract, recipient: str) -> tuple[tuple[str, bytes], ...]:
    """Send bodies that are not a JSON object at all, always tried on every channel: (what, bytes).

    Text that is not JSON (empty, cut short, not UTF-8) and JSON of the wrong type. Each
    is a 400 with the error body; Hypothesis may never draw one in a short run, so they
    are not left to chance.
    """
    valid = json.dumps({contract.send.destination: recipient, contract.send.text: "gatewatch"}).encode()
    not_json = (
        ("an empty body", b""),
        ("text that is not JSON", b"not json"),
        ("a lone brace", b"{"),
        ("a JSON object cut short", valid[:-1]),
        ("bytes that are not UTF-8", b"\xff\xfe"),
    )
    wrong_type = tuple(
        (f"JSON {kind}, not an object", json.dumps(value).encode())
        for kind, value in (("array", []), ("string", "not an object"), ("number", 1), ("null", None))
    )
    return (*not_json, *wrong_type)


def invalid_send_bodies(contract: Contract, recipient: str) -> st.SearchStrategy[bytes]:
    """Send bodies the contract says are 400: bad JSON, missing or malformed fields.

    Field names come from the contract; the destination of an otherwise valid body is
    always `recipient` (a configured test number), never a generated one. The bodies
    that are not a JSON object are `malformed_send_bodies`' (which every run also sends).
    """
    shape = contract.send
    to, text = shape.destination, shape.text
    valid = send_bodies(contract).map(lambda b: {**b, to: recipient})
    bad_to = st.one_of(
        st.sampled_from(["", "12345678", "+1234567", "+1234567890123456", "+39 340 000", "+39abc00001"]),
        st.sampled_from(invalid_destinations(recipient)),
        st.integers().map(str),
    )
    max_text = _max_length(contract, text)
    bad_text = (
        st.just("")
        if max_text is None
        else st.one_of(st.just(""), st.integers(max_text + 1, max_text + 100).map(lambda n: "t" * n))
    )
    wrong_type: st.SearchStrategy[object] = st.sampled_from([None, 12, [], {}, True])
    mutated = st.one_of(
        st.tuples(valid, bad_to).map(lambda a: {**a[0], to: a[1]}),
        st.tuples(valid, bad_text).map(lambda a: {**a[0], text: a[1]}),
        valid.map(lambda b: {k: v for k, v in b.items() if k != to}),
        valid.map(lambda b: {k: v for k, v in b.items() if k != text}),
        st.tuples(valid, wrong_type).map(lambda a: {**a[0], to: a[1]}),
        st.tuples(valid, wrong_type).map(lambda a: {**a[0], text: a[1]}),
    ).map(lambda b: json.dumps(b).encode())
    malformed = st.sampled_from([body for _, body in malformed_send_bodies(contract, recipient)])
    return st.one_of(mutated, malformed)


def _max_length(contract: Contract, field: str) -> int | None:
    """The send-request schema's maxLength for `field`, if it has one."""
    schema = contract.schemas[contract.schema_file("send_request")]
    spec = schema.get("properties", {}).get(field, {})
    value = spec.get("maxLength")
    return value if isinstance(value, int) else None
