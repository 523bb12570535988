#!/usr/bin/env bash
# This server and PostGraphile v4 side by side (issue 11, point 8), on one database seeded with
# `millennium seed demo --scale N` (default 100: 3,000 unions, 60,000 members, about 200,000
# loans), driven by the same load generator (oha) at the same concurrency with equivalent
# queries:
#   (a) a page of 100 loans, newest first, with member, union, credit officer and product;
#   (b) 10 unions by name → 20 members each by name → 5 loans each, newest first.
# This server is asked as its administrator (bearer token); PostGraphile as the database
# owner, with every table exposed. Both answers are checked first: no error, and the same
# loans (and unions and members) in the same order. For each server and query it prints
# requests per second, median and p99 latency and the throughput ratio, then this server's
# median and p99 at half its peak rate (oha -q), and its SQL statements per request (from
# /metrics). Goals: at least 1.5x PostGraphile's throughput on both queries, p99 <= 25 ms at
# half the peak.
#
#   tests/bench/compare.sh
#
# BENCH_DATA_DIR   a data directory seeded at BENCH_SCALE (seeded on first use, kept); when its
#                  embedded PostgreSQL is already running (another server uses it), that
#                  cluster is used through its URL. Unset: a temporary one, seeded (~8 min).
# BENCH_SCALE      default 100.
# BENCH_CONCURRENCY  connections of the load generator, default 16.
# BENCH_SECONDS    length of each measurement, default 10.
# BENCH_ROUNDS     measurements per server and query, alternating between the servers so that
#                  a neighbour's load hits both alike; the median (by req/s) is shown. Default 3.
# BENCH_TOOLS_DIR  where oha (cargo install) and postgraphile@4 (npm) are installed once:
#                  default ~/.cache/millennium-bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/common.sh
scale="${BENCH_SCALE:-100}"
concurrency="${BENCH_CONCURRENCY:-16}"
seconds="${BENCH_SECONDS:-10}"
rounds="${BENCH_ROUNDS:-3}"
tools="${BENCH_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/millennium-bench}"

# The tools, installed once.
oha="$tools/bin/oha"
if [ ! -x "$oha" ]; then
    echo "==> cargo install oha (into $tools)"
    cargo install oha --locked --quiet --root "$tools"
fi
postgraphile="$tools/postgraphile/node_modules/.bin/postgraphile"
if [ ! -x "$postgraphile" ]; then
    echo "==> npm install postgraphile@4 (into $tools/postgraphile)"
    mkdir -p "$tools/postgraphile"
    [ -f "$tools/postgraphile/package.json" ] || echo '{"private": true}' >"$tools/postgraphile/package.json"
    npm install --prefix "$tools/postgraphile" --no-audit --no-fund --silent postgraphile@4
fi
binary="$(release_binary)"

data="$(bench_data_dir)"
work="$(mktemp -d)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cleanup() {
    for pid in ${graphile_pid:-} ${ours_pid:-}; do
        if kill -TERM "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; fi
    done
    [ -z "${BENCH_DATA_DIR:-}" ] && rm -rf "$data"
    rm -rf "$work"
}
trap cleanup EXIT

cluster_running() {
    [ -f "$data/postgres/postmaster.pid" ] && kill -0 "$(head -n 1 "$data/postgres/postmaster.pid")" 2>/dev/null
}
database_url() {
    echo "postgres://millennium_app:$(cat "$data/app.password")@127.0.0.1:$(sed -n 4p "$data/postgres/postmaster.pid")/millennium"
}
wait_for() { # URL: until it answers (60 s at most)
    for _ in $(seq 1 300); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done
    echo "no answer from $1" >&2
    exit 1
}

ours_port=$(free_port)
ours_env=(PORT="$ours_port" RUST_LOG=warn RATE_LIMIT_PER_MINUTE=0 RATE_LIMIT_SENSITIVE_PER_MINUTE=0)
if cluster_running; then
    echo "using the PostgreSQL already running on $data"
    url="$(database_url)"
    env "${ours_env[@]}" DATABASE_URL="$url" DATA_DIR="$work/ours" "$binary" >"$work/ours.log" 2>&1 &
    ours_pid=$!
else
    if DATA_DIR="$data" "$binary" seed demo --scale "$scale" >"$work/seed.log" 2>&1; then
        head -n 2 "$work/seed.log"
    elif grep -q "already holds business data" "$work/seed.log"; then
        echo "reusing the data in $data"
    else
        cat "$work/seed.log" >&2
        exit 1
    fi
    env "${ours_env[@]}" DATA_DIR="$data" "$binary" >"$work/ours.log" 2>&1 &
    ours_pid=$!
fi
ours="http://127.0.0.1:$ours_port"
wait_for "$ours/health"
url="$(database_url)"
echo "$(psql "$url" -Atc 'SELECT count(*) FROM loans') loans, $(psql "$url" -Atc 'SELECT count(*) FROM union_members') members, $(psql "$url" -Atc 'SELECT count(*) FROM unions') unions"

graphile_port=$(free_port)
NODE_ENV=production "$postgraphile" --connection "$url" --schema public --host 127.0.0.1 \
    --port "$graphile_port" --disable-query-log >"$work/postgraphile.log" 2>&1 &
graphile_pid=$!
graphile="http://127.0.0.1:$graphile_port"
for _ in $(seq 1 300); do
    curl -sf -o /dev/null "$graphile/graphql" -H 'content-type: application/json' -d '{"query":"{__typename}"}' && break
    kill -0 "$graphile_pid" 2>/dev/null || { cat "$work/postgraphile.log" >&2; exit 1; }
    sleep 0.2
done
echo "PostGraphile $(node -p "require('$tools/postgraphile/node_modules/postgraphile/package.json').version") on Node $(node --version)"

login() {
    curl -sf "$ours/graphql" -H 'content-type: application/json' \
        -d '{"query":"mutation{login(email:\"admin@demo.example.org\",password:\"Demo2026!\"){accessToken}}"}' |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])'
}

loans_ours='query LoansPage { loans(first: 100) { nodes { id loanNumber status principalAmount startDate
  unionMember { id firstName lastName } union { id name }
  assignedOfficer { id email firstName lastName } loanType { id name } } } }'
loans_graphile='query LoansPage { allLoans(first: 100, orderBy: [CREATED_AT_DESC, ID_DESC], condition: {deletedAt: null}) {
  nodes { id loanNumber status principalAmount startDate
  unionMemberByUnionMemberId { id firstName lastName } unionByUnionId { id name }
  userByAssignedOfficerId { id email firstName lastName } loanTypeByLoanTypeId { id name } } } }'
nested_ours='query Nested { unions(first: 10) { nodes { name
  members(first: 20) { nodes { firstName lastName
  loans(first: 5) { nodes { loanNumber status principalAmount } } } } } } }'
nested_graphile='query Nested { allUnions(first: 10, orderBy: [NAME_ASC, ID_ASC], condition: {deletedAt: null}) { nodes { name
  unionMembersByUnionId(first: 20, orderBy: [LAST_NAME_ASC, FIRST_NAME_ASC, ID_ASC], condition: {deletedAt: null}) { nodes { firstName lastName
  loansByUnionMemberId(first: 5, orderBy: [CREATED_AT_DESC, ID_DESC], condition: {deletedAt: null}) { nodes { loanNumber status principalAmount } } } } } } }'

body_of() { python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1]}))' "$1"; }
for name in loans_ours loans_graphile nested_ours nested_graphile; do
    body_of "${!name}" >"$work/$name.json"
done

# Both servers give the same answer: no error, the same loans (unions, members) in order.
token="$(login)"
curl -sf "$ours/graphql" -H 'content-type: application/json' -H "authorization: Bearer $token" \
    -d @"$work/loans_ours.json" >"$work/a_ours.out"
curl -sf "$graphile/graphql" -H 'content-type: application/json' -d @"$work/loans_graphile.json" >"$work/a_graphile.out"
curl -sf "$ours/graphql" -H 'content-type: application/json' -H "authorization: Bearer $token" \
    -d @"$work/nested_ours.json" >"$work/b_ours.out"
curl -sf "$graphile/graphql" -H 'content-type: application/json' -d @"$work/nested_graphile.json" >"$work/b_graphile.out"
python3 - "$work" <<'EOF'
import json, sys
work = sys.argv[1]
def load(name):
    reply = json.load(open(f"{work}/{name}.out"))
    if reply.get("errors") or not reply.get("data"):
        sys.exit(f"{name}: {json.dumps(reply)[:600]}")
    return reply["data"]
a_ours = load("a_ours")["loans"]["nodes"]
a_graphile = load("a_graphile")["allLoans"]["nodes"]
def loans_a(nodes, member, union, officer, product):
    if len(nodes) != 100 or not all(n[member] and n[union] and n[officer] and n[product] for n in nodes):
        sys.exit("(a): not 100 loans with all four relations")
    return [(n["loanNumber"], n[member]["lastName"], n[union]["name"], n[officer]["email"], n[product]["name"]) for n in nodes]
if loans_a(a_ours, "unionMember", "union", "assignedOfficer", "loanType") != loans_a(
        a_graphile, "unionMemberByUnionMemberId", "unionByUnionId", "userByAssignedOfficerId", "loanTypeByLoanTypeId"):
    sys.exit("(a): the two servers answer different loans")
def tree(unions, members, loans):
    return [(u["name"], [(m["firstName"], m["lastName"], [l["loanNumber"] for l in m[loans]["nodes"]])
                         for m in u[members]["nodes"]]) for u in unions]
b_ours = tree(load("b_ours")["unions"]["nodes"], "members", "loans")
b_graphile = tree(load("b_graphile")["allUnions"]["nodes"], "unionMembersByUnionId", "loansByUnionMemberId")
if b_ours != b_graphile:
    sys.exit("(b): the two servers answer different trees")
members = sum(len(u[1]) for u in b_ours)
loans = sum(len(m[2]) for u in b_ours for m in u[1])
print(f"answers checked: (a) 100 loans with their relations; (b) {len(b_ours)} unions, {members} members, {loans} loans — the same from both")
EOF

# Runs oha against URL with BODY for SECONDS (plus extra arguments); prints "rps p50_ms p99_ms".
load() {
    local url="$1" body="$2" duration="$3"
    shift 3
    "$oha" --no-tui --output-format json -z "${duration}s" -w -c "$concurrency" -m POST \
        -H 'content-type: application/json' -D "$body" "$@" "$url/graphql" >"$work/oha.json"
    python3 - "$work/oha.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
codes = r.get("statusCodeDistribution", {})
if set(codes) != {"200"} or r.get("errorDistribution"):
    sys.exit(f"not every answer was 200: {codes} {r.get('errorDistribution')}")
p = r["latencyPercentiles"]
print(f'{r["summary"]["requestsPerSec"]:.1f} {p["p50"] * 1000:.2f} {p["p99"] * 1000:.2f}')
EOF
}
warm_up() { # URL BODY [oha arguments]
    load "$1" "$2" 5 "${@:3}" >/dev/null
}
median() { # lines "rps p50 p99" on standard input: the line of the median rps
    sort -n -k1 | awk '{ line[NR] = $0 } END { print line[int((NR + 1) / 2)] }'
}
# SQL statements per /graphql request of ours so far: "sum count".
statements() {
    curl -sf "$ours/metrics" | awk '
        /^millennium_sql_statements_per_request_sum\{route="\/graphql"\}/ { sum = $2 }
        /^millennium_sql_statements_per_request_count\{route="\/graphql"\}/ { count = $2 }
        END { print sum + 0, count + 0 }'
}

echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); oha at $concurrency connections; per server and query 5 s of warm-up, then the median of $rounds measurements of ${seconds} s taken in turns"
printf '%-10s %-12s %10s %10s %10s\n' query server "req/s" "p50 ms" "p99 ms"
declare -A rps
for query in loans nested; do
    token="$(login)"
    warm_up "$ours" "$work/${query}_ours.json" -H "authorization: Bearer $token"
    warm_up "$graphile" "$work/${query}_graphile.json"
    read -r s0 c0 < <(statements)
    : >"$work/ours.rounds"
    : >"$work/graphile.rounds"
    for _ in $(seq 1 "$rounds"); do
        load "$ours" "$work/${query}_ours.json" "$seconds" -H "authorization: Bearer $token" >>"$work/ours.rounds"
        load "$graphile" "$work/${query}_graphile.json" "$seconds" >>"$work/graphile.rounds"
    done
    read -r s1 c1 < <(statements)
    read -r ours_rps ours_p50 ours_p99 < <(median <"$work/ours.rounds")
    read -r g_rps g_p50 g_p99 < <(median <"$work/graphile.rounds")
    printf '%-10s %-12s %10s %10s %10s   (%s SQL statements per request)\n' "$query" millennium "$ours_rps" "$ours_p50" "$ours_p99" \
        "$(awk -v s="$((s1 - s0))" -v c="$((c1 - c0))" 'BEGIN { printf "%.1f", c ? s / c : 0 }')"
    printf '%-10s %-12s %10s %10s %10s\n' "$query" postgraphile "$g_rps" "$g_p50" "$g_p99"
    printf '%-10s %-12s %10s\n' "$query" "ratio" "$(awk -v a="$ours_rps" -v b="$g_rps" 'BEGIN { printf "%.2fx", a / b }')"
    rps[$query]="$ours_rps"
done
echo "millennium at half its peak rate ($concurrency connections, oha -q):"
for query in loans nested; do
    token="$(login)"
    half=$(awk -v r="${rps[$query]}" 'BEGIN { printf "%d", r / 2 }')
    read -r h_rps h_p50 h_p99 < <(load "$ours" "$work/${query}_ours.json" "$((seconds * rounds))" -H "authorization: Bearer $token" -q "$half")
    printf '%-10s %5s req/s asked, %s served: p50 %s ms, p99 %s ms (goal p99 <= 25 ms)\n' "$query" "$half" "$h_rps" "$h_p50" "$h_p99"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
