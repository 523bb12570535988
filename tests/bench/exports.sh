#!/usr/bin/env bash
# Exports of `millennium seed demo --scale N` (default 100): `GET /exports/{list}.csv` and
# `.xlsx` as the administrator, for lists of at least 200,000 rows — the repayments (about
# 1.1 million at scale 100) and the installments due in the 40 days up to today (about 250,000
# rows at scale 100; EXPORT_ITEMS_QUERY replaces that query string, and set empty exports
# every installment — 244,000 at scale 10). Prints, for each
# file: the rows, the size, the time to the first byte and to the last, and the server's peak
# resident memory while it ran against its resident memory before (VmHWM is reset between
# exports through /proc/PID/clear_refs). Goal: peak RSS growth <= 100 MiB.
#
# Seeds a fresh temporary data directory, or reuses BENCH_DATA_DIR (kept; seeded on first use).
# The server is a release build of this checkout, started on that directory.
#
#   tests/bench/exports.sh [scale, default 100]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/common.sh
scale="${1:-100}"

# MILLENNIUM_BIN: a release binary already built (otherwise this checkout's is built).
binary="$(release_binary)"
data="$(bench_data_dir)"
output="$(mktemp)"
files="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATA_DIR="$data" PORT="$port" RUST_LOG=warn
cleanup() {
    if [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; fi
    [ -z "${BENCH_DATA_DIR:-}" ] && rm -rf "$data"
    rm -rf "$output" "$files"
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

"$binary" >"$output" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$output" >&2; exit 1; }
    sleep 0.2
done
token=$(curl -s "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
    -d '{"query":"mutation{login(email:\"admin@demo.example.org\",password:\"Demo2026!\"){accessToken}}"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])')
echo "$(nproc) cores; server pid $pid"

kib() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$pid/status"; }

# Exports $1 (a path and query) to a file and prints its figures.
export_file() {
    local path="$1" file="$files/export"
    echo 5 >"/proc/$pid/clear_refs" # resets VmHWM to the current RSS
    local before
    before=$(kib VmRSS)
    read -r status first total bytes < <(curl -s -o "$file" -H "authorization: Bearer $token" \
        -w '%{http_code} %{time_starttransfer} %{time_total} %{size_download}\n' \
        "http://127.0.0.1:$port$path")
    local peak rows
    peak=$(kib VmHWM)
    if [ "$status" != 200 ]; then
        echo "$path: HTTP $status: $(head -c 400 "$file")" >&2
        exit 1
    fi
    case "$path" in
    *.csv*) rows=$(($(wc -l <"$file") - 1)) ;;
    *) rows=$(python3 - "$file" <<'PY'
import re, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as book:
    rows = 0
    for name in book.namelist():
        if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
            with book.open(name) as sheet:
                tail = b""
                for chunk in iter(lambda: sheet.read(1 << 20), b""):
                    # A "<row " may straddle two chunks: count it where it ends.
                    text = tail + chunk
                    rows += text.count(b"<row ") - tail.count(b"<row ")
                    tail = text[-4:]
            rows -= 1  # the header
    print(rows)
PY
    ) ;;
    esac
    printf '%-58s %9s rows %7s MiB  first byte %6.2f s  total %7.2f s  RSS %4d -> peak %4d MiB (+%d MiB)\n' \
        "$path" "$rows" "$((bytes / 1048576))" "$first" "$total" \
        "$((before / 1024))" "$((peak / 1024))" "$(((peak - before) / 1024))"
}

items_query="${EXPORT_ITEMS_QUERY-dueFrom=$(date -u -d '40 days ago' +%F)&dueTo=$(date -u +%F)}"
for format in csv xlsx; do
    export_file "/exports/repayments.$format?includeReversed=true"
    export_file "/exports/scheduleItems.$format?$items_query"
done
echo "goal: peak RSS growth <= 100 MiB for each export"
