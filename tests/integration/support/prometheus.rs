//! The text of `GET /metrics` read by Prometheus's own Python client
//! (`prometheus_client.parser.text_string_to_metric_families`), so that a test checks what a
//! scraper understands rather than what a regular expression finds. `.ci/run` installs the
//! module; without it a test prints why and skips, except in CI (`CI=true`), where it fails.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use serde::Deserialize;

const PARSER: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        samples.append({"kind": family.type, "name": sample.name, "labels": sample.labels,
                        "value": sample.value})
json.dump(samples, sys.stdout)
"#;

/// One sample of the text, as the parser read it.
#[derive(Debug, Clone, Deserialize)]
pub struct Sample {
    /// `counter`, `gauge`, `histogram`, …
    pub kind: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// Every sample of a scrape.
#[derive(Debug, Clone)]
pub struct Samples(pub Vec<Sample>);

/// Whether the parser is there; `false` (with the reason printed) when a test may skip.
pub fn parser_available() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import prometheus_client.parser"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "prometheus_client is missing in CI: .ci/run installs it (pip install prometheus_client)"
        );
        eprintln!("skipped: python3 has no prometheus_client (pip install prometheus_client)");
    }
    found
}

/// Parses `text`; panics with the parser's complaint when it is not valid exposition text.
pub fn parse(text: &str) -> Samples {
    let mut child = Command::new("python3")
        .args(["-c", PARSER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write the metrics");
    let output = child.wait_with_output().expect("python3");
    assert!(
        output.status.success(),
        "prometheus_client could not parse the metrics: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    Samples(serde_json::from_slice(&output.stdout).expect("the parser's JSON"))
}

impl Samples {
    /// The samples named `name` whose labels include `labels`.
    pub fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.0.iter().filter(move |sample| {
            sample.name == name
                && labels
                    .iter()
                    .all(|(key, value)| sample.labels.get(*key).map(String::as_str) == Some(*value))
        })
    }

    /// The value of the one sample named `name` with exactly `labels` (`le` aside), as a whole
    /// number (counters, gauges, bucket counts); 0 when there is none yet.
    #[track_caller]
    pub fn count(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let found: Vec<&Sample> = self
            .matching(name, labels)
            .filter(|sample| sample.labels.len() == labels.len())
            .collect();
        assert!(
            found.len() <= 1,
            "several samples {name} {labels:?}: {found:?}"
        );
        // Counts are small whole numbers.
        found.first().map_or(0, |sample| sample.value as u64)
    }

    /// The kind of the family a sample `name` belongs to.
    pub fn kind_of(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|sample| sample.name == name)
            .map(|sample| sample.kind.as_str())
    }
}
