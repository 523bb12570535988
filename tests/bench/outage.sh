#!/usr/bin/env bash
# The server under a steady load while its database goes away and comes back, twice: first
# stopped (`pg_ctl stop -m fast`: connections are refused), then hung (every PostgreSQL process
# SIGSTOPped: connections and queries get no answer), each for OUTAGE_SECONDS (default 15).
# Prints per phase the answers by status, latency percentiles, the most requests in flight, the
# pool's waiting count, the server's resident memory, and how long /health and the API took to
# notice the outage and to recover. The server is never restarted.
#
# Runs the release binary with DATABASE_URL pointing at a PostgreSQL this script starts itself
# (the demo organisation, `seed demo`), at RATE requests per second (default 100), sent on a
# schedule whatever the answers (open loop), so a pile-up of waiting requests would show.
#
#   tests/bench/outage.sh [rate, default 100]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/common.sh
rate="${1:-100}"

binary="$(release_binary)"
data="$(mktemp -d)"
chmod 755 "$data"
cluster="$data/postgres"
port=$(free_port)
pg_port=$(free_port)

cleanup() {
    if [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; fi
    if [ -f "$cluster/postmaster.pid" ]; then
        postmaster="$(head -n 1 "$cluster/postmaster.pid")"
        pkill -CONT -P "$postmaster" 2>/dev/null || true
        kill -CONT "$postmaster" 2>/dev/null || true
        cluster_stop "$cluster" 2>/dev/null || true
    fi
    rm -rf "$data"
}
trap cleanup EXIT

# The embedded default creates the cluster, its roles and the demo data, then stops it; from
# here on this script owns the cluster, and the server reaches it through DATABASE_URL.
DATA_DIR="$data" RUST_LOG=warn "$binary" seed demo >/dev/null
cluster_start "$cluster" "$pg_port"
export DATA_DIR="$data" PORT="$port" RUST_LOG=warn RATE_LIMIT_PER_MINUTE=0
export DATABASE_URL="postgres://millennium_app:$(cat "$data/app.password")@127.0.0.1:$pg_port/millennium"
"$binary" >"$data/server.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done
echo "$(nproc) cores; DB_POOL_SIZE ${DB_POOL_SIZE:-10}, DB_ACQUIRE_TIMEOUT_MS ${DB_ACQUIRE_TIMEOUT_MS:-5000}, REQUEST_TIMEOUT_MS ${REQUEST_TIMEOUT_MS:-30000}; $rate requests/s"

export OUTAGE_PG_CTL="$(postgres_bin_dir)/pg_ctl" OUTAGE_CLUSTER="$cluster" OUTAGE_PG_PORT="$pg_port" OUTAGE_PG_LOG="$cluster/pg_ctl.log"
python3 tests/bench/outage.py --port "$port" --server-pid "$pid" --rate "$rate" \
    --outage-seconds "${OUTAGE_SECONDS:-15}"

# What the server logged at ERROR (each a bug or a lost database worth a look).
errors=$(grep -c '"level":"ERROR"\| ERROR ' "$data/server.log" || true)
echo "server log: $errors ERROR lines"
grep '"level":"ERROR"\| ERROR ' "$data/server.log" | cut -c1-400 | sort | uniq -c | sort -rn | head -5
