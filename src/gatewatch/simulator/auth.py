"""Who is calling: the key in the contract's header, or Basic credentials where accepted.

The contract's `auth` says which header carries the key and with which scheme ("" for the
key alone, as in the vendor's `X-Api-Key: <key>`; `Bearer <key>` in the strict dialect).
When it also accepts Basic auth, `Authorization: Basic base64(user:pass)` identifies a key
too. Pinned for the simulator (gateway-api.md is silent on what user and password mean):
the user is the API key and the password may be anything; `user:pass` equal to a key is
accepted as well. A missing or unknown key is 401.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections.abc import Mapping
from dataclasses import dataclass

from gatewatch.contract import Contract
from gatewatch.simulator.errors import INVALID_KEY, UNAUTHORIZED, ApiError, ErrorKind
from gatewatch.simulator.http import Request
from gatewatch.simulator.names import BASIC_HEADER

_BASIC_SCHEME = "basic"


@dataclass(frozen=True, slots=True)
class Caller:
    """The key a request came with, and the company it identifies."""

    key: str
    company: str


class Authenticator:
    """The conforming `authenticate` stage of one simulator."""

    def __init__(self, contract: Contract, keys: Mapping[str, str]) -> None:
        self.callers = {key: Caller(key, company) for key, company in keys.items()}
        self.scheme = contract.auth.scheme.lower()
        self.basic = contract.auth.basic
        # A Basic dialect whose key header is also the Basic one reads the header once.
        self.shared_header = self.basic and contract.auth.header.lower() == BASIC_HEADER.lower()
        # The exact header values of the known keys: one dict lookup on the hot path.
        self.by_value = {
            contract.auth.value(key).encode("latin-1"): caller
            for key, caller in self.callers.items()
            if key.isascii()
        }
        self.missing = ApiError(
            UNAUTHORIZED, ErrorKind.MISSING_API_KEY, f"missing API key: send {contract.auth.describe()}"
        )

    def __call__(self, request: Request) -> Caller | ApiError:
        """The caller behind the request's credentials, or the 401 to answer."""
        raw = request.key_value
        if raw is not None:
            caller = self.by_value.get(raw)
            if caller is not None:
                return caller
        basic = request.basic
        if self.basic and basic is None and self.shared_header:
            basic = raw
        if basic is not None and self.basic:
            found = self._basic(basic)
            if found is not None:
                return found
        if raw is None:
            return self.missing if basic is None else INVALID_KEY
        return self._keyed(raw)

    def _keyed(self, raw: bytes) -> Caller | ApiError:
        text = raw.decode("latin-1").strip()
        if self.scheme:
            scheme, _, key = text.partition(" ")
            key = key.strip()
            if not key:
                return self.missing
            if scheme.lower() != self.scheme:
                return INVALID_KEY
        else:
            key = text
            if not key:
                return self.missing
        return self.callers.get(key, INVALID_KEY)

    def _basic(self, raw: bytes) -> Caller | None:
        scheme, _, encoded = raw.decode("latin-1").strip().partition(" ")
        if scheme.lower() != _BASIC_SCHEME:
            return None
        try:
            credentials = b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return None
        user, _, _ = credentials.partition(":")
        return self.callers.get(user) or self.callers.get(credentials)
