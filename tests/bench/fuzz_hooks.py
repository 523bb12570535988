"""schemathesis checks and scalars for tests/bench/fuzz.sh.

schemathesis's own `not_a_server_error` counts every GraphQL `errors` entry as a failure; here
an error is an expected answer (a refusal, a missing record) as long as it has its code, and a
server error is a 5xx answer or an INTERNAL_SERVER_ERROR, which is always a bug."""

import schemathesis


def _code(response):
    try:
        errors = response.json().get("errors") or []
        return (errors[0].get("extensions") or {}).get("code") if errors else None
    except (ValueError, AttributeError, IndexError):
        return None


@schemathesis.check
def no_server_error(ctx, response, case):
    """No 5xx answer, and no INTERNAL_SERVER_ERROR in a 200 answer."""
    if response.status_code >= 500 and _code(response) != "MAINTENANCE_MODE":
        # (A mutation may switch maintenance mode on: refusing changes with 503 is then the
        # designed answer.)
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:300]}")
    try:
        body = response.json()
    except ValueError:
        return
    for error in (body.get("errors") or []) if isinstance(body, dict) else []:
        if (error.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR":
            raise AssertionError(f"an internal error: {error}"[:500])


@schemathesis.check
def errors_have_a_code(ctx, response, case):
    """Every error answered carries `extensions.code` (SPEC: errors are machine-readable)."""
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"HTTP {response.status_code}: the answer is not JSON")
    if not isinstance(body, dict):
        raise AssertionError(f"the answer is not a GraphQL response: {body!r}"[:300])
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if not isinstance(code, str) or not code:
            raise AssertionError(f"an error without extensions.code: {error}"[:500])


# The schema's own scalars, written as GraphQL strings: well-formed values and near misses.
from hypothesis import strategies as st  # noqa: E402
from schemathesis.graphql import nodes  # noqa: E402

_decimal = st.one_of(
    st.decimals(min_value=-10**15, max_value=10**15, places=2, allow_nan=False).map(str),
    st.sampled_from(["0", "0.001", "1e3", "-1", "NaN", "12,50", "", "１２"]),
)
_date = st.one_of(
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(["2026-02-30", "2026-13-01", "yesterday", ""]),
)
_datetime = st.one_of(
    st.datetimes().map(lambda moment: moment.isoformat() + "Z"),
    st.sampled_from(["2026-11-25T10:00:00+01:00", "2026-11-25", "not a time"]),
)
schemathesis.graphql.scalar("Decimal", _decimal.map(nodes.String))
schemathesis.graphql.scalar("Date", _date.map(nodes.String))
schemathesis.graphql.scalar("DateTime", _datetime.map(nodes.String))
schemathesis.graphql.scalar("JSON", st.sampled_from(["{}", "[]", "1", "null"]).map(nodes.String))
schemathesis.graphql.scalar("Upload", st.just(nodes.Null))
