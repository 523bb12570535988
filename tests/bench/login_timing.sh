#!/usr/bin/env bash
# Measures how long `login` takes for a wrong password and for an unknown email, which must be
# about the same (SPEC 7). Runs the release binary on its own embedded PostgreSQL in a temporary
# data directory; prints the median and mean of each, in milliseconds.
#
#   tests/bench/login_timing.sh [attempts per kind, default 40]
set -euo pipefail
cd "$(dirname "$0")/../.."
attempts="${1:-40}"
cargo build --release --quiet
data="$(mktemp -d)"
chmod 755 "$data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATA_DIR="$data" PORT="$port" RUST_LOG=warn
cleanup() { [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT

# Accounts to fail against: a wrong password locks an account after five tries, so spread them.
accounts=$(( (attempts + 3) / 4 ))
for i in $(seq 1 "$accounts"); do
    ADMIN_PASSWORD=Timing2026x ./target/release/millennium admin create --email "timing$i@example.org" >/dev/null
done
./target/release/millennium >/dev/null &
pid=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done

login() {
    curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/graphql" \
        -H 'content-type: application/json' \
        -d "{\"query\":\"mutation{login(email:\\\"$1\\\",password:\\\"Wrong2026x\\\"){accessToken}}\"}"
}
summary() { sort -n | awk '{ v[NR]=$1*1000; s+=$1*1000 } END { printf "median %.1f ms, mean %.1f ms over %d\n", v[int((NR+1)/2)], s/NR, NR }'; }

login warmup@example.org >/dev/null
wrong=(); unknown=()
for i in $(seq 1 "$attempts"); do
    account=$(( (i - 1) % accounts + 1 ))
    wrong+=("$(login "timing$account@example.org")")
    unknown+=("$(login "nobody$i@example.org")")
done
printf 'wrong password: '; printf '%s\n' "${wrong[@]}" | summary
printf 'unknown email:  '; printf '%s\n' "${unknown[@]}" | summary
