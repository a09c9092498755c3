"""How a record (a frozen dataclass of `gatewatch.core.records`) becomes JSON and is read back.

One codec for every file the engines write and the report reads, so a field is named and
typed once: in its dataclass. `encode` gives the JSON object a writer dumps; `decode`
reads one back and checks each field against its declared type.

Reading is forgiving where the page can do without a value: a field of the wrong type
whose type admits None reads as None, one with a default reads as its default, an item of
an array or object that is not what it should be is left out, and each is a
`RecordError` in `Decoded.problems`; a field that is missing altogether and admits None
or has a default reads as such silently (files written before the field existed).
Anything else (a required field missing or wrong, an unknown or newer version) is a
`RecordError` raised: the record cannot be used. A field's JSON name is its own unless
its metadata says otherwise (`field(metadata=json_name("all"))`).
"""

from __future__ import annotations

import dataclasses
import functools
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar, Union, get_args, get_origin, get_type_hints

_JSON_NAME = "json_name"
#: The field every top-level record carries: the version of its format, written by the writers.
VERSION_FIELD = "version"


class Record(Protocol):
    """A dataclass record."""

    __dataclass_fields__: ClassVar[dict[str, Any]]


R = TypeVar("R", bound=Record)
T = TypeVar("T")


class RecordError(Exception):
    """A record's field is not what its type declares: which field, what was expected, what was found."""

    def __init__(self, field: str, expected: str, found: str) -> None:
        super().__init__(field, expected, found)
        self.field, self.expected, self.found = field, expected, found

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{where}expected {self.expected}, found {self.found}"


@dataclass(frozen=True, slots=True)
class Decoded(Generic[T]):
    """A record read back, and the fields that read as None or their default because they were wrong."""

    record: T
    problems: tuple[RecordError, ...] = ()

    def summary(self) -> str | None:
        """The first problem, and how many more: one line for the page; None without problems."""
        if not self.problems:
            return None
        more = len(self.problems) - 1
        return str(self.problems[0]) + (f" (and {more} more field(s))" if more else "")


def json_name(name: str) -> dict[str, str]:
    """A field's metadata giving it a JSON name other than its own (a keyword, or a builtin's name)."""
    return {_JSON_NAME: name}


def encode(record: Record) -> dict[str, Any]:
    """The record as a JSON object, its fields in declaration order."""
    return {_key(f): _encode(getattr(record, f.name)) for f in dataclasses.fields(record)}


def _encode(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return encode(value)
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def decode(cls: type[R], raw: object) -> Decoded[R]:
    """Read `raw` (parsed JSON) as a `cls`; RecordError when it cannot be one (see the module doc)."""
    if not isinstance(raw, dict):
        raise RecordError("", "a JSON object", found(raw))
    check_version(cls, raw)
    problems: list[RecordError] = []
    record = _object(cls, raw, "", problems)
    return Decoded(record, tuple(problems))


def check_version(cls: type[Record], raw: Mapping[str, Any]) -> None:
    """Refuse a record of a version this gatewatch does not read (none written: version 1)."""
    field = next((f for f in dataclasses.fields(cls) if f.name == VERSION_FIELD), None)
    if field is None:
        return
    current = field.default
    if not isinstance(current, int):
        return
    value = raw.get(_key(field), 1)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= current:
        newer = " (written by a newer gatewatch?)" if isinstance(value, int) and value > current else ""
        accepted = "version 1" if current == 1 else f"a version from 1 to {current}"
        raise RecordError(_key(field), accepted, f"{value!r}{newer}")


def found(value: object) -> str:
    """What a JSON value is, in a few words, for a message."""
    if value is None or isinstance(value, bool):
        return "null" if value is None else str(value).lower()
    for kind, words in _FOUND:
        if isinstance(value, kind):
            return words
    return type(value).__name__


_FOUND: tuple[tuple[type, str], ...] = (
    (int, "an integer"),
    (float, "a number"),
    (str, "a string"),
    (list, "an array"),
    (dict, "an object"),
)


# -- the fields ---------------------------------------------------------------------------


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _object(cls: type[R], raw: Mapping[str, Any], path: str, problems: list[RecordError]) -> R:
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        key, tp = _key(f), hints[f.name]
        where = _join(path, key)
        if key not in raw:
            if not _has_fallback(f, tp):
                raise RecordError(where, _expected(tp), "no such field")
            values[f.name] = _fallback(f)
            continue
        try:
            values[f.name] = _value(tp, raw[key], where, problems)
        except RecordError as exc:
            if not _has_fallback(f, tp):
                raise
            problems.append(exc)
            values[f.name] = _fallback(f)
    return cls(**values)


def _value(tp: Any, value: object, path: str, problems: list[RecordError]) -> Any:
    """`value` checked against the type `tp` (the JSON subset the records use)."""
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return value
    if origin in (types.UnionType, Union):
        return _union(tp, args, value, path, problems)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise RecordError(path, "an object", found(value))
        return _object(tp, value, path, problems)
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise RecordError(path, "an array", found(value))
        items = _items(args[0], ((i, f"{path}[{i}]", v) for i, v in enumerate(value)), problems)
        return tuple(items.values()) if origin is tuple else list(items.values())
    if origin is dict:
        if not isinstance(value, dict):
            raise RecordError(path, "an object", found(value))
        return _items(args[1], ((k, _join(path, k), v) for k, v in value.items()), problems)
    return _scalar(tp, value, path)


def _items(tp: Any, items: Iterable[tuple[Any, str, object]], problems: list[RecordError]) -> dict[Any, Any]:
    """The items (key, path, value) of an array or object that are a `tp`; the others are noted."""
    kept: dict[Any, Any] = {}
    for key, where, value in items:
        try:
            kept[key] = _value(tp, value, where, problems)
        except RecordError as exc:
            problems.append(exc)
    return kept


def _union(tp: Any, args: tuple[Any, ...], value: object, path: str, problems: list[RecordError]) -> Any:
    if value is None and type(None) in args:
        return None
    others = [a for a in args if a is not type(None)]
    for arg in others:
        try:
            return _value(arg, value, path, problems)
        except RecordError:
            if len(others) == 1:
                raise
    raise RecordError(path, _expected(tp), found(value))


def _scalar(tp: Any, value: object, path: str) -> Any:
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif tp is str:
        if isinstance(value, str):
            return value
    else:  # a type the records do not use: a programming error, not a bad file
        raise TypeError(f"records cannot hold {tp!r}")
    raise RecordError(path, _expected(tp), found(value))


def _expected(tp: Any) -> str:
    origin, args = get_origin(tp), get_args(tp)
    if origin in (types.UnionType, Union):
        return " or ".join(_expected(a) for a in args)
    if origin in (list, tuple):
        return "an array"
    if origin is dict or dataclasses.is_dataclass(tp):
        return "an object"
    return _EXPECTED.get(tp, "any JSON value")


_EXPECTED: dict[Any, str] = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    type(None): "null",
}


def _has_fallback(f: dataclasses.Field[Any], tp: Any) -> bool:
    admits_none = get_origin(tp) in (types.UnionType, Union) and type(None) in get_args(tp)
    return admits_none or _has_default(f)


def _has_default(f: dataclasses.Field[Any]) -> bool:
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def _fallback(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


def _key(f: dataclasses.Field[Any]) -> str:
    return str(f.metadata.get(_JSON_NAME, f.name))


def _join(outer: str, inner: str) -> str:
    if not outer:
        return inner
    if not inner or inner.startswith("["):
        return outer + inner
    return f"{outer}.{inner}"
