"""Many clients at once: sends and lookups from threads never see a 5xx or another's data."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from .client import KEY_A, KEY_B, Api

# The test client shares the process (and its GIL) with the server: keep it moderate.
WORKERS = 12
ROUNDS = 10


def test_concurrent_sends_and_lookups(api: Api) -> None:
    contract = api.contract

    def client(worker: int) -> list[str]:
        problems: list[str] = []
        mine = Api(api.sim)
        key = (KEY_A, KEY_B)[worker % 2]
        other = (KEY_B, KEY_A)[worker % 2]
        try:
            ids: list[tuple[str, str]] = []
            for i in range(ROUNDS):
                channel = contract.channels[(worker + i) % len(contract.channels)]
                sent = mine.send(channel, key=key)
                if sent.status_code != mine.created:
                    problems.append(f"send {sent.status_code}")
                    continue
                ids.append((sent.json()[contract.send.id], channel))
                for message_id, ch in ids[-3:]:
                    found = mine.lookup(message_id, ch, key=key)
                    if found.status_code != 200 or found.json()[contract.fields.id] != message_id:
                        problems.append(f"lookup {found.status_code}")
                    if mine.lookup(message_id, ch, key=other).status_code != 404:
                        problems.append("another company's message was visible")
                asked = [m for m, c in ids if c == channel]
                batch = mine.batch(asked, channel, key=key)
                if batch.status_code != 200 or sorted(mine.found_ids(batch.json())) != sorted(asked):
                    problems.append(f"batch {batch.status_code}")
        finally:
            mine.close()
        return problems

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(client, range(WORKERS), timeout=120))
    assert [p for problems in results for p in problems] == []
    assert len(api.sim.app.store) == WORKERS * ROUNDS
