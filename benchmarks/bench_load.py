"""How many lookups/s one Locust worker process drives, against what the simulator can take.

In one run, against one simulator process (`gatewatch simulate`, started here):

1. wrk (1 thread) measures the simulator's capacity on a single-lookup route;
2. one Locust process (a bare FastHttpUser) drives the same route;
3. one Locust process runs gatewatch's GatewayUser as `gatewatch load` runs it (known-id
   lookups only, no think time; every answer's code checked, the default sample of
   answers through every contract check, the grouped names, the HDR histograms), and
   once more with no sampled checks;
4. for scale, geventhttpclient alone (the HTTP client under both users, no Locust) in
   one process with as many greenlets: the floor of any gevent-based generator here;
5. the scaling table: `gatewatch load --processes N` (a master and N worker processes on
   127.0.0.1) for N = 1 up to the number of CPUs, its gates judged on the master's
   merged histograms, the throughput read from the master's statistics.

For each it prints the steady-state lookups/s, the ratio to wrk, the generator's CPU
seconds per 1,000 requests, and the simulator's CPU use meanwhile: the simulator is one
asyncio process, so at about one full core (SIMULATOR_BOUND_CORES) it is the limit, not
the generator, and the line says so. Figures, not a test: nothing here asserts a time.

    .venv/bin/python benchmarks/bench_load.py [--duration 15] [--users 32] [--connections 32]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import re
import shutil
import signal
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
# The simulator is one asyncio process: near one core busy, it is what limits a run.
SIMULATOR_BOUND_CORES = 0.9


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
    """Samples the CPU seconds of some processes (each with its children) until stopped."""

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
                    row[name] = sum(_cpu(p) for p in (proc, *proc.children(recursive=True)))
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

    def cores(self, name: str, start: float, end: float) -> float:
        """Cores `name` used on average between `start` and `end`."""
        return (self.at(name, end) - self.at(name, start)) / max(1e-9, end - start)


def _cpu(proc: psutil.Process) -> float:
    try:
        times = proc.cpu_times()
    except psutil.Error:
        return 0.0  # a child that just ended
    return float(times.user + times.system)


@dataclass(frozen=True)
class Figures:
    """One generator's steady state: lookups/s, its CPU per 1,000 requests, the simulator's cores."""

    label: str
    rps: float
    cpu_s_per_1000: float | None
    generator_cores: float | None
    simulator_cores: float
    processes: int = 1  # generator processes (Locust workers), each at most one core

    @property
    def simulator_bound(self) -> bool:
        return self.simulator_cores >= SIMULATOR_BOUND_CORES

    @property
    def bound_by(self) -> str:
        """What limited the run: the simulator, the generator, or neither (the CPUs were shared)."""
        if self.simulator_bound:
            return "simulator"
        if (
            self.generator_cores is not None
            and self.generator_cores >= SIMULATOR_BOUND_CORES * self.processes
        ):
            return "generator"
        return "shared CPU"

    def line(self, capacity: float) -> str:
        cpu = "-" if self.cpu_s_per_1000 is None else f"{self.cpu_s_per_1000:.3f}"
        cores = "-" if self.generator_cores is None else f"{self.generator_cores:.2f}"
        return (
            f"| {self.label:<44} | {self.rps:>9,.0f} | {self.rps / capacity:>6.2f} | {cpu:>11} "
            f"| {cores:>15} | {self.simulator_cores:>15.2f} | {self.bound_by:<10} |"
        )


TABLE_HEADER = (
    f"| {'what':<44} | {'lookups/s':>9} | {'vs wrk':>6} | {'CPU s/1,000':>11} "
    f"| {'generator cores':>15} | {'simulator cores':>15} | {'bound by':<10} |"
)


def run_wrk(wrk: str, base_url: str, path: str, seconds: int, connections: int, sim_pid: int) -> Figures:
    url = base_url + path
    argv = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "-H", AUTH, url]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with CpuSampler({"simulator": sim_pid, "wrk": proc.pid}) as sampler:
        started = time.time()
        try:
            out, _ = proc.communicate(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise SystemExit("wrk overran") from None
        # Its CPU is read before it is reaped: the last sample is its total.
        ended = time.time()
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"wrk saw {non2xx.group(1)} non-2xx answers: the route is wrong\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    wrk_cpu = max(row.get("wrk", 0.0) for _, row in sampler.samples)
    return Figures(
        label=f"wrk -t1 -c{connections} (the simulator's capacity)",
        rps=rps,
        cpu_s_per_1000=wrk_cpu / (rps * seconds) * 1000,
        generator_cores=wrk_cpu / seconds,
        simulator_cores=sampler.cores("simulator", started, ended),
    )


def steady_window(history_csv: Path) -> tuple[float, float, int] | None:
    """From Locust's full-history CSV: (start, end, requests) of the run's steady part."""
    with open(history_csv, encoding="utf-8") as handle:
        history = [row for row in csv.DictReader(handle) if row["Name"] == "Aggregated"]
    points = [(float(r["Timestamp"]), int(r["Total Request Count"])) for r in history]
    points = [p for p in points if p[1] > 0]
    if len(points) < 3:
        return None
    start_t = points[0][0] + TRIM_START_S
    end_t = points[-1][0] - TRIM_END_S
    # A master's count moves only when a worker reports (every few seconds): measure
    # between the points where it moved, so a flat stretch at either end is not counted.
    window = [p for i, p in enumerate(points) if start_t <= p[0] <= end_t and p[1] != points[i - 1][1]]
    if len(window) < 2:
        return None
    (t_a, n_a), (t_b, n_b) = window[0], window[-1]
    return t_a, t_b, n_b - n_a


def run_locust(
    label: str, argv: list[str], env: dict[str, str], history_csv: Path, seconds: int, sim_pid: int
) -> Figures:
    """Run `argv` (a Locust or `gatewatch load` process writing `history_csv`) and measure it."""
    proc = subprocess.Popen(
        argv,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    with CpuSampler({"locust": proc.pid, "simulator": sim_pid}) as sampler:
        try:
            _, err = proc.communicate(timeout=seconds + 120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise SystemExit(f"{label}: overran") from None
    with open(history_csv, encoding="utf-8") as handle:
        history = [row for row in csv.DictReader(handle) if row["Name"] == "Aggregated"]
    failures = int(history[-1]["Total Failure Count"]) if history else 0
    if failures:
        raise SystemExit(f"{label}: {failures} failed requests: the route or the key is wrong\n{err[-2000:]}")
    window = steady_window(history_csv)
    if window is None:
        raise SystemExit(f"{label}: too little history to measure\n{err[-2000:]}")
    t_a, t_b, requests = window
    span = t_b - t_a
    locust_cpu = sampler.at("locust", t_b) - sampler.at("locust", t_a)
    figures = Figures(
        label=label,
        rps=requests / span,
        cpu_s_per_1000=locust_cpu / requests * 1000,
        generator_cores=locust_cpu / span,
        simulator_cores=sampler.cores("simulator", t_a, t_b),
    )
    print(f"{label}: {figures.rps:,.0f} lookups/s over {span:.0f} s", flush=True)
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


def run_raw_client(base_url: str, path: str, users: int, seconds: int, sim_pid: int) -> Figures:
    argv = [sys.executable, "-c", RAW_CLIENT, base_url + path, KEY, str(users), str(seconds), AUTH]
    with CpuSampler({"simulator": sim_pid}) as sampler:
        started = time.time()
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
        ended = time.time()
    count, span, cpu = (float(x) for x in out.split())
    return Figures(
        label=f"geventhttpclient alone, {users} greenlets",
        rps=count / span,
        cpu_s_per_1000=cpu / count * 1000,
        generator_cores=cpu / span,
        # The client's first second (connections) is not measured: close enough for scale.
        simulator_cores=sampler.cores("simulator", started + 1, ended),
    )


def gateway_options(tmp: Path, sample: float | None) -> LoadOptions:
    """GatewayUser's options as `gatewatch load` writes them: known ids, no think time."""
    more = {} if sample is None else {"validate_sample": sample}
    return LoadOptions(
        mix="known=1",
        think_time_s=0.0,
        warmup_s=0.0,
        slo_file=REPO / "load" / "slo.yaml",
        load_dir=str(tmp / "reports" / "load"),
        target=TargetOptions(contracts=DIALECT),
        **more,  # type: ignore[arg-type]
    )


def scaling(
    args: argparse.Namespace, env: dict[str, str], base_url: str, tmp: Path, sim_pid: int
) -> list[Figures]:
    """`gatewatch load --processes N` for N = 1..CPUs: a master and N workers on 127.0.0.1."""
    rows: list[Figures] = []
    for workers in range(1, (os.cpu_count() or 1) + 1):
        reports = tmp / f"scale-{workers}"
        argv = [
            sys.executable,
            "-c",
            "from gatewatch.cli import main; main()",
            "load",
            "--base-url",
            base_url,
            "--contracts",
            DIALECT,
            "--reports-dir",
            str(reports),
            "--processes",
            str(workers),
            "--users",
            str(args.users * workers),
            "--duration",
            f"{args.duration}s",
            "--mix",
            "known=1",
            "--",
            "--csv-full-history",
            LoadOptions.flag_of("think_time_s", Surface.LOCUST),
            "0",
        ]
        figures = run_locust(
            f"gatewatch load --processes {workers}",
            argv,
            env,
            reports / "load" / "locust_stats_history.csv",
            args.duration,
            sim_pid,
        )
        summary = json.loads((reports / "load" / "summary.json").read_text(encoding="utf-8"))
        merged = summary["cross_check"]
        print(
            f"  master's merged records: {summary['workers']} workers, {merged['recorded_requests']:,} "
            f"requests recorded of {merged['locust_requests']:,} Locust counted; gates "
            f"{'passed' if summary['passed'] else 'FAILED'}",
            flush=True,
        )
        rows.append(dataclasses.replace(figures, processes=workers))
    return rows


def print_tables(rows: list[Figures], scaled: list[Figures]) -> None:
    """The single-process table (ratios to wrk, the first row) and the scaling table (ratios to N=1)."""
    rule = "|" + "|".join("-" * len(c) for c in TABLE_HEADER.split("|")[1:-1]) + "|"
    print(TABLE_HEADER)
    print(rule)
    for row in rows:
        print(row.line(rows[0].rps))
    if scaled:
        print("scaling: gatewatch load --processes N, a master and N workers on 127.0.0.1")
        print(TABLE_HEADER.replace("vs wrk", "vs N=1"))
        print(rule)
        for row in scaled:
            print(row.line(scaled[0].rps))
    for row in (*rows, *scaled):
        if row.simulator_bound:
            print(
                f"note: the simulator was the bottleneck of {row.label!r} ({row.simulator_cores:.2f} cores)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=15, help="Seconds per Locust run (wrk: 2/3 of it).")
    parser.add_argument("--users", type=int, default=32, help="Locust users per process (no think time).")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections.")
    parser.add_argument("--no-scaling", action="store_true", help="Leave out the --processes N table.")
    args = parser.parse_args()
    wrk = ensure_wrk()
    print(
        f"machine: {os.cpu_count()} CPUs (simulator, load generator and wrk share them); "
        f"load average before: {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWATCH_", "LOCUST_"))}
    env["GATEWATCH_API_KEY"] = KEY
    locust = [sys.executable, "-m", "locust", "--headless", "--only-summary", "--loglevel", "WARNING"]
    shape = ["-u", str(args.users), "-r", str(args.users), "-t", f"{args.duration}s"]
    with simulator_process(contract=CONTRACT) as sim, tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        path = lookup_path(sim.base_url)
        env["BENCH_LOOKUP_PATH"] = path
        env["BENCH_AUTH_HEADER"] = CONTRACT.auth.header
        env["BENCH_AUTH_VALUE"] = CONTRACT.auth.value(KEY)
        capacity = run_wrk(wrk, sim.base_url, path, max(5, args.duration * 2 // 3), args.connections, sim.pid)
        rows = [capacity]

        def one_locust(label: str, name: str, extra: list[str]) -> Figures:
            csv_prefix = tmp / name
            argv = [*locust, "--host", sim.base_url, *shape, "--csv", str(csv_prefix), "--csv-full-history"]
            return run_locust(
                label, [*argv, *extra], env, Path(f"{csv_prefix}_stats_history.csv"), args.duration, sim.pid
            )

        rows.append(one_locust("one Locust worker, bare FastHttpUser", "bare", ["-f", str(BARE_LOCUSTFILE)]))
        default_sample = LoadOptions().validate_sample
        for sample in (None, 0.0):
            shown = default_sample if sample is None else sample
            options = gateway_options(tmp / f"gw-{shown}", sample).as_args(Surface.LOCUST)
            rows.append(
                one_locust(
                    f"one Locust worker, GatewayUser, sample {shown:g}",
                    f"gateway-{shown}",
                    ["-f", str(PACKAGED_LOCUSTFILE), *options],
                )
            )
        rows.append(run_raw_client(sim.base_url, path, args.users, args.duration * 2 // 3, sim.pid))
        scaled = [] if args.no_scaling else scaling(args, env, sim.base_url, tmp, sim.pid)
    print(f"load average after: {os.getloadavg()[0]:.2f} (other work on the machine skews every figure)")
    print_tables(rows, scaled)


if __name__ == "__main__":
    main()
