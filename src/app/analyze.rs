//! `rdpdiag analyze`: analyze the files (in parallel), render the reports,
//! and turn the findings into an exit code.

use super::cli::{AnalyzeArgs, Format, GlobalArgs};
use crate::report::{self, FileReport};
use crate::verdict::{Outcome, Severity};
use std::io::Write;

pub(crate) fn run(a: &AnalyzeArgs, g: &GlobalArgs) -> i32 {
    let cfg = match super::commands::analysis_setup(g, &a.ports, a.keylog.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut reports = Vec::new();
    let mut input_error = false;
    for r in super::batch::analyze_files(&a.files, &cfg) {
        match r {
            Ok(r) => reports.push(r),
            Err(e) => {
                warn!("rdpdiag: error: {e}");
                input_error = true;
            }
        }
    }
    if let Err(code) = render(a, &reports) {
        return code;
    }
    if input_error {
        return 2;
    }
    exit_code(&reports, &a.fail_on)
}

/// Write the reports to stdout in the chosen format.
fn render(a: &AnalyzeArgs, reports: &[FileReport]) -> Result<(), i32> {
    let stdout = std::io::stdout();
    let color = match a.color.as_str() {
        "always" => true,
        "never" => false,
        _ => std::io::IsTerminal::is_terminal(&stdout) && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut out = stdout.lock();
    let redactor = a
        .redact
        .then(|| crate::redact::Redactor::from_reports(reports));
    match a.format {
        Format::Json => {
            // Redaction works on JSON values (whose keys come out sorted);
            // without it the wire structs are written directly, in field order.
            let json = match &redactor {
                Some(r) => report::json::to_value(reports).and_then(|mut v| {
                    r.json(&mut v);
                    serde_json::to_string_pretty(&v)
                }),
                None => report::json::to_string_pretty(reports),
            };
            match json {
                Ok(s) => {
                    let _ = writeln!(out, "{s}");
                }
                Err(e) => {
                    warn!("rdpdiag: internal error serializing JSON: {e}");
                    return Err(2);
                }
            }
        }
        Format::Text => {
            for r in reports {
                let text = report::text::render(r, a.verbose, color);
                let text = match &redactor {
                    Some(red) => red.text(&text),
                    None => text,
                };
                let _ = write!(out, "{text}");
            }
        }
    }
    Ok(())
}

/// 1 when a finding at or above `--fail-on` exists (or, at `error`, an
/// attempt failed), else 0.
fn exit_code(reports: &[FileReport], fail_on: &str) -> i32 {
    let threshold = Severity::from_name(fail_on).unwrap_or(Severity::Error);
    let failing = reports.iter().flat_map(|r| r.attempts.iter()).any(|at| {
        at.findings.iter().any(|f| f.severity >= threshold)
            || (threshold == Severity::Error && at.outcome == Outcome::Failure)
    });
    i32::from(failing)
}
