"""Fixtures shared by the harness's own tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.stubs import StubServer


@pytest.fixture
def stub() -> Iterator[StubServer]:
    with StubServer() as server:
        yield server
