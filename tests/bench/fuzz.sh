#!/usr/bin/env bash
# Fuzzes the GraphQL endpoint with schemathesis (PyPI; installed here when missing): every
# query and mutation of the introspected schema, with generated arguments, as an
# ADMIN and as a CREDIT_OFFICER of `seed demo --scale 1`. Fails on any 5xx answer or
# INTERNAL_SERVER_ERROR and on any error without `extensions.code` (tests/bench/fuzz_hooks.py),
# then runs `millennium check`, which must find every money invariant holding. Prints the
# cases generated per role; outputs (and the server's log) stay in FUZZ_OUT (target/fuzz).
#
#   tests/bench/fuzz.sh [examples per operation, default 25: about 2,000 cases per role]
#
# MILLENNIUM_BIN picks the binary (default: this checkout's debug build, built now).
set -euo pipefail
cd "$(dirname "$0")/../.."
examples="${1:-25}"

if ! command -v st >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check schemathesis
fi
if [ -n "${MILLENNIUM_BIN:-}" ]; then
    binary="$MILLENNIUM_BIN"
else
    cargo build --quiet >&2
    binary="${CARGO_TARGET_DIR:-$PWD/target}/debug/millennium"
fi
data="$(mktemp -d)"
chmod 755 "$data"
out="${FUZZ_OUT:-$PWD/target/fuzz}"
mkdir -p "$out"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export DATA_DIR="$data" PORT="$port" RUST_LOG=warn RATE_LIMIT_PER_MINUTE=0 \
    RATE_LIMIT_SENSITIVE_PER_MINUTE=0 RATE_LIMIT_SENSITIVE_PER_ADDRESS_PER_MINUTE=0
cleanup() {
    if [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; fi
    rm -rf "$data"
}
trap cleanup EXIT

"$binary" seed demo --scale 1 >/dev/null
"$binary" >"$data/server.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.2; done
pg_port=$(sed -n 4p "$data/postgres/postmaster.pid")
url="postgres://millennium_app:$(cat "$data/app.password")@127.0.0.1:$pg_port/millennium"
officer=$(psql "$url" -Atc "SELECT email FROM users WHERE role = 'CREDIT_OFFICER' AND deleted_at IS NULL ORDER BY email LIMIT 1")

token() {
    curl -sf "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
        -d "{\"query\":\"mutation{login(email:\\\"$1\\\",password:\\\"Demo2026!\\\"){accessToken}}\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])'
}

# Mutations that end the fuzzer's own session or account would leave the rest of the run
# unauthenticated: they are left out (tests/integration/auth.rs covers them).
excluded='^MutationRoot\.(logout|logoutOtherSessions|revokeSession|changePassword|setUserActive|deleteUser|updateUser|restoreBackup)$'
status=0
for who in "ADMIN admin@demo.example.org" "CREDIT_OFFICER $officer"; do
    set -- $who
    role="$1" email="$2"
    echo "==> $role ($email), $examples examples per operation"
    # The previous role's run may have switched maintenance mode on.
    psql "$url" -qc "UPDATE company_settings SET maintenance_mode = false"
    PYTHONPATH=tests/bench SCHEMATHESIS_HOOKS=fuzz_hooks st run "http://127.0.0.1:$port/graphql" \
        -H "Authorization: Bearer $(token "$email")" \
        --max-examples "$examples" --seed 2026 --workers 2 \
        --checks no_server_error,errors_have_a_code \
        --exclude-name-regex "$excluded" \
        --report junit --report-junit-path "$out/$role.xml" \
        >"$out/$role.out" 2>&1 || status=1
    grep -E "generated|failures|^  ❌" "$out/$role.out" || tail -n 25 "$out/$role.out"
    python3 - "$out/$role.xml" "$role" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
tests = sum(int(s.get("tests", 0)) for s in suites)
failures = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
print(f"{sys.argv[2]}: {tests} operations, {failures} failing")
PY
done
echo "==> millennium check"
DATABASE_URL="$url" "$binary" check || status=1
cp "$data/server.log" "$out/server.log"
grep -E "panicked|ERROR" "$out/server.log" | head -20 || true
echo "outputs in $out"
exit $status
