#!/usr/bin/env bash
# Times `millennium seed demo --scale N` (default 100: about 200,000 loans and 2.5 million
# installments) in a release build, on its own embedded PostgreSQL in a fresh temporary data
# directory (or BENCH_DATA_DIR, which must not hold a seeded database; kept), then starts the
# server on it once to count the rows of each table with psql. Prints the seed's own report,
# the elapsed wall time and the row counts.
#
#   tests/bench/seed_scale.sh [scale, default 100]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/common.sh
scale="${1:-100}"

binary="$(release_binary)"
data="$(bench_data_dir)"
output="$(mktemp)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATA_DIR="$data" PORT="$port" RUST_LOG=warn
cleanup() {
    if [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; fi
    [ -z "${BENCH_DATA_DIR:-}" ] && rm -rf "$data"
    rm -f "$output"
}
trap cleanup EXIT

# The first start of a data directory creates the cluster; that is not the seed's time.
"$binary" migrate run >/dev/null

started=$(date +%s.%N)
if ! "$binary" seed demo --scale "$scale" >"$output"; then
    cat "$output" >&2
    exit 1
fi
finished=$(date +%s.%N)
head -n 2 "$output"
printf 'seed demo --scale %s: %.1f s wall time (release build, %s cores)\n' \
    "$scale" "$(echo "$finished - $started" | bc)" "$(nproc)"

# Row counts, through the running server's cluster.
"$binary" >/dev/null &
pid=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done
pg_port=$(sed -n 4p "$data/postgres/postmaster.pid")
url="postgres://millennium_app:$(cat "$data/app.password")@127.0.0.1:$pg_port/millennium"
psql "$url" -X -q -P footer=off -c "
SELECT 'users' AS table_name, count(*) AS rows FROM users
UNION ALL SELECT 'unions', count(*) FROM unions
UNION ALL SELECT 'union_members', count(*) FROM union_members
UNION ALL SELECT 'loans', count(*) FROM loans
UNION ALL SELECT 'repayment_schedule_items', count(*) FROM repayment_schedule_items
UNION ALL SELECT 'loan_charges', count(*) FROM loan_charges
UNION ALL SELECT 'repayments', count(*) FROM repayments
UNION ALL SELECT 'repayment_allocations', count(*) FROM repayment_allocations
UNION ALL SELECT 'audit_logs', count(*) FROM audit_logs"
psql "$url" -X -q -P footer=off -c "SELECT status, count(*) AS loans FROM loans GROUP BY status ORDER BY status"
