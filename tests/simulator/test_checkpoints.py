"""The router's typed answers, and the checkpoints' typed calls and refusals, without a server."""

from __future__ import annotations

import pytest

from gatewatch.contract import Contract, resolve_contract
from gatewatch.contract.operations import Operation
from gatewatch.simulator import SimulatorConfig
from gatewatch.simulator.checkpoints import (
    BatchCall,
    LookupCall,
    Refused,
    hear,
    judge,
    ordered,
    roles,
)
from gatewatch.simulator.errors import BAD_REQUEST, NOT_FOUND, UNAUTHORIZED, ErrorKind
from gatewatch.simulator.handlers import new_message
from gatewatch.simulator.http import Request, read_request
from gatewatch.simulator.routes import UNKNOWN_PATH, Match, Router, Routing, WrongMethod
from gatewatch.simulator.stages import Stages, conforming
from gatewatch.simulator.store import MessageStore

KEY = "key-a"


@pytest.fixture(params=["vendor", "strict"])
def contract(request: pytest.FixtureRequest) -> Contract:
    return resolve_contract(request.param)


@pytest.fixture
def stages(contract: Contract) -> Stages:
    return conforming(contract, SimulatorConfig(), MessageStore(10))


def lookup_path(contract: Contract, message_id: str) -> str:
    return SimulatorConfig().base_path + contract.lookup_path.replace(
        "{" + contract.id_param + "}", message_id
    )


def get(st: Stages, path: str, query: str, key: str | None) -> tuple[Request, Routing]:
    names = st.context.names
    headers = [(names.key_header, st.context.contract.auth.value(key).encode())] if key else []
    request = read_request(
        "GET", path.encode(), query.encode(), headers, names.key_header, names.basic_header
    )
    router = Router(st.context.contract, SimulatorConfig().base_path)
    return request, router.route(request.method, request.raw_path)


def test_the_router_answers_a_match_a_wrong_method_or_an_unknown_path(contract: Contract) -> None:
    router = Router(contract, SimulatorConfig().base_path)
    path = lookup_path(contract, "GW-a%2Fb").encode()
    assert router.route("GET", path) == Match(Operation.LOOKUP, "", b"GW-a%2Fb")
    wrong = router.route("DELETE", path)
    assert isinstance(wrong, WrongMethod)
    assert wrong.op == Operation.LOOKUP and wrong.error.kind == ErrorKind.METHOD_NOT_ALLOWED
    assert router.route("GET", b"/api/nowhere") is UNKNOWN_PATH


def test_a_lookup_that_passes_every_checkpoint_is_a_typed_call_with_its_message(stages: Stages) -> None:
    contract = stages.context.contract
    channel = contract.channels[0]
    message = new_message(stages, channel, "A", "+393330000001")
    stages.context.store.add(message)
    request, routing = get(
        stages, lookup_path(contract, message.id), f"{contract.channel_param}={channel}", KEY
    )
    heard = hear(request, routing, stages)
    assert isinstance(heard, LookupCall)
    assert (heard.caller.company, heard.channel, heard.message_id, heard.message) == (
        "A",
        channel,
        message.id,
        message,
    )


def test_a_batch_that_passes_every_checkpoint_is_a_typed_call_with_its_ids(stages: Stages) -> None:
    contract = stages.context.contract
    channel = contract.channels[0]
    path = SimulatorConfig().base_path + contract.batch_path
    query = f"{contract.channel_param}={channel}&{contract.batch.ids_param}=x{contract.batch.separator}y"
    heard = hear(*get(stages, path, query, KEY), stages)
    assert isinstance(heard, BatchCall)
    assert (heard.caller.company, heard.channel, heard.ids) == ("A", channel, ("x", "y"))


def test_every_refusing_role_is_heard_and_the_order_picks_the_answer(stages: Stages) -> None:
    contract = stages.context.contract
    request, routing = get(stages, lookup_path(contract, "GW-x"), f"{contract.channel_param}=nope", None)
    heard = hear(request, routing, stages)
    assert isinstance(heard, Refused)
    assert heard.caller is None
    assert set(heard.refusals) == {UNAUTHORIZED, BAD_REQUEST}  # not_found stands aside without a caller
    contract_order = roles(stages.order, limited=False)
    assert judge(heard, contract_order, stages)[0] == heard.refusals[UNAUTHORIZED]
    bad_request_first = (BAD_REQUEST, *(role for role in ordered(stages.order) if role != BAD_REQUEST))
    assert judge(heard, bad_request_first, stages)[0] == heard.refusals[BAD_REQUEST]


def test_an_unknown_id_with_a_good_key_and_parameters_is_refused_by_not_found_only(stages: Stages) -> None:
    contract = stages.context.contract
    query = f"{contract.channel_param}={contract.channels[0]}"
    heard = hear(*get(stages, lookup_path(contract, "GW-never-sent"), query, KEY), stages)
    assert isinstance(heard, Refused)
    assert heard.caller is not None and set(heard.refusals) == {NOT_FOUND}
