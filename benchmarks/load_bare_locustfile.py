"""A bare FastHttpUser for bench_load.py: one lookup path, no checks, no histograms.

It is the ceiling one Locust worker process can reach on this route; gatewatch's own
GatewayUser is measured beside it, so the cost of the checks and the histograms shows.
The path and the auth header come from the environment (BENCH_LOOKUP_PATH,
BENCH_AUTH_HEADER, BENCH_AUTH_VALUE), set by bench_load.py from the contract.
"""

import os

from locust import FastHttpUser, constant, task


class BareLookupUser(FastHttpUser):
    wait_time = constant(0)
    path = os.environ.get("BENCH_LOOKUP_PATH", "/")
    headers = {os.environ.get("BENCH_AUTH_HEADER", "X-Api-Key"): os.environ.get("BENCH_AUTH_VALUE", "")}

    @task
    def lookup(self) -> None:
        self.client.get(self.path, headers=self.headers, name="single lookup")
