//! Comparing an analysis with a sidecar's expectations.

use super::sidecar::Expect;
use crate::verdict::Attempt;
use std::fmt::Write as _;

/// Compare a report with the expectations; one line per mismatch.
pub fn compare(expected: &[Expect], actual: &[Attempt]) -> Vec<String> {
    let mut out = Vec::new();
    if expected.len() != actual.len() {
        out.push(format!(
            "expected {} attempt(s), the analysis found {}",
            expected.len(),
            actual.len()
        ));
    }
    for (i, e) in expected.iter().enumerate() {
        let n = i + 1;
        let Some(a) = actual.get(i) else {
            out.push(format!(
                "attempt {n}: expected {}, but there is no such attempt",
                describe_expect(e)
            ));
            continue;
        };
        if a.outcome.name() != e.outcome {
            out.push(format!(
                "attempt {n}: outcome: expected {}, got {} ({})",
                e.outcome,
                a.outcome.name(),
                describe(a)
            ));
        }
        if let Some(st) = &e.stage {
            let got = a.failed_stage.map_or("none", |s| s.name());
            if got != st {
                out.push(format!("attempt {n}: stage: expected {st}, got {got}"));
            }
        }
        if let Some(r) = &e.rule {
            let got = a.root_cause.as_ref().map_or("none", |f| f.id.as_str());
            if got != r {
                out.push(format!("attempt {n}: root cause: expected {r}, got {got}"));
            }
        }
        if let Some(c) = &e.client {
            if !addr_matches(c, &a.client) {
                out.push(format!(
                    "attempt {n}: client: expected {c}, got {}",
                    a.client
                ));
            }
        }
        if let Some(s) = &e.server {
            if !addr_matches(s, &a.server) {
                out.push(format!(
                    "attempt {n}: server: expected {s}, got {}",
                    a.server
                ));
            }
        }
    }
    for (i, a) in actual.iter().enumerate().skip(expected.len()) {
        out.push(format!(
            "attempt {}: not in the sidecar: {}",
            i + 1,
            describe(a)
        ));
    }
    out
}

/// `want` equals `got`, or names the same host without a port.
fn addr_matches(want: &str, got: &str) -> bool {
    if want == got {
        return true;
    }
    got.strip_prefix(want)
        .is_some_and(|rest| rest.starts_with(':') && rest[1..].chars().all(|c| c.is_ascii_digit()))
        || got
            .strip_prefix('[')
            .and_then(|g| g.strip_prefix(want))
            .is_some_and(|rest| rest.starts_with("]:"))
}

pub(super) fn describe(a: &Attempt) -> String {
    let mut s = format!("{} {} → {}", a.outcome.name(), a.client, a.server);
    if let Some(st) = a.failed_stage {
        let _ = write!(s, " at {}", st.name());
    }
    if let Some(r) = &a.root_cause {
        let _ = write!(s, ", root cause {}", r.id);
    }
    s
}

fn describe_expect(e: &Expect) -> String {
    let mut s = e.outcome.clone();
    if let Some(st) = &e.stage {
        let _ = write!(s, " at {st}");
    }
    if let Some(r) = &e.rule {
        let _ = write!(s, ", root cause {r}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(addr_matches("10.0.0.1", "10.0.0.1:3389"));
        assert!(addr_matches("10.0.0.1:3389", "10.0.0.1:3389"));
        assert!(!addr_matches("10.0.0.1", "10.0.0.12:3389"));
        assert!(addr_matches("::1", "[::1]:3389"));
    }
}
