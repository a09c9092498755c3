"""How many lookups/s one Locust worker process drives, against what the simulator can take.

In one run, against one simulator process (`gatewatch simulate`, started here):

1. wrk (1 thread) measures the simulator's capacity on a single-lookup route;
2. one Locust process (a bare FastHttpUser) drives the same route;
3. one Locust process runs gatewatch's GatewayUser (known-id lookups only, no think time,
   no sampled validation: the status-code check and the HDR histograms stay on);
4. for scale, geventhttpclient alone (the HTTP client under FastHttpUser, no Locust) in
   one process with as many greenlets: the floor of any gevent-based generator here.

For each Locust run it prints the steady-state lookups/s, the Locust process's CPU
seconds per 1,000 requests, and the simulator's CPU use meanwhile (a simulator at about
one full core is the limit, not Locust). Then the ratios to wrk. Figures, not a test:
nothing here asserts a time.

    .venv/bin/python benchmarks/bench_load.py [--duration 15] [--users 32] [--connections 32]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psutil

from gatewatch.checks import sent_id
from gatewatch.contract import resolve_contract
from gatewatch.core.client import GatewayClient
from gatewatch.core.embedded import simulator_process
from gatewatch.core.options import Surface, TargetOptions
from gatewatch.core.options.load import LoadOptions
from gatewatch.core.secrets import Secret
from gatewatch.loadtest.runner import PACKAGED_LOCUSTFILE

HERE = Path(__file__).resolve().parent
BARE_LOCUSTFILE = HERE / "load_bare_locustfile.py"
REPO = HERE.parent
KEY = "key-a"
# Every generator here must make the same request for the figures to compare: the bare
# locustfile gets the contract's auth header through the environment.
DIALECT = "vendor"
CONTRACT = resolve_contract(DIALECT)
AUTH = f"{CONTRACT.auth.header}: {CONTRACT.auth.value(KEY)}"
SAMPLE_EVERY_S = 0.5
# Steady state: leave out the first and last seconds of each Locust run.
TRIM_START_S = 3.0
TRIM_END_S = 1.0


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing the Debian package", flush=True)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, timeout=300)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is still not on PATH after apt-get install")
    return found


def lookup_path(base_url: str) -> str:
    """The path, under the base URL, of one real lookup (a message sent now)."""
    contract = CONTRACT
    channel = contract.channels[0]
    with GatewayClient(base_url, Secret(KEY), contract=contract) as client:
        message_id = sent_id(client.send(channel, "+393400000001", "bench"), contract)
    if message_id is None:
        raise SystemExit("the simulator did not accept the benchmark's send")
    path = contract.lookup_path.replace("{" + contract.id_param + "}", quote(message_id, safe=""))
    return f"{path}?{contract.channel_param}={channel}"


@dataclass
class CpuSampler:
    """Samples the CPU seconds of some processes until stopped."""

    pids: dict[str, int]

    def __post_init__(self) -> None:
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._procs = {name: psutil.Process(pid) for name, pid in self.pids.items()}
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():  # bounded by stop()
            now = time.time()
            row: dict[str, float] = {}
            for name, proc in self._procs.items():
                try:
                    times = proc.cpu_times()
                    row[name] = times.user + times.system
                except psutil.Error:
                    continue
            self.samples.append((now, row))
            self._stop.wait(SAMPLE_EVERY_S)

    def __enter__(self) -> CpuSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def at(self, name: str, when: float) -> float:
        """CPU seconds of `name` at `when`, interpolated between samples."""
        points = [(t, row[name]) for t, row in self.samples if name in row]
        before = max((p for p in points if p[0] <= when), default=points[0])
        after = min((p for p in points if p[0] >= when), default=points[-1])
        if after[0] == before[0]:
            return before[1]
        share = (when - before[0]) / (after[0] - before[0])
        return before[1] + share * (after[1] - before[1])


def run_wrk(wrk: str, base_url: str, path: str, seconds: int, connections: int, sim_pid: int) -> float:
    url = base_url + path
    argv = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "-H", AUTH, url]
    with CpuSampler({"simulator": sim_pid}) as sampler:
        started = time.time()
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
        ended = time.time()
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"wrk saw {non2xx.group(1)} non-2xx answers: the route is wrong\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    sim_cpu = (sampler.at("simulator", ended) - sampler.at("simulator", started)) / (ended - started)
    print(f"wrk -t1 -c{connections} -d{seconds}s: {rps:,.0f} lookups/s; simulator CPU {sim_cpu:.2f} cores")
    return rps


@dataclass(frozen=True)
class LocustFigures:
    rps: float
    cpu_s_per_1000: float
    simulator_cores: float
    locust_cores: float


def run_locust(
    label: str, argv: list[str], env: dict[str, str], csv_prefix: Path, seconds: int, sim_pid: int
) -> LocustFigures:
    proc = subprocess.Popen(
        [*argv, "--csv", str(csv_prefix), "--csv-full-history"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    with CpuSampler({"locust": proc.pid, "simulator": sim_pid}) as sampler:
        try:
            _, err = proc.communicate(timeout=seconds + 90)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise SystemExit(f"{label}: locust overran") from None
    with open(f"{csv_prefix}_stats_history.csv", encoding="utf-8") as handle:
        history = [row for row in csv.DictReader(handle) if row["Name"] == "Aggregated"]
    failures = int(history[-1]["Total Failure Count"]) if history else 0
    if failures:
        raise SystemExit(f"{label}: {failures} failed requests: the route or the key is wrong\n{err[-2000:]}")
    points = [(float(r["Timestamp"]), int(r["Total Request Count"])) for r in history]
    points = [p for p in points if p[1] > 0]
    if len(points) < 3:
        raise SystemExit(f"{label}: too little history to measure\n{err[-2000:]}")
    start_t = points[0][0] + TRIM_START_S
    end_t = points[-1][0] - TRIM_END_S
    window = [p for p in points if start_t <= p[0] <= end_t]
    (t_a, n_a), (t_b, n_b) = window[0], window[-1]
    requests = n_b - n_a
    span = t_b - t_a
    locust_cpu = sampler.at("locust", t_b) - sampler.at("locust", t_a)
    sim_cpu = sampler.at("simulator", t_b) - sampler.at("simulator", t_a)
    figures = LocustFigures(
        rps=requests / span,
        cpu_s_per_1000=locust_cpu / requests * 1000,
        simulator_cores=sim_cpu / span,
        locust_cores=locust_cpu / span,
    )
    print(
        f"{label}: {figures.rps:,.0f} lookups/s over {span:.0f} s; "
        f"Locust CPU {figures.cpu_s_per_1000:.3f} s per 1,000 requests ({figures.locust_cores:.2f} cores); "
        f"simulator CPU {figures.simulator_cores:.2f} cores"
    )
    return figures


RAW_CLIENT = """
import sys, time, resource
from gevent import monkey; monkey.patch_all()
import gevent
from geventhttpclient import HTTPClient
from geventhttpclient.url import URL
url, key, users, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
auth_name, _, auth_value = sys.argv[5].partition(": ")
target = URL(url)
client = HTTPClient(target.host, target.port, concurrency=users, connection_timeout=5, network_timeout=5)
path = target.request_uri
headers = {auth_name: auth_value}
count = 0
def loop(until):
    global count
    while time.time() < until:
        response = client.get(path, headers=headers)
        response.read()
        if response.status_code != 200:
            raise SystemExit("status %d" % response.status_code)
        count += 1
# A first second to open connections, then the measured window.
gevent.joinall([gevent.spawn(loop, time.time() + 1) for _ in range(users)])
count = 0
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu0, t0 = usage.ru_utime + usage.ru_stime, time.time()
gevent.joinall([gevent.spawn(loop, t0 + seconds) for _ in range(users)])
usage = resource.getrusage(resource.RUSAGE_SELF)
print(count, time.time() - t0, usage.ru_utime + usage.ru_stime - cpu0)
"""


def run_raw_client(base_url: str, path: str, users: int, seconds: int, sim_pid: int) -> float:
    argv = [sys.executable, "-c", RAW_CLIENT, base_url + path, KEY, str(users), str(seconds), AUTH]
    with CpuSampler({"simulator": sim_pid}) as sampler:
        started = time.time()
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
        ended = time.time()
    count, span, cpu = (float(x) for x in out.split())
    sim_cpu = (sampler.at("simulator", ended) - sampler.at("simulator", started)) / (ended - started)
    print(
        f"geventhttpclient alone, {users} greenlets: {count / span:,.0f} lookups/s; "
        f"CPU {cpu / count * 1000:.3f} s per 1,000 requests ({cpu / span:.2f} cores); "
        f"simulator CPU {sim_cpu:.2f} cores"
    )
    return count / span


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=15, help="Seconds per Locust run (wrk: 2/3 of it).")
    parser.add_argument("--users", type=int, default=32, help="Locust users (no think time).")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections.")
    args = parser.parse_args()
    wrk = ensure_wrk()
    print(
        f"machine: {os.cpu_count()} CPUs (simulator, load generator and wrk share them); "
        f"load average before: {os.getloadavg()[0]:.2f}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWATCH_", "LOCUST_"))}
    env["GATEWATCH_API_KEY"] = KEY
    locust = [sys.executable, "-m", "locust", "--headless", "--only-summary", "--loglevel", "WARNING"]
    shape = ["-u", str(args.users), "-r", str(args.users), "-t", f"{args.duration}s"]
    with simulator_process(contract=CONTRACT) as sim, tempfile.TemporaryDirectory() as tmp:
        path = lookup_path(sim.base_url)
        env["BENCH_LOOKUP_PATH"] = path
        env["BENCH_AUTH_HEADER"] = CONTRACT.auth.header
        env["BENCH_AUTH_VALUE"] = CONTRACT.auth.value(KEY)
        capacity = run_wrk(wrk, sim.base_url, path, max(5, args.duration * 2 // 3), args.connections, sim.pid)
        bare = run_locust(
            "one Locust worker, bare FastHttpUser",
            [*locust, "-f", str(BARE_LOCUSTFILE), "--host", sim.base_url, *shape],
            env,
            Path(tmp) / "bare",
            args.duration,
            sim.pid,
        )
        gateway = run_locust(
            "one Locust worker, gatewatch GatewayUser",
            [
                *locust,
                "-f",
                str(PACKAGED_LOCUSTFILE),
                "--host",
                sim.base_url,
                *shape,
                # GatewayUser as gatewatch load runs it, its options written from their declaration.
                *LoadOptions(
                    mix="known=1",
                    think_time_s=0.0,
                    validate_sample=0.0,
                    warmup_s=0.0,
                    slo_file=REPO / "load" / "slo.yaml",
                    load_dir=str(Path(tmp) / "reports" / "load"),
                    target=TargetOptions(contracts=DIALECT),
                ).as_args(Surface.LOCUST),
            ],
            env,
            Path(tmp) / "gateway",
            args.duration,
            sim.pid,
        )
        raw = run_raw_client(sim.base_url, path, args.users, args.duration * 2 // 3, sim.pid)
    print(f"load average after: {os.getloadavg()[0]:.2f} (other work on the machine skews every figure)")
    print(f"ratio bare FastHttpUser / wrk:       {bare.rps / capacity:.2f}")
    print(f"ratio gatewatch GatewayUser / wrk:   {gateway.rps / capacity:.2f}")
    print(f"ratio GatewayUser / bare FastHttpUser: {gateway.rps / bare.rps:.2f}")
    print(f"ratio geventhttpclient alone / wrk:  {raw / capacity:.2f}")


if __name__ == "__main__":
    main()
