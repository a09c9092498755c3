"""The account's one callback gets all of the account's deliveries, not only the run's.

While the suite's delivery test runs, someone else sends messages with the same key: their
webhooks reach the suite's receiver. The suite looks them up with its key, finds them
(they are the account's own), notes them and does not fail; a webhook for another
account's message still fails (the webhook_other_company defect, in test_catches_defects).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gatewatch.contract import default_contract
from gatewatch.core.client import GatewayClient
from gatewatch.core.embedded import simulator_process
from gatewatch.core.secrets import Secret
from tests.suite.conftest import LOCAL_WEBHOOKS, SIMULATOR_KEYS, run_suite

#: Someone else's sends: one every this many seconds, at most MAX_SENDS.
SEND_EVERY_S = 0.05
MAX_SENDS = 400


@contextmanager
def other_traffic(base_url: str) -> Iterator[list[str]]:
    """Send delivered messages with the suite's own key until the block ends (bounded); yields their ids."""
    contract = default_contract()
    key = Secret(SIMULATOR_KEYS["GATEWATCH_API_KEY"])
    channel = contract.channels[0]
    delivered = "+3934000" + contract.recipients[contract.default_outcome].suffix
    sent: list[str] = []
    stop = threading.Event()

    def send() -> None:
        with GatewayClient(base_url, key, contract=contract) as client:
            for _ in range(MAX_SENDS):
                if stop.wait(SEND_EVERY_S):
                    return
                answer = client.send(channel, delivered, "someone else's message")
                body = answer.response.json_or_none()
                if isinstance(body, dict) and isinstance(body.get(contract.send.id), str):
                    sent.append(body[contract.send.id])

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    try:
        yield sent
    finally:
        stop.set()
        thread.join(timeout=10)


def test_the_accounts_other_traffic_is_looked_up_noted_and_not_failed(tmp_path: Path) -> None:
    with simulator_process(LOCAL_WEBHOOKS) as sim, other_traffic(sim.base_url) as sent:
        run = run_suite(tmp_path, "--base-url", sim.base_url, "-k", "webhook_deliveries")
    assert sent, "someone else sent messages during the run"
    assert run.exit_code == 0, run.output[-3000:]
    scoped = run.summary["rules"]["webhook_scoped"]
    assert scoped["status"] == "passed"
    notes = " ".join(scoped["notes"])
    assert "of this account that this run did not send" in notes, scoped
