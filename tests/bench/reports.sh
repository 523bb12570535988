#!/usr/bin/env bash
# The reports on `millennium seed demo --scale N` (default 100: about 200,000 loans): each of
# `dashboard`, `supervisorReport`, `portfolioAtRisk` (by officer, union, product) and
# `collectionSheet` sent 30 times after 3 warm-ups as the administrator (no scope filter) and
# as a supervisor (their team); prints the median and p90 in milliseconds of the whole HTTP
# round trip. Goal: each median <= 200 ms.
#
# Seeds a fresh temporary data directory, or BENCH_DATA_DIR (kept, seeded on first use).
#
#   tests/bench/reports.sh [scale, default 100]
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/common.sh
scale="${1:-100}"

binary="$(release_binary)"
data="$(bench_data_dir)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATA_DIR="$data" PORT="$port" RUST_LOG=warn RATE_LIMIT_PER_MINUTE=0
cleanup() {
    if [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; fi
    [ -z "${BENCH_DATA_DIR:-}" ] && rm -rf "$data"
}
trap cleanup EXIT

"$binary" seed demo --scale "$scale" >/dev/null 2>&1 || true
"$binary" >/dev/null &
pid=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done
pg_port=$(sed -n 4p "$data/postgres/postmaster.pid")
url="postgres://millennium_app:$(cat "$data/app.password")@127.0.0.1:$pg_port/millennium"
echo "$(nproc) cores; $(psql "$url" -Atc 'SELECT count(*) FROM loans') loans, $(psql "$url" -Atc 'SELECT count(*) FROM repayments') repayments"
supervisor=$(psql "$url" -Atc "SELECT email FROM users WHERE role = 'SUPERVISOR' AND deleted_at IS NULL ORDER BY email LIMIT 1")
officer=$(psql "$url" -Atc "SELECT u.credit_officer_id FROM unions u JOIN users o ON o.id = u.credit_officer_id WHERE o.supervisor_id = (SELECT id FROM users WHERE email = '$supervisor') GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")

python3 - "$port" "$supervisor" "$officer" <<'PY'
import json, statistics, sys, time, urllib.request
port, supervisor, officer = sys.argv[1], sys.argv[2], sys.argv[3]
endpoint = f"http://127.0.0.1:{port}/graphql"

def post(body, token=None):
    request = urllib.request.Request(endpoint, data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request) as response:
        answer = json.load(response)
    if answer.get("errors"):
        raise SystemExit(f"errors: {answer['errors']}")
    return answer["data"]

def login(email):
    query = "mutation($e:String!,$p:String!){login(email:$e,password:$p){accessToken}}"
    return post({"query": query, "variables": {"e": email, "p": "Demo2026!"}})["login"]["accessToken"]

reports = {
    "dashboard": "{ dashboard { members unions loans pendingApprovals portfolio { count amount } portfolioAtRisk { days ratio } currentPeriod { disbursed { amount } collected { amount } due { amount } collectionRate } growth { collected } topUnions { name outstanding collected } recentActivity { kind amount } } }",
    "supervisorReport": "{ supervisorReport { officers { name loans portfolio { amount } currentPeriod { collected { amount } collectionRate } portfolioAtRisk { ratio } } total { loans portfolio { amount } } trends { month collected { amount } due { amount } } } }",
    "portfolioAtRisk(OFFICER)": "{ portfolioAtRisk(groupBy: OFFICER) { total { loans outstanding par30 } groups { name par1 par30 } } }",
    "portfolioAtRisk(UNION)": "{ portfolioAtRisk(groupBy: UNION) { total { loans outstanding par30 } groups { name par30 } } }",
    "portfolioAtRisk(LOAN_TYPE)": "{ portfolioAtRisk(groupBy: LOAN_TYPE) { total { loans outstanding par30 } groups { name par30 } } }",
    "collectionSheet": "query($o: ID!) { collectionSheet(creditOfficerId: $o) { total unions { name total members { memberName due overdue } } } }",
}
for who, email in [("ADMIN", "admin@demo.example.org"), ("SUPERVISOR", supervisor)]:
    token = login(email)
    for name, query in reports.items():
        if name == "supervisorReport" and who == "ADMIN":
            query = query.replace("supervisorReport {", "supervisorReport {", 1)
        body = {"query": query, "variables": {"o": officer}}
        for _ in range(3):
            post(body, token)
        times = []
        for _ in range(30):
            start = time.perf_counter()
            post(body, token)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(f"{who:10} {name:28} median {statistics.median(times):7.1f} ms   p90 {times[26]:7.1f} ms")
PY
