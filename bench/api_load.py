"""``GET /v1/members/{id}/offers`` under concurrent load, next to ``GET /healthz`` in one run.

Usage::

    python bench/api_load.py DATA_DIR [--seconds 20] [--connections 8] [--workers 2]

``DATA_DIR`` is a ``LOYALTY_DATA_DIR`` with imported data, a trained model and a generated
campaign (the 100,000-member fixture: see the README's benchmarks). The script serves it with
``loyalty serve --workers N`` on a free port of 127.0.0.1, creates a channel key, and loads the
server from a second process: ``--connections`` threads, each with its own keep-alive
connection, sending requests back to back for ``--seconds`` (after a warm-up), first to
``/healthz``, then to the offers of random members. It prints p50, p99, requests per second and
errors of both, and the offers' throughput as a share of healthz's.
Goal: offers p99 under 10 ms and at least 30 % of the healthz throughput, zero errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def loyalty(environment: dict, *args: str) -> str:
    command = [str(Path(sys.executable).with_name("loyalty")), *args]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    return done.stdout


def wait_ready(port: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not become ready")


def hammer(port, paths, headers, seconds, connections, results) -> None:
    """Run in the load process: ``connections`` threads sending requests back to back."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    stop = time.monotonic() + seconds

    def worker(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        pick = random.Random(slot)
        while time.monotonic() < stop:
            path = paths[pick.randrange(len(paths))]
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            latencies[slot].append(time.perf_counter() - started)
            errors[slot] += not ok

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    results.put((np.concatenate([np.array(x) for x in latencies]), sum(errors), elapsed))


def measure(port, paths, headers, seconds, connections) -> dict:
    results = multiprocessing.Queue()
    load = multiprocessing.Process(
        target=hammer, args=(port, paths, headers, seconds, connections, results)
    )
    load.start()
    latencies, errors, elapsed = results.get()
    load.join()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 2),
        "p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    environment = {**os.environ, "LOYALTY_DATA_DIR": str(options.data_dir)}
    key = loyalty(environment, "keys", "create", "--role", "channel",
                  "--name", f"bench-{int(time.time())}").strip().splitlines()[-1]  # fmt: skip
    database = environment.get("LOYALTY_DATABASE_URL") or (
        f"sqlite:///{options.data_dir / 'loyalty.db'}"
    )
    with sa.create_engine(database).connect() as connection:
        members = pd.read_sql("SELECT member_id FROM members", connection)["member_id"]
    paths = [f"/v1/members/{m}/offers?limit=5" for m in members.sample(5000, random_state=1)]
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("loyalty")), "serve", "--port", str(port),
         "--workers", str(options.workers)],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_ready(port)
        headers = {"Authorization": f"Bearer {key}"}
        measure(port, paths[:200], headers, 3.0, options.connections)  # warm-up
        health = measure(port, ["/healthz"], {}, options.seconds, options.connections)
        offers = measure(port, paths, headers, options.seconds, options.connections)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report = {
        "workers": options.workers,
        "connections": options.connections,
        "seconds": options.seconds,
        "healthz": health,
        "offers": offers,
        "offers_share_of_healthz_rps": round(offers["rps"] / health["rps"], 3),
    }
    if options.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{options.workers} gunicorn workers, {options.connections} connections, "
          f"{options.seconds:g} s each, load from a second process on 127.0.0.1")  # fmt: skip
    print(f"{'route':<28}{'requests':>10}{'errors':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}")
    for name, row in (("GET /healthz", health), ("GET /v1/members/{id}/offers", offers)):
        print(f"{name:<28}{row['requests']:>10}{row['errors']:>8}{row['rps']:>10}"
              f"{row['p50_ms']:>9}{row['p99_ms']:>9}")  # fmt: skip
    print(f"offers throughput = {report['offers_share_of_healthz_rps']:.0%} of healthz "
          "(goal >= 30%); offers p99 goal < 10 ms; zero errors")  # fmt: skip


if __name__ == "__main__":
    main()
