"""Defects of the delivery webhooks: the payload's shape and statusCode, whom and when it reaches.

Each names the rule the suite's delivery tests (test_webhook_deliveries.py) catch it by.
"""

from __future__ import annotations

from dataclasses import replace

from gatewatch.contract import Contract
from gatewatch.contract.webhooks import PayloadRole
from gatewatch.simulator import payloads
from gatewatch.simulator.defects.registry import defect
from gatewatch.simulator.lifecycle import Step
from gatewatch.simulator.stages import Payload, Stages, deliver_final
from gatewatch.simulator.store import Message


def has_dry_run(contract: Contract) -> bool:
    """The dialect's send has a dry-run field (`simulation`)."""
    return contract.send.dry_run is not None


@defect(
    name="webhook_other_shape",
    rule="webhook_payload_shape",
    description="Payloads come in another documented shape than the dialect's default.",
)
def webhook_other_shape(st: Stages) -> Stages:
    webhooks = st.context.contract.webhooks
    other = next(shape for name, shape in webhooks.payloads.items() if name != webhooks.default_payload)

    def delivery_body(st: Stages, message: Message, step: Step) -> Payload:
        return payloads.build(st.context.contract, other, message, step)

    return replace(st, delivery_body=delivery_body)


def _with_code(st: Stages, body: Payload, code: int) -> Payload:
    contract = st.context.contract
    name = payloads.field_for(contract, contract.webhooks.default_shape, PayloadRole.STATUS_CODE)
    return {**body, name: code} if name is not None else body


@defect(
    name="webhook_wrong_status_code",
    rule="webhook_status_code",
    description="The statusCode is an undocumented one, which maps to no final status.",
)
def webhook_wrong_status_code(st: Stages) -> Stages:
    inner = st.delivery_body
    undocumented = max(st.context.contract.webhooks.status_codes) + 1

    def delivery_body(st: Stages, message: Message, step: Step) -> Payload:
        return _with_code(st, inner(st, message, step), undocumented)

    return replace(st, delivery_body=delivery_body)


@defect(
    name="webhook_final_differs",
    rule="webhook_agrees_with_lookup",
    description="The payload reports another final status (its documented code) than lookups show.",
)
def webhook_final_differs(st: Stages) -> Stages:
    inner = st.delivery_body
    contract = st.context.contract

    def delivery_body(st: Stages, message: Message, step: Step) -> Payload:
        mine = payloads.status_code_for(contract, step.status)
        other = next(
            status
            for status in sorted(contract.final_statuses)
            if payloads.status_code_for(contract, status) not in (mine, None)
        )
        return inner(st, message, replace(step, status=other))

    return replace(st, delivery_body=delivery_body)


@defect(
    name="webhook_other_company",
    rule="webhook_scoped",
    description="Every company's callback also gets the webhooks of other companies' messages.",
)
def webhook_other_company(st: Stages) -> Stages:
    inner = st.schedule_delivery

    def schedule_delivery(st: Stages, message: Message, dry_run: bool) -> None:
        inner(st, message, dry_run)
        others = [company for company in st.context.webhooks.companies() if company != message.company]
        for company in [] if dry_run else others:
            deliver_final(st, message, company)

    return replace(st, schedule_delivery=schedule_delivery)


@defect(
    name="webhook_after_delete",
    rule="webhook_grace_after_delete",
    description="A deleted webhook's URL keeps getting payloads, past the grace period and for new messages.",
)
def webhook_after_delete(st: Stages) -> Stages:
    inner_schedule, inner_url = st.schedule_delivery, st.delivery_url

    def schedule_delivery(st: Stages, message: Message, dry_run: bool) -> None:
        inner_schedule(st, message, dry_run)
        hooks = st.context.webhooks
        forgotten = hooks.get(message.company) is None and hooks.removed(message.company) is not None
        if forgotten and not dry_run:
            deliver_final(st, message, message.company)

    def delivery_url(st: Stages, company: str, due: float) -> str | None:
        found = inner_url(st, company, due)
        removed = st.context.webhooks.removed(company)
        return found if found is not None or removed is None else removed[0].callback_url

    return replace(st, schedule_delivery=schedule_delivery, delivery_url=delivery_url)


@defect(
    name="webhook_for_simulation",
    rule="webhook_no_simulation",
    description="A simulation send (a dry run) gets a delivery webhook as if it had been sent.",
    applies=has_dry_run,
)
def webhook_for_simulation(st: Stages) -> Stages:
    inner = st.schedule_delivery

    def schedule_delivery(st: Stages, message: Message, dry_run: bool) -> None:
        inner(st, message, False)

    return replace(st, schedule_delivery=schedule_delivery)


@defect(
    name="webhook_lost_all",
    rule="webhook_lost",
    description="No delivery webhook ever reaches the callback.",
)
def webhook_lost_all(st: Stages) -> Stages:
    def delivery_url(st: Stages, company: str, due: float) -> str | None:
        return None

    return replace(st, delivery_url=delivery_url)
