"""Every command's preflight tells apart: nothing answering, a refused key, a refused machine."""

from __future__ import annotations

import socket

import pytest

from gatewatch.contract import default_contract, resolve_contract
from gatewatch.core.client import GatewayClient
from gatewatch.core.config import Timeouts
from gatewatch.core.errors import ConfigError, ExitCode, KeyRejected, NotAllowed, TargetUnreachable
from gatewatch.core.preflight import candidate_base_url, operations_prefix, preflight
from gatewatch.core.secrets import Secret
from tests.stubs import Scripted, StubServer

KEY = Secret("sentinel-preflight-7a1b")
NOT_FOUND = {"status": 404, "error": "Not Found", "message": "no such message"}


def test_a_404_for_the_made_up_id_goes_on(stub: StubServer) -> None:
    # The batch lookup answers (200, nothing found): the 404 was the id's, not the path's.
    stub.script = [Scripted(404, NOT_FOUND), Scripted(200, [])]
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


def test_404_on_every_path_is_a_wrong_base_url_naming_the_one_to_try(stub: StubServer) -> None:
    # The lookup, the batch lookup and a send path 404 under the given URL; the batch
    # lookup under {base}/api (the contract's server path) answers like the gateway.
    stub.script = [Scripted(404, NOT_FOUND)] * 3 + [Scripted(200, [])]
    base = stub.base_url.removesuffix("/api")
    with GatewayClient(base, KEY) as client, pytest.raises(ConfigError) as caught:
        preflight(client, default_contract(), key_env="GATEWATCH_API_KEY")
    message = str(caught.value)
    assert caught.value.exit_code == ExitCode.USAGE and "\n" not in message
    assert f"try {base}/api," in message and "/partner-gateway/v1" in message
    assert [path.split("?")[0] for _, path, *_ in stub.seen] == [
        "/partner-gateway/v1/messages/status/gatewatch-preflight",
        "/partner-gateway/v1/messages/status",
        "/partner-gateway/v1/sms/messages",
        "/api/partner-gateway/v1/messages/status",
    ]


def test_a_base_url_with_the_operations_prefix_is_told_to_drop_it(stub: StubServer) -> None:
    stub.script = [Scripted(404, NOT_FOUND)] * 3 + [Scripted(200, [])]
    base = stub.base_url + "/partner-gateway/v1"
    with GatewayClient(base, KEY) as client, pytest.raises(ConfigError, match=f"try {stub.base_url},"):
        preflight(client, default_contract(), key_env="GATEWATCH_API_KEY")


def test_no_base_url_to_suggest_when_the_candidate_404s_too(stub: StubServer) -> None:
    base = stub.base_url.removesuffix("/api")
    with GatewayClient(base, KEY) as client, pytest.raises(ConfigError) as caught:
        preflight(client, default_contract(), key_env="GATEWATCH_API_KEY")  # the stub 404s everything
    assert "try " not in str(caught.value) and "check --base-url" in str(caught.value)
    assert len(stub.seen) == 4  # bounded: the lookup, the batch lookup, a send path, one candidate


@pytest.mark.parametrize("answers", [[405], [404, 405]], ids=["batch-answers", "send-path-answers"])
def test_one_path_that_answers_is_enough_to_go_on(stub: StubServer, answers: list[int]) -> None:
    # A batch that wrongly answers 404 when nothing matches is the suite's to judge, not a wrong base.
    stub.script = [Scripted(404, NOT_FOUND), *(Scripted(code, NOT_FOUND) for code in answers)]
    with GatewayClient(stub.base_url, KEY) as client:
        assert preflight(client, default_contract(), key_env="GATEWATCH_API_KEY").status == 404
    assert len(stub.seen) == 1 + len(answers)


def test_candidates_come_from_the_contract() -> None:
    vendor = default_contract()
    assert operations_prefix(vendor) == "/partner-gateway/v1"
    assert candidate_base_url("http://h:1", vendor) == "http://h:1/api"
    assert candidate_base_url("http://h:1/api/partner-gateway/v1", vendor) == "http://h:1/api"
    assert candidate_base_url("http://h:1/api", vendor) is None
