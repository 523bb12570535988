#!/usr/bin/env python3
"""Fires the request-cost attacks at a release build while a second client polls /health.

Starts `target/release/millennium` on its own embedded PostgreSQL in a temporary data
directory, then for each attack runs ATTACKERS concurrent clients sending it back to back for
SECONDS seconds, while one more client asks /health every 20 ms. Prints, per attack, how long
the server took to answer it (median and worst) and /health's latency meanwhile (median, p99,
worst). The general rate limit is turned off so that the document analysis itself is
measured, not the 429s that would otherwise cut the attack short; a last run keeps the
default limits.

    tests/bench/abuse.py [--seconds 10] [--attackers 8]
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(ROOT, "target", "release", "millennium")
EMAIL = "bench@example.org"
PASSWORD = "Bench2026x"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql_body(query, variables=None):
    return json.dumps({"query": query, "variables": variables or {}}).encode()


def chained_fragments(levels=30, fanout=3):
    query = "query { ...F0 }"
    for i in range(levels):
        spreads = " ".join(f"...F{i + 1}" for _ in range(fanout))
        query += f" fragment F{i} on QueryRoot {{ {spreads} }}"
    return query + f" fragment F{levels} on QueryRoot {{ __typename }}"


def attacks():
    megabyte = 1024 * 1024 - 64
    flat = "{ " + "__typename " * ((megabyte - 4) // 11) + "}"
    nested = "{ a " * (megabyte // 5) + "}" * (megabyte // 5)
    aliased_logins = "mutation { " + " ".join(
        f'a{i}: login(email: "{EMAIL}", password: "Guess{i}x1") {{ accessToken }}' for i in range(200)
    ) + " }"
    # The most a request may hold: 10,000 tokens and 10,000 selections by default.
    largest = "{ " + "__typename " * 9_990 + "}"
    wide = "{ " + "__typename " * 490 + "}"
    return [
        ("fragment cycle", graphql_body("query{...F} fragment F on QueryRoot{...F ...F ...F}")),
        ("fragment cycle with a field", graphql_body("query{...F} fragment F on QueryRoot{__typename ...F ...F ...F ...F}")),
        ("chained fragments (3^30)", graphql_body(chained_fragments())),
        ("1 MiB of fields", graphql_body(flat)),
        ("1 MiB of nesting", graphql_body(nested)),
        ("200 aliased logins", graphql_body(aliased_logins)),
        ("the largest accepted query", graphql_body(largest)),
        ("batch of 20 wide queries", json.dumps([{"query": wide}] * 20).encode()),
    ]


class Server:
    def __init__(self, extra_env):
        self.data = tempfile.mkdtemp(prefix="millennium-bench-")
        os.chmod(self.data, 0o755)
        self.port = free_port()
        env = dict(os.environ, DATA_DIR=self.data, PORT=str(self.port), RUST_LOG="warn",
                   ADMIN_EMAIL=EMAIL, ADMIN_PASSWORD=PASSWORD, **extra_env)
        self.process = subprocess.Popen([BINARY], env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                status, _ = request(self.port, "GET", "/health")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)
        shutil.rmtree(self.data, ignore_errors=True)


def request(port, method, path, body=None, connection=None):
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    if own:
        connection.close()
    return response.status, data


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(port, name, body, seconds, attackers):
    stop = threading.Event()
    attack_times, statuses = [], {}
    health_times = []
    lock = threading.Lock()

    def attacker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not stop.is_set():
            started = time.perf_counter()
            try:
                status, _ = request(port, "POST", "/graphql", body, connection)
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = "error"
            elapsed = time.perf_counter() - started
            with lock:
                attack_times.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
        connection.close()

    def poller():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not stop.is_set():
            started = time.perf_counter()
            status, _ = request(port, "GET", "/health", None, connection)
            health_times.append(time.perf_counter() - started)
            assert status == 200, status
            time.sleep(0.02)
        connection.close()

    threads = [threading.Thread(target=attacker) for _ in range(attackers)]
    threads.append(threading.Thread(target=poller))
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    ms = lambda s: f"{s * 1000:7.1f}"
    print(f"{name:32} {len(attack_times):6} answers {dict(sorted(statuses.items(), key=str))}: "
          f"median {ms(statistics.median(attack_times))} ms, worst {ms(max(attack_times))} ms | "
          f"/health median {ms(statistics.median(health_times))} ms, "
          f"p99 {ms(percentile(health_times, 0.99))} ms, worst {ms(max(health_times))} ms "
          f"({len(health_times)} polls)")
    return max(health_times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--attackers", type=int, default=8)
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    print(f"{os.cpu_count()} CPUs; {args.attackers} attackers per attack, {args.seconds:g} s each")

    worst = 0.0
    server = Server({"RATE_LIMIT_PER_MINUTE": "0", "RATE_LIMIT_SENSITIVE_PER_MINUTE": "0",
                     "RATE_LIMIT_SENSITIVE_PER_ADDRESS_PER_MINUTE": "0"})
    try:
        run(server.port, "(one client, small queries)", graphql_body("{ __typename }"),
            args.seconds / 2, 1)
        for name, body in attacks():
            worst = max(worst, run(server.port, name, body, args.seconds, args.attackers))
    finally:
        server.stop()

    print("with the default rate limits:")
    server = Server({})
    try:
        for name, body in attacks()[:2]:
            worst = max(worst, run(server.port, name, body, args.seconds, args.attackers))
    finally:
        server.stop()
    print(f"worst /health latency during any attack: {worst * 1000:.1f} ms (goal: under 100 ms)")


if __name__ == "__main__":
    sys.exit(main())
