//! `--bless`: writing a sidecar from today's verdicts.

use super::sidecar::{Ports, Sidecar};
use crate::report::FileReport;
use std::fmt::Write as _;

fn toml_str(s: &str) -> String {
    // A TOML basic string: escape backslash, quote and control characters.
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '"' => o.push_str("\\\""),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(o, "\\u{:04X}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// The sidecar text for the current verdicts. The old file's leading comment
/// lines and the comment lines just above each `[[attempt]]` are kept, as are
/// `keylog` and `port` (they are inputs, not verdicts).
pub fn bless_text(old: Option<&str>, old_parsed: Option<&Sidecar>, r: &FileReport) -> String {
    let mut header: Vec<&str> = Vec::new();
    let mut attempt_comments: Vec<Vec<&str>> = Vec::new();
    if let Some(old) = old {
        let mut pending: Vec<&str> = Vec::new();
        let mut in_header = true;
        for line in old.lines() {
            let t = line.trim();
            if in_header && t.starts_with('#') {
                header.push(line);
                continue;
            }
            if in_header && t.is_empty() && !header.is_empty() {
                in_header = false;
                continue;
            }
            in_header = false;
            if t.starts_with('#') {
                pending.push(line);
            } else if t.starts_with("[[attempt]]") {
                attempt_comments.push(std::mem::take(&mut pending));
            } else if !t.is_empty() {
                pending.clear();
            }
        }
    }
    let mut o = String::new();
    if header.is_empty() {
        let _ = writeln!(
            o,
            "# Written by `rdpdiag test --bless` (rdpdiag {}). Check each verdict against the real cause.",
            env!("CARGO_PKG_VERSION")
        );
    } else {
        for h in &header {
            let _ = writeln!(o, "{h}");
        }
    }
    if let Some(s) = old_parsed {
        if let Some(k) = &s.keylog {
            let _ = writeln!(o, "keylog = {}", toml_str(k));
        }
        match &s.port {
            Some(Ports::One(p)) => {
                let _ = writeln!(o, "port = {p}");
            }
            Some(Ports::Many(v)) => {
                let l: Vec<String> = v.iter().map(|p| p.to_string()).collect();
                let _ = writeln!(o, "port = [{}]", l.join(", "));
            }
            None => {}
        }
    }
    for (i, a) in r.attempts.iter().enumerate() {
        let _ = writeln!(o);
        for c in attempt_comments.get(i).into_iter().flatten() {
            let _ = writeln!(o, "{c}");
        }
        let _ = writeln!(o, "[[attempt]]");
        let _ = writeln!(o, "outcome = {}", toml_str(a.outcome.name()));
        if let Some(st) = a.failed_stage {
            let _ = writeln!(o, "stage = {}", toml_str(st.name()));
        }
        if let Some(rc) = &a.root_cause {
            let _ = writeln!(o, "rule = {}", toml_str(&rc.id));
        }
        if r.attempts.len() > 1 {
            let _ = writeln!(o, "server = {}", toml_str(&a.server));
        }
    }
    o
}
