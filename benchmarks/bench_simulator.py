"""Single-lookup throughput of `gatewatch simulate`, measured with wrk.

Starts the simulator as a process (stopped by SIGTERM to its own pid), sends a few
messages on every channel to get real ids, then runs wrk with a Lua script that sets the
Authorization header and rotates over those ids and their channels. Prints lookups/s,
latency percentiles and non-2xx counts; exits 1 below --min-rps.

    .venv/bin/python benchmarks/bench_simulator.py [--duration 10] [--threads 2]
        [--connections 50] [--min-rps 4000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

import requests

from gatewatch.contract import default_contract
from gatewatch.core.config import SIMULATOR_KEYS

KEY = next(iter(SIMULATOR_KEYS))
MESSAGES_PER_CHANNEL = 20
READY_TIMEOUT_S = 20.0
HTTP_TIMEOUT_S = 5.0

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def simulator_command() -> list[str]:
    exe = shutil.which("gatewatch") or str(Path(sys.executable).with_name("gatewatch"))
    if Path(exe).exists():
        return [exe, "simulate"]
    return [sys.executable, "-c", "from gatewatch.cli import main; main()", "simulate"]


def read_ready(stream: IO[str], timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        raise SystemExit(f"no READY line within {timeout} s") from None
    if not line.startswith("READY "):
        raise SystemExit(f"unexpected first line from the simulator: {line!r}")
    return line.split(" ", 1)[1].strip()


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is not installed (apt-get install -y wrk, as root)")
    print("installing wrk with apt-get ...", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, timeout=600)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("apt-get installed wrk but it is not on PATH")
    return found


def send_messages(base_url: str) -> list[tuple[str, str]]:
    contract = default_contract()
    headers = {contract.auth.header: contract.auth.value(KEY)}
    sent = []
    with requests.Session() as session:
        for channel, path in contract.send_paths.items():
            for i in range(MESSAGES_PER_CHANNEL):
                body = {contract.send.destination: f"+3900000{i:05d}", contract.send.text: "benchmark"}
                answer = session.post(base_url + path, json=body, headers=headers, timeout=HTTP_TIMEOUT_S)
                answer.raise_for_status()
                sent.append((answer.json()[contract.send.id], channel))
    return sent


def lua_script(base_path: str, sent: list[tuple[str, str]]) -> str:
    contract = default_contract()
    prefix, _, suffix = contract.lookup_path.partition("{" + contract.id_param + "}")
    paths = [f"{base_path}{prefix}{mid}{suffix}?{contract.channel_param}={channel}" for mid, channel in sent]
    lua_paths = ",\n".join(json.dumps(p) for p in paths)
    return (
        f'wrk.headers["{contract.auth.header}"] = "{contract.auth.value(KEY)}"\n'
        f"local paths = {{\n{lua_paths}\n}}\n"
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        '  return wrk.format("GET", paths[(n % #paths) + 1])\n'
        "end\n"
    )


def to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> dict[str, float]:
    result: dict[str, float] = {}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not rps:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    result["lookups_per_s"] = float(rps.group(1))
    for pct in ("50", "90", "99"):
        found = re.search(rf"^\s+{pct}%\s+(\S+)", output, re.MULTILINE)
        if found:
            result[f"p{pct}_ms"] = to_ms(found.group(1))
    total = re.search(r"(\d+) requests in", output)
    result["requests"] = float(total.group(1)) if total else 0.0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result["non_2xx"] = float(non_2xx.group(1)) if non_2xx else 0.0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["socket_errors"] = float(sum(map(int, errors.groups()))) if errors else 0.0
    return result


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--min-rps", type=float, default=4000.0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args()


def run_wrk(wrk: str, args: argparse.Namespace, base_url: str, sent: list[tuple[str, str]]) -> str:
    """wrk's output for lookups of the `sent` ids at `base_url`."""
    origin, _, base_path = base_url.partition("//")[2].partition("/")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script("/" + base_path, sent))
    try:
        run = subprocess.run(
            [
                wrk,
                f"-t{args.threads}",
                f"-c{args.connections}",
                f"-d{args.duration}s",
                "--latency",
                "-s",
                script.name,
                f"http://{origin}/",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=args.duration + 60,
        )
    finally:
        os.unlink(script.name)
    return run.stdout


def stop(process: subprocess.Popen[str]) -> int:
    """Stop the simulator by SIGTERM to its own pid; its exit code."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(timeout=5)


def print_figures(figures: dict[str, float], args: argparse.Namespace, sent: list[tuple[str, str]]) -> None:
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency "
        f"({len(sent)} ids over {len({c for _, c in sent})} channels)\n"
        f"lookups/s: {figures['lookups_per_s']:,.0f}\n"
        f"latency p50 {figures.get('p50_ms', float('nan')):.2f} ms, "
        f"p90 {figures.get('p90_ms', float('nan')):.2f} ms, "
        f"p99 {figures.get('p99_ms', float('nan')):.2f} ms\n"
        f"requests: {figures['requests']:,.0f}, non-2xx: {figures['non_2xx']:.0f}, "
        f"socket errors: {figures['socket_errors']:.0f}, "
        f"simulator exit code: {figures['simulator_exit_code']:.0f}"
    )


def main() -> int:
    args = parse_args()
    wrk = ensure_wrk()
    process = subprocess.Popen(
        [*simulator_command(), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = read_ready(process.stdout, READY_TIMEOUT_S)
        sent = send_messages(base_url)
        output = run_wrk(wrk, args, base_url, sent)
    finally:
        code = stop(process)
    figures = parse_wrk(output)
    figures["simulator_exit_code"] = float(code)
    print_figures(figures, args, sent)
    ok = figures["lookups_per_s"] >= args.min_rps and figures["non_2xx"] == 0 and code == 0
    if not ok:
        print(f"FAIL: below {args.min_rps:,.0f} lookups/s, non-2xx answers, or a bad exit", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
