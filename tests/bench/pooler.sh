#!/usr/bin/env bash
# What `pgbouncer=true` costs: the same requests against the same database, once with the
# server connected directly and once through Debian's PgBouncer in transaction mode (10 server
# connections). Behind a pooler a statement outside a transaction is sent inside BEGIN … COMMIT
# with its settings (SET LOCAL) and DEALLOCATE ALL, in one round trip to PgBouncer.
#
# Prints per request the median and p90 of REQUESTS sequential requests (default 300, after
# 30 warm-ups), the SQL statements each sent, then the requests per second of 8 clients at once
# for 10 s. Runs the release binary on the demo organisation (`seed demo`), in a temporary
# data directory whose cluster this script starts itself.
#
#   tests/bench/pooler.sh [requests, default 300]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/common.sh
requests="${1:-300}"
pgbouncer=/usr/sbin/pgbouncer
[ -x "$pgbouncer" ] || { echo "needs $pgbouncer (apt-get install pgbouncer)" >&2; exit 1; }

binary="$(release_binary)"
data="$(mktemp -d)"
chmod 755 "$data"
cluster="$data/postgres"
bouncer="$data/pgbouncer"
port=$(free_port)
pg_port=$(free_port)
bouncer_port=$(free_port)
cleanup() {
    if [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; fi
    if [ -n "${bouncer_pid:-}" ]; then kill "$bouncer_pid" 2>/dev/null || true; fi
    [ -f "$cluster/postmaster.pid" ] && cluster_stop "$cluster" 2>/dev/null || true
    rm -rf "$data"
}
trap cleanup EXIT

DATA_DIR="$data" RUST_LOG=warn "$binary" seed demo >/dev/null
cluster_start "$cluster" "$pg_port"
password="$(cat "$data/app.password")"
direct="postgres://millennium_app:$password@127.0.0.1:$pg_port/millennium"

mkdir -p "$bouncer"
printf '"millennium_app" "%s"\n' "$password" >"$bouncer/userlist.txt"
cat >"$bouncer/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$pg_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $bouncer/userlist.txt
pool_mode = transaction
default_pool_size = 10
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
EOF
chmod -R a+rX "$bouncer"
if [ "$(id -u)" -eq 0 ]; then as_user=(-u postgres); else as_user=(); fi
"$pgbouncer" "${as_user[@]}" "$bouncer/pgbouncer.ini" >"$bouncer/log" 2>&1 &
bouncer_pid=$!
until (exec 3<>"/dev/tcp/127.0.0.1/$bouncer_port") 2>/dev/null; do sleep 0.1; done

echo "$(nproc) cores; $(psql "$direct" -Atc 'SELECT count(*) FROM loans') loans; $requests requests each after 30 warm-ups"
for mode in direct pgbouncer; do
    if [ "$mode" = direct ]; then
        url="$direct"
    else
        url="postgres://millennium_app:$password@127.0.0.1:$bouncer_port/millennium?pgbouncer=true"
    fi
    DATA_DIR="$data" PORT="$port" RUST_LOG=error RATE_LIMIT_PER_MINUTE=0 \
        DATABASE_URL="$url" DIRECT_URL="$direct" "$binary" >/dev/null 2>&1 &
    pid=$!
    until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done
    echo
    echo "== $mode"
    python3 - "$port" "$requests" <<'PY'
import http.client, json, statistics, sys, threading, time, uuid
port, requests = int(sys.argv[1]), int(sys.argv[2])

def connection():
    return http.client.HTTPConnection("127.0.0.1", port, timeout=60)

def post(conn, query, variables=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    conn.request("POST", "/graphql", json.dumps({"query": query, "variables": variables or {}}), headers)
    answer = json.loads(conn.getresponse().read())
    if answer.get("errors"):
        raise SystemExit(f"errors: {answer['errors']}")
    return answer["data"]

def statements(conn):
    conn.request("GET", "/metrics")
    for line in conn.getresponse().read().decode().splitlines():
        if line.startswith("millennium_sql_statements_total "):
            return float(line.split()[1])
    return 0.0

conn = connection()
token = post(conn, 'mutation { login(email: "admin@demo.example.org", password: "Demo2026!") { accessToken } }')["login"]["accessToken"]
union_id = post(conn, "{ unions(first: 1) { nodes { id } } }", token=token)["unions"]["nodes"][0]["id"]
cases = {
    "me": ("{ me { email } }", lambda: None),
    "unionMembers(first: 20) with unions": ("{ unionMembers(first: 20) { nodes { firstName union { name } } } }", lambda: None),
    "dashboard": ("{ dashboard { members unions loans portfolio { amount } } }", lambda: None),
    "createUnionMember (a mutation)": (
        "mutation($input: CreateUnionMemberInput!) { createUnionMember(input: $input) { id } }",
        lambda: {"input": {"unionId": union_id, "firstName": "Bench", "lastName": uuid.uuid4().hex[:12]}},
    ),
}
for name, (query, variables) in cases.items():
    for _ in range(30):
        post(conn, query, variables(), token)
    before = statements(conn)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        post(conn, query, variables(), token)
        times.append((time.perf_counter() - start) * 1000)
    per_request = (statements(conn) - before) / requests
    times.sort()
    print(f"{name:38} median {statistics.median(times):6.2f} ms   p90 {times[int(0.9 * len(times))]:6.2f} ms   "
          f"{per_request:.1f} statements")

done = time.monotonic() + 10
counts = [0] * 8
def client(index):
    own = connection()
    query = cases["unionMembers(first: 20) with unions"][0]
    while time.monotonic() < done:
        post(own, query, None, token)
        counts[index] += 1
threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(f"8 clients, unionMembers(first: 20): {sum(counts) / 10:.0f} requests/s")
PY
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
done
