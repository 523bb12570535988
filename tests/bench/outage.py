"""The load and the measurements of tests/bench/outage.sh (which starts the server and the
database and passes their whereabouts in arguments and OUTAGE_* variables)."""

import argparse
import http.client
import json
import os
import pwd
import signal
import statistics
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

QUERIES = [
    "{ unionMembers(first: 20) { nodes { firstName union { name } } } }",
    "{ loans(first: 20) { nodes { loanNumber status } } }",
    "{ me { email role } }",
    "{ dashboard { members unions loans } }",
]


class Database:
    """The PostgreSQL cluster: stopped and started with pg_ctl, hung and resumed with signals."""

    def __init__(self):
        self.pg_ctl = os.environ["OUTAGE_PG_CTL"]
        self.cluster = os.environ["OUTAGE_CLUSTER"]
        self.port = os.environ["OUTAGE_PG_PORT"]
        self.log = os.environ["OUTAGE_PG_LOG"]
        self.owner = pwd.getpwuid(os.stat(self.cluster).st_uid).pw_name

    def _pg_ctl(self, *args):
        command = [self.pg_ctl, "-D", self.cluster, "-w", "-s", *args]
        if pwd.getpwuid(os.getuid()).pw_name != self.owner:
            command = ["runuser", "-u", self.owner, "--", *command]
        subprocess.run(command, check=True)

    def stop(self):
        self._pg_ctl("-m", "fast", "stop")

    def start(self):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories="
        self._pg_ctl("-l", self.log, "-o", options, "start")

    def processes(self):
        with open(os.path.join(self.cluster, "postmaster.pid")) as pid_file:
            postmaster = int(pid_file.readline())
        children = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        fields = stat.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == postmaster:
                    children.append(int(entry))
        return postmaster, children

    def hang(self):
        postmaster, children = self.processes()
        os.kill(postmaster, signal.SIGSTOP)  # first, so that it forks no one meanwhile
        for child in children:
            os.kill(child, signal.SIGSTOP)
        return 1 + len(children)

    def resume(self):
        postmaster, children = self.processes()
        for child in children:
            os.kill(child, signal.SIGCONT)
        os.kill(postmaster, signal.SIGCONT)


class Load:
    """Requests sent on a fixed schedule (open loop), each on a kept-alive connection of its
    worker thread; every answer recorded with its send time."""

    def __init__(self, port, token, rate):
        self.port, self.token, self.rate = port, token, rate
        self.results = []  # (sent, seconds, http status, error code or None)
        self.in_flight = 0
        self.most_in_flight = []  # (time, in flight) at each send
        self.lock = threading.Lock()
        self.local = threading.local()
        self.stopping = threading.Event()
        self.pool = ThreadPoolExecutor(max_workers=3000)

    def _connection(self):
        if getattr(self.local, "connection", None) is None:
            self.local.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        return self.local.connection

    def _one(self, index):
        body = json.dumps({"query": QUERIES[index % len(QUERIES)]})
        headers = {"content-type": "application/json", "authorization": f"Bearer {self.token}"}
        sent = time.monotonic()
        try:
            connection = self._connection()
            connection.request("POST", "/graphql", body, headers)
            response = connection.getresponse()
            answer = json.loads(response.read() or b"{}")
            status = response.status
            errors = answer.get("errors") or []
            code = (errors[0].get("extensions") or {}).get("code", "NO CODE") if errors else None
        except (OSError, http.client.HTTPException, ValueError) as error:
            self.local.connection = None
            status, code = 0, type(error).__name__
        with self.lock:
            self.in_flight -= 1
            self.results.append((sent, time.monotonic() - sent, status, code))

    def run(self):
        start = time.monotonic()
        index = 0
        while not self.stopping.is_set():
            due = start + index / self.rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            with self.lock:
                self.in_flight += 1
                self.most_in_flight.append((time.monotonic(), self.in_flight))
            self.pool.submit(self._one, index)
            index += 1

    def drain(self):
        self.pool.shutdown(wait=True)


def get(port, path, timeout):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Watch:
    """Every 200 ms: /health's status, the server's resident memory, threads and open files,
    and the pool's gauges from /metrics (each in its own thread: /health may take seconds)."""

    def __init__(self, port, server_pid):
        self.port, self.server_pid = port, server_pid
        self.health = []  # (time, status)
        self.samples = []  # (time, rss KiB, threads, fds, pool waiting, pool connections)
        self.stopping = threading.Event()

    def _health(self):
        while not self.stopping.is_set():
            sent = time.monotonic()
            try:
                status, _ = get(self.port, "/health", 10)
            except OSError:
                status = 0
            self.health.append((sent, status))
            time.sleep(max(0.0, 0.2 - (time.monotonic() - sent)))

    def _process(self):
        while not self.stopping.is_set():
            now = time.monotonic()
            with open(f"/proc/{self.server_pid}/status") as status:
                fields = dict(line.split(":", 1) for line in status)
            rss = int(fields["VmRSS"].split()[0])
            threads = int(fields["Threads"])
            fds = len(os.listdir(f"/proc/{self.server_pid}/fd"))
            gauges = {}
            try:
                _, text = get(self.port, "/metrics", 5)
                for line in text.decode().splitlines():
                    if line.startswith(("millennium_db_pool_waiting ", "millennium_db_pool_connections ")):
                        name, value = line.split()
                        gauges[name] = float(value)
            except OSError:
                pass
            self.samples.append((now, rss, threads, fds,
                                 gauges.get("millennium_db_pool_waiting"),
                                 gauges.get("millennium_db_pool_connections")))
            time.sleep(max(0.0, 0.2 - (time.monotonic() - now)))

    def start(self):
        for target in (self._health, self._process):
            threading.Thread(target=target, daemon=True).start()


def login(port):
    body = json.dumps({"query": 'mutation { login(email: "admin@demo.example.org", password: "Demo2026!") { accessToken } }'})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/graphql", body, {"content-type": "application/json"})
    return json.loads(connection.getresponse().read())["data"]["login"]["accessToken"]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(name, begin, end, load, watch):
    results = [r for r in load.results if begin <= r[0] < end]
    samples = [s for s in watch.samples if begin <= s[0] < end]
    flights = [f for t, f in load.most_in_flight if begin <= t < end]
    outcomes = {}
    for _, _, status, code in results:
        key = f"{status} {code or 'ok'}"
        outcomes[key] = outcomes.get(key, 0) + 1
    seconds = [r[1] * 1000 for r in results]
    print(f"\n{name} ({end - begin:.0f} s): {len(results)} requests")
    print("  answers:   " + ", ".join(f"{count} × {key}" for key, count in sorted(outcomes.items())))
    if seconds:
        print(f"  latency:   median {statistics.median(seconds):.1f} ms, p99 {percentile(seconds, 0.99):.1f} ms, "
              f"max {max(seconds):.1f} ms")
    print(f"  in flight: at most {max(flights, default=0)} requests")
    if samples:
        rss = [s[1] / 1024 for s in samples]
        waiting = [s[4] for s in samples if s[4] is not None]
        print(f"  server:    resident {min(rss):.1f}–{max(rss):.1f} MiB, threads at most {max(s[2] for s in samples)}, "
              f"open files at most {max(s[3] for s in samples)}, pool waiting at most "
              f"{max(waiting, default=float('nan')):.0f}")


def first(events, after, wanted):
    for at, status in events:
        if at >= after and status == wanted:
            return at - after
    return None


def full_service_after(load, back, end):
    """Seconds from `back` until the first request after which every request sent up to `end`
    was answered 200 without errors."""
    late = sorted(r for r in load.results if back <= r[0] < end)
    last_failure = None
    for sent, _, status, code in late:
        if status != 200 or code is not None:
            last_failure = sent
    ok_after = [r[0] for r in late if last_failure is None or r[0] > last_failure]
    return (min(ok_after) - back) if ok_after else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--outage-seconds", type=float, default=15)
    parser.add_argument("--calm-seconds", type=float, default=10)
    args = parser.parse_args()
    database = Database()
    load = Load(args.port, login(args.port), args.rate)
    watch = Watch(args.port, args.server_pid)
    watch.start()
    loader = threading.Thread(target=load.run, daemon=True)
    t0 = time.monotonic()
    loader.start()
    calm, outage = args.calm_seconds, args.outage_seconds

    time.sleep(calm)
    stopped = time.monotonic()
    database.stop()
    time.sleep(outage)
    restart = time.monotonic()
    database.start()
    started = time.monotonic()
    time.sleep(calm)
    hung = time.monotonic()
    processes = database.hang()
    time.sleep(outage)
    resumed = time.monotonic()
    database.resume()
    time.sleep(calm)
    end = time.monotonic()
    load.stopping.set()
    loader.join()
    load.drain()
    time.sleep(0.5)
    watch.stopping.set()
    drained = time.monotonic()

    report("before", t0, stopped, load, watch)
    report("database stopped", stopped, restart, load, watch)
    report("after it started again", restart, hung, load, watch)
    report(f"database hung ({processes} processes stopped)", hung, resumed, load, watch)
    report("after it resumed", resumed, end, load, watch)
    print(f"\nafter the load ended: resident {watch.samples[-1][1] / 1024:.1f} MiB, "
          f"{len(load.results)} requests in all, {sum(1 for r in load.results if r[2] >= 500 and r[3] != 'SERVICE_UNAVAILABLE')} "
          "answered 5xx other than SERVICE_UNAVAILABLE")

    def seconds(value):
        return "never" if value is None else f"{value:.2f} s"

    print(f"\n/health 503 after the stop:    {seconds(first(watch.health, stopped, 503))}")
    print(f"/health 200 after the start:   {seconds(first(watch.health, started, 200))} "
          f"(pg_ctl start took {started - restart:.2f} s)")
    print(f"full service after the start:  {seconds(full_service_after(load, started, hung))}")
    print(f"/health 503 after the hang:    {seconds(first(watch.health, hung, 503))}")
    print(f"/health 200 after the resume:  {seconds(first(watch.health, resumed, 200))}")
    print(f"full service after the resume: {seconds(full_service_after(load, resumed, end))}")
    print(f"(the run took {drained - t0:.0f} s)")


if __name__ == "__main__":
    main()
