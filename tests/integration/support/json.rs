//! Comparing a response with the JSON a test expects, where [`ANY`] stands for any non-null
//! value (a generated id, a timestamp).

use serde_json::Value;

/// In an expected value: anything but `null`.
pub const ANY: &str = "<any non-null value>";

/// Where `actual` differs from `expected`, if anywhere: objects must have the same keys,
/// arrays the same length, and everything else be equal (or non-null against [`ANY`]).
pub fn mismatch(expected: &Value, actual: &Value) -> Option<String> {
    differ_at("", expected, actual)
}

fn differ_at(path: &str, expected: &Value, actual: &Value) -> Option<String> {
    let differs = || Some(format!("at {path:?}: expected {expected}, got {actual}"));
    match (expected, actual) {
        (Value::String(any), actual) if any == ANY => actual.is_null().then(differs).flatten(),
        (Value::Object(expected), Value::Object(actual)) => {
            if expected.len() != actual.len() || expected.keys().any(|k| !actual.contains_key(k)) {
                return differs();
            }
            expected
                .iter()
                .find_map(|(key, value)| differ_at(&format!("{path}/{key}"), value, &actual[key]))
        }
        (Value::Array(expected), Value::Array(actual)) if expected.len() == actual.len() => {
            expected
                .iter()
                .zip(actual)
                .enumerate()
                .find_map(|(n, (e, a))| differ_at(&format!("{path}/{n}"), e, a))
        }
        _ if expected == actual => None,
        _ => differs(),
    }
}
