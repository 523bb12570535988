#!/usr/bin/env bash
# Backup and restore of `millennium seed demo --scale N` (default 100: about 200,000 loans):
# `millennium backup create` and then `millennium backup restore ID --yes`, each timed with its
# peak resident memory (GNU time's maximum RSS of the command-line process; PostgreSQL runs
# as a separate `millennium serve`, so its memory is not counted). Prints the row count, the
# stored (gzip) and uncompressed sizes, and the figures. Goals: backup <= 60 s, restore
# <= 120 s (it checks the file, takes a safety backup, then replaces every table), peak RSS
# <= 150 MiB.
#
# Seeds a fresh temporary data directory, or BENCH_DATA_DIR (kept, seeded on first use).
#
#   tests/bench/backup.sh [scale, default 100]
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
url="postgres://millennium_app:$(cat "$data/app.password")@127.0.0.1:$pg_port/millennium"
rows=$(psql "$url" -Atc "SELECT sum(n_live_tup) FROM pg_stat_user_tables WHERE relname NOT IN ('backup_records', 'job_leases')")
echo "$(nproc) cores; $(psql "$url" -Atc 'SELECT count(*) FROM loans') loans, about $rows rows in all"

# Times a command: elapsed seconds and peak RSS (MiB) on the last line of $output.
measure() {
    /usr/bin/time -f "%e %M" -o "$output.time" "$@" >"$output" 2>&1 || {
        cat "$output" >&2
        exit 1
    }
    read -r seconds kib <"$output.time"
    echo "$seconds $((kib / 1024))"
}

read -r seconds mib < <(DATABASE_URL="$url" measure "$binary" backup create)
id=$(grep -o 'id [0-9a-f-]*' "$output" | tail -1 | cut -d' ' -f2)
read -r file_bytes data_bytes < <(psql "$url" -Atc "SELECT size_bytes, data_bytes FROM backup_records WHERE id = '$id'" | tr '|' ' ')
echo "backup:  ${seconds} s, peak RSS ${mib} MiB; file $((file_bytes / 1048576)) MiB gzip, $((data_bytes / 1048576)) MiB uncompressed (goal: <= 60 s, <= 150 MiB)"

read -r seconds mib < <(DATABASE_URL="$url" measure "$binary" backup restore "$id" --yes)
echo "restore: ${seconds} s, peak RSS ${mib} MiB, including the check of the file and the safety backup (goal: <= 120 s, <= 150 MiB)"
grep -E '^Restored' "$output" || true
rm -f "$output.time"
