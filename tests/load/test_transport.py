"""The users' HTTP: answers of any code come back whole; no answer is status 0, never an exception."""

from __future__ import annotations

from gatewatch.contract import default_contract
from gatewatch.loadtest.transport import Transport
from gatewatch.simulator import Simulator
from tests.load.test_distributed import free_port


def lookup_path(message_id: str) -> str:
    contract = default_contract()
    path = contract.lookup_path.replace("{" + contract.id_param + "}", message_id)
    return f"{path}?{contract.channel_param}={contract.channels[0]}"


def test_an_answer_comes_back_with_its_code_headers_and_body() -> None:
    contract = default_contract()
    with Simulator() as sim:
        transport = Transport(
            sim.base_url,
            concurrency=1,
            connect_s=5,
            read_s=5,
            headers={contract.auth.header: contract.auth.value("key-a")},
        )
        try:
            answer = transport.get(lookup_path("gatewatch-unknown"))
            again = transport.get(lookup_path("gatewatch-unknown"))  # the kept-alive connection
        finally:
            transport.close()
    assert answer.status == again.status == contract.codes.not_found
    assert answer.error is None and answer.body
    assert any(name.lower() == "content-type" for name, _ in answer.headers())
    assert answer.elapsed_s >= 0 and answer.started_at > 0


def test_a_refused_connection_is_an_answer_with_status_0_and_its_error() -> None:
    transport = Transport(
        f"http://127.0.0.1:{free_port()}/api", concurrency=1, connect_s=2, read_s=2, headers={}
    )
    try:
        answer = transport.get(lookup_path("x"))
    finally:
        transport.close()
    assert answer.status == 0
    assert isinstance(answer.error, OSError)
    assert answer.headers() == ()
