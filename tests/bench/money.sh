#!/usr/bin/env bash
# The money benchmarks of tests/bench/money.rs against `millennium seed demo --scale N`
# (default 100: about 200,000 loans and 2.4 million installments): `loans(first: 100)` with its
# relations (statements, median and p99), `recordRepayment` on loans of 30 and 360 installments,
# concurrent repayments across loans (per second), then `millennium check` over everything.
#
# Seeds a fresh temporary data directory, or BENCH_DATA_DIR (kept, seeded on first use: seeding
# --scale 100 takes minutes), runs the release binary's embedded PostgreSQL through
# `millennium serve`, and points the benchmark at it. The benchmark adds a product and 66 loans.
#
#   tests/bench/money.sh [scale, default 100]
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

if "$binary" seed demo --scale "$scale" >"$output" 2>&1; then
    head -n 2 "$output"
elif grep -q "already holds business data" "$output"; then
    echo "reusing the data in $data"
else
    cat "$output" >&2
    exit 1
fi

"$binary" >/dev/null &
pid=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done
pg_port=$(sed -n 4p "$data/postgres/postmaster.pid")
export BENCH_DATABASE_URL="postgres://millennium_app:$(cat "$data/app.password")@127.0.0.1:$pg_port/millennium"
echo "$(nproc) cores; $(psql "$BENCH_DATABASE_URL" -Atc 'SELECT count(*) FROM loans') loans, $(psql "$BENCH_DATABASE_URL" -Atc 'SELECT count(*) FROM repayment_schedule_items') installments"
cargo bench --quiet --bench money
