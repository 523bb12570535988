#!/usr/bin/env bash
# Import of a synthetic backup of the original system: tests/bench/legacy_generate.py
# --scale N (default 50: about 250,000 rows, 160 MiB) imported by `millennium import
# legacy-backup FILE` in a release build, into a fresh temporary data directory. The server
# is started on that directory first (initdb, the migrations and PostgreSQL's start are not
# the import's time), and the import connects to its PostgreSQL through DATABASE_URL, timed
# with its peak resident memory (GNU time's maximum RSS of the command-line process;
# PostgreSQL runs under the separate `millennium` server, so its memory is not counted).
# Prints the rows read, the file's size, the seconds, the rows per second and the peak RSS,
# then checks the money invariants of the result with `millennium check`.
# Goals: >= 20,000 rows/s, peak RSS <= 200 MiB.
#
#   tests/bench/legacy_import.sh [scale, default 50]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/common.sh
scale="${1:-50}"

binary="$(release_binary)"
work="$(mktemp -d)"
chmod 755 "$work"
data="$work/data"
mkdir -m 755 "$data"
file="$work/backup_2026-02-16T10-41-09-523Z.json"
output="$work/output"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATA_DIR="$data" PORT="$port" RUST_LOG=warn
cleanup() {
    if [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

python3 tests/bench/legacy_generate.py --scale "$scale" --out "$file" >"$output"
head -n 1 "$output"
bytes=$(stat -c %s "$file")

"$binary" >"$work/server.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.2
done
pg_port=$(sed -n 4p "$data/postgres/postmaster.pid")
url="postgres://millennium_app:$(cat "$data/app.password")@127.0.0.1:$pg_port/millennium"

if ! DATABASE_URL="$url" /usr/bin/time -f "%e %M" -o "$work/time" \
    "$binary" import legacy-backup "$file" --report "$work/report.json" >"$output" 2>&1; then
    cat "$output" >&2
    exit 1
fi
read -r seconds kib <"$work/time"
read -r rows imported repaired refused < <(python3 - "$work/report.json" <<'EOF'
import json, sys
arrays = json.load(open(sys.argv[1]))["arrays"].values()
print(*(sum(a[k] for a in arrays) for k in ("read", "imported", "repaired", "refused")))
EOF
)
echo "$(nproc) cores; scale $scale: $rows rows read from $((bytes / 1048576)) MiB: $imported imported ($repaired of them repaired), $refused refused, $((rows - imported - refused)) allocation rows compared with the re-play"
awk -v rows="$rows" -v s="$seconds" -v kib="$kib" 'BEGIN {
    printf "import: %.1f s, %d rows/s, peak RSS %d MiB (goal: >= 20,000 rows/s, <= 200 MiB)\n",
        s, rows / s, kib / 1024 }'
DATABASE_URL="$url" "$binary" check | tail -n 1
