#!/usr/bin/env bash
# Measures a page of 500 members with each one's union and that union's credit officer, on the
# demo organisation (`millennium seed demo`: 30 unions, 600 members), as its administrator.
# Runs the release binary on its own embedded PostgreSQL in a temporary data directory (or in
# BENCH_DATA_DIR, kept, seeded on first use), sends the query one request at a time after a
# warm-up, and prints the median, p90, p99 and mean latency in milliseconds. The rate limit is
# turned off so that it does not cut the run short. (SQL statements per request: see
# /metrics, millennium_sql_statements_per_request; the integration tests bound them.)
#
#   tests/bench/members_list.sh [requests, default 200]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/common.sh
requests="${1:-200}"
warmup=20
query='{ unionMembers(first: 500) { nodes { union { name creditOfficer { email } } } } }'

binary="$(release_binary)"
data="$(bench_data_dir)"
output="$(mktemp)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATA_DIR="$data" PORT="$port" RUST_LOG=warn RATE_LIMIT_PER_MINUTE=0
cleanup() {
    if [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; fi
    [ -z "${BENCH_DATA_DIR:-}" ] && rm -rf "$data"
    rm -f "$output"
}
trap cleanup EXIT

# The demo organisation; a reused data directory has it already.
if "$binary" seed demo >"$output" 2>&1; then
    head -n 1 "$output"
elif grep -q "already holds business data" "$output"; then
    echo "reusing the data in $data"
else
    cat "$output" >&2
    exit 1
fi

"$binary" >/dev/null &
pid=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done

token=$(curl -s "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
    -d '{"query":"mutation{login(email:\"admin@demo.example.org\",password:\"Demo2026!\"){accessToken}}"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])')
body=$(python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1]}))' "$query")
members() {
    curl -s -o "$1" -w '%{time_total}\n' "http://127.0.0.1:$port/graphql" \
        -H 'content-type: application/json' -H "authorization: Bearer $token" -d "$body"
}

# One checked answer: 500 members, each with its union's officer, and no error.
members "$output" >/dev/null
python3 - "$output" <<'EOF'
import json, sys
reply = json.load(open(sys.argv[1]))
nodes = reply.get("data", {}).get("unionMembers", {}).get("nodes") if reply.get("data") else None
if reply.get("errors") or not nodes or len(nodes) != 500 or not all(n["union"]["creditOfficer"]["email"] for n in nodes):
    sys.exit(f"unexpected answer: {json.dumps(reply)[:500]}")
print(f"answer: {len(nodes)} members with union and officer, {len(open(sys.argv[1], 'rb').read())} bytes")
EOF

for _ in $(seq 1 "$warmup"); do members /dev/null >/dev/null; done
for _ in $(seq 1 "$requests"); do members /dev/null; done | sort -n | awk -v warmup="$warmup" '
    { v[NR] = $1 * 1000; sum += $1 * 1000 }
    function at(p) { i = int(p * NR + 0.999999); if (i < 1) i = 1; return v[i] }
    END {
        printf "unionMembers(first: 500) with union and creditOfficer, %d requests after %d warm-up:\n", NR, warmup
        printf "median %.1f ms, p90 %.1f ms, p99 %.1f ms, mean %.1f ms\n", at(0.5), at(0.9), at(0.99), sum / NR
    }'
