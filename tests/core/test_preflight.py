"""Every command's preflight tells apart: nothing answering, a refused key, a refused machine."""

from __future__ import annotations

import socket

import pytest

from gatewatch.client import GatewayClient
from gatewatch.config import Timeouts
from gatewatch.contract import default_contract, resolve_contract
from gatewatch.errors import ExitCode, KeyRejected, NotAllowed, TargetUnreachable
from gatewatch.preflight import preflight
from gatewatch.secrets import Secret
from tests.stubs import Scripted, StubServer

KEY = Secret("sentinel-preflight-7a1b")
NOT_FOUND = {"status": 404, "error": "Not Found", "message": "no such message"}


def test_a_404_for_the_made_up_id_goes_on(stub: StubServer) -> None:
    stub.script = [Scripted(404, NOT_FOUND)]
    with GatewayClient(stub.base_url, KEY) as client:
        assert preflight(client, default_contract(), key_env="GATEWATCH_API_KEY").status == 404


def test_a_401_names_the_header_sent_the_contract_and_the_vendor_doc(stub: StubServer) -> None:
    stub.script = [Scripted(401, {"status": 401, "error": "Unauthorized", "message": "bad key"})]
    strict = resolve_contract("strict")
    with GatewayClient(stub.base_url, KEY, contract=strict) as client, pytest.raises(KeyRejected) as caught:
        preflight(client, strict, key_env="GATEWATCH_API_KEY")
    message = str(caught.value)
    assert caught.value.exit_code == ExitCode.USAGE
    assert "sent Authorization: Bearer ***" in message
    assert "the contract (strict) says Authorization with scheme 'Bearer'" in message
    assert "the vendor documents X-Api-Key: <key>" in message
    assert "$GATEWATCH_API_KEY" in message and KEY.reveal() not in message and "\n" not in message


def test_a_403_says_this_machine_is_not_on_the_allow_list(stub: StubServer) -> None:
    stub.script = [Scripted(403, {"status": 403, "error": "Forbidden", "message": "ip not allowed"})]
    with GatewayClient(stub.base_url, KEY) as client, pytest.raises(NotAllowed) as caught:
        preflight(client, default_contract(), key_env="GATEWATCH_API_KEY")
    assert caught.value.exit_code == ExitCode.USAGE
    assert "allow-list" in str(caught.value) and "this machine" in str(caught.value)


def test_nothing_answering_is_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = GatewayClient(f"http://127.0.0.1:{port}/api", KEY, timeouts=Timeouts(connect_s=1, read_s=1))
    with pytest.raises(TargetUnreachable) as caught:
        preflight(client, default_contract(), key_env="GATEWATCH_API_KEY")
    assert caught.value.exit_code == ExitCode.UNREACHABLE
