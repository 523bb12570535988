#!/usr/bin/env bash
# Example printed documents of `millennium seed demo` (scale 1 on a fresh temporary data
# directory, or BENCH_DATA_DIR reused) saved to look at: a repayment's receipt, a reversed
# repayment's receipt and a credit officer's collection sheet for today, as PDF, and their
# pages as PNG when poppler's pdftoppm is installed.
#
#   tests/bench/pdf_examples.sh [output directory, default target/pdf-examples]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/common.sh
out="${1:-$PWD/target/pdf-examples}"
mkdir -p "$out"

# MILLENNIUM_BIN: a release binary already built (otherwise this checkout's is built).
binary="$(release_binary)"
data="$(bench_data_dir)"
log="$(mktemp)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATA_DIR="$data" PORT="$port" RUST_LOG=warn
cleanup() {
    if [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; fi
    [ -z "${BENCH_DATA_DIR:-}" ] && rm -rf "$data"
    rm -f "$log"
}
trap cleanup EXIT

if ! "$binary" seed demo >"$log" 2>&1 && ! grep -q "already holds business data" "$log"; then
    cat "$log" >&2
    exit 1
fi
"$binary" >"$log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.2
done
graphql() {
    curl -s "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
        ${token:+-H "authorization: Bearer $token"} -d "$1"
}
token=$(graphql '{"query":"mutation{login(email:\"admin@demo.example.org\",password:\"Demo2026!\"){accessToken}}"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])')
read -r paid reversed officer < <(graphql '{"query":"{ repayments(first: 200, filter: {includeReversed: true}) { nodes { id reversedAt loan { assignedOfficerId } } } }"}' |
    python3 -c '
import json, sys
nodes = json.load(sys.stdin)["data"]["repayments"]["nodes"]
paid = next(n for n in nodes if not n["reversedAt"])
reversed_ = next((n for n in nodes if n["reversedAt"]), paid)
print(paid["id"], reversed_["id"], paid["loan"]["assignedOfficerId"])')

download() {
    curl -sf -H "authorization: Bearer $token" -o "$out/$2" "http://127.0.0.1:$port$1"
    echo "$out/$2"
    if command -v pdftoppm >/dev/null; then pdftoppm -png -r 80 "$out/$2" "$out/${2%.pdf}"; fi
}
download "/receipts/$paid.pdf" receipt.pdf
download "/receipts/$reversed.pdf" receipt-reversed.pdf
download "/exports/collection-sheet.pdf?date=$(date -u +%F)&creditOfficerId=$officer" collection-sheet.pdf
ls "$out"
