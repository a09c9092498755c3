"""Load test of the status lookups, for plain Locust; the gates in load/slo.yaml apply.

    GATEWATCH_API_KEY=... locust -f load/locustfile.py --headless \
        --host http://127.0.0.1:8080/api -u 20 -r 20 -t 60s

Everything lives in the gatewatch package (`gatewatch.loadtest`); `gatewatch load` runs
the same users and gates and starts the embedded simulator when given no target.
"""

from gatewatch.loadtest.locustfile import GatewayUser

__all__ = ["GatewayUser"]
