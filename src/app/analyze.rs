//! `rdpdiag analyze`: analyze the files (in parallel), render the reports,
//! and turn the findings into an exit code.

use super::cli::{AnalyzeArgs, Format, GlobalArgs};
use crate::report::{self, FileReport};
use crate::verdict::Severity;
use std::io::Write;

pub(crate) fn run(a: &AnalyzeArgs, g: &GlobalArgs) -> i32 {
    let cfg = match super::commands::analysis_setup(g, &a.ports, a.keylog.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if a.format != Format::Html {
        let opts = super::streamed::Options {
            format: a.format,
            redact: a.redact,
            verbose: a.verbose,
            color: use_color(a),
            pretty: !a.compact,
        };
        return super::streamed::run(&a.files, &cfg, opts, &a.fail_on);
    }
    let mut reports = Vec::new();
    let mut input_error = false;
    for (r, path) in super::batch::analyze_files(&a.files, &cfg)
        .into_iter()
        .zip(&a.files)
    {
        match r {
            Ok(r) => reports.push(r),
            Err(e) => {
                warn!("rdpdiag: error: {e}");
                // Also in the JSON, so a script sees which input failed.
                reports.push(FileReport::unreadable(path, &e));
                input_error = true;
            }
        }
    }
    render(a, &reports);
    if input_error {
        return 2;
    }
    exit_code(&reports, &a.fail_on)
}

/// `--format html`: one page of every report.
fn render(a: &AnalyzeArgs, reports: &[FileReport]) {
    let mut out = std::io::stdout().lock();
    let redactor = a
        .redact
        .then(|| crate::redact::Redactor::from_reports(reports));
    let scrub = |s: &str| match &redactor {
        Some(red) => red.text(s),
        None => s.to_string(),
    };
    let html = report::html::render(reports, &report::html::Scrub::with(&scrub));
    let _ = write!(out, "{html}");
}

/// Whether the text report is coloured (`--color`, `NO_COLOR`, a terminal).
fn use_color(a: &AnalyzeArgs) -> bool {
    match a.color.as_str() {
        "always" => true,
        "never" => false,
        _ => {
            std::io::IsTerminal::is_terminal(&std::io::stdout())
                && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// The exit code of `analyze` (documented in `--help`, README and docs/ci.md):
/// 1 when any attempt failed or has a finding at or above `--fail-on`, else
/// 3 when no input held any RDP attempt (no RDP traffic, or only link types
/// rdpdiag cannot decode), else 0. Input errors (2) are decided by the caller.
///
/// A failed attempt counts at every threshold so that the thresholds nest:
/// whatever fails at `error` also fails at `warning` and `info`.
pub(crate) fn exit_code(reports: &[FileReport], fail_on: &str) -> i32 {
    let threshold = Severity::from_name(fail_on).unwrap_or(Severity::Error);
    let mut attempts = reports.iter().flat_map(|r| r.attempts.iter()).peekable();
    if attempts.peek().is_none() {
        return EXIT_NO_RDP;
    }
    let failing = attempts.any(|at| super::streamed::fails(at, threshold));
    i32::from(failing)
}

/// Exit code when no input contains RDP traffic: told apart from success
/// (0) and from errors (2), as `grep` tells "no match" (1) from errors (2).
pub(crate) const EXIT_NO_RDP: i32 = 3;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::{Attempt, Outcome};

    fn report(attempts: Vec<Attempt>) -> FileReport {
        FileReport {
            attempts,
            ..FileReport::default()
        }
    }

    /// An attempt of captures/server_rst_midsession.pcap (a success with an
    /// error finding) with its outcome and finding severities replaced.
    fn attempt(outcome: Outcome, severities: &[Severity]) -> Attempt {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/captures/server_rst_midsession.pcap"
        );
        let cfg = crate::analysis::AnalysisConfig::default();
        let r = crate::analysis::analyze_file(path, &cfg).expect("bundled capture");
        let mut a = r.attempts[0].clone();
        let template = a.findings[0].clone();
        a.outcome = outcome;
        a.findings = severities
            .iter()
            .map(|s| {
                let mut f = template.clone();
                f.severity = *s;
                f
            })
            .collect();
        a
    }

    #[test]
    fn fail_on_is_monotonic() {
        use Severity::*;
        let cases: [(Outcome, &[Severity]); 5] = [
            (Outcome::Success, &[]),
            (Outcome::Success, &[Info]),
            (Outcome::Success, &[Warning]),
            (Outcome::Success, &[Error]),
            // A failure without an error finding still fails at every threshold.
            (Outcome::Failure, &[Info]),
        ];
        for (outcome, sevs) in cases {
            let r = [report(vec![attempt(outcome, sevs)])];
            let codes: Vec<i32> = ["error", "warning", "info"]
                .iter()
                .map(|t| exit_code(&r, t))
                .collect();
            assert!(
                codes.windows(2).all(|w| w[0] <= w[1]),
                "{outcome:?} {sevs:?}: {codes:?}"
            );
            let expect = |t: Severity| {
                i32::from(outcome == Outcome::Failure || sevs.iter().any(|s| *s >= t))
            };
            assert_eq!(codes, vec![expect(Error), expect(Warning), expect(Info)]);
        }
    }

    #[test]
    fn no_rdp_traffic_is_3_unless_another_input_has_some() {
        assert_eq!(exit_code(&[report(vec![])], "error"), EXIT_NO_RDP);
        assert_eq!(exit_code(&[], "info"), EXIT_NO_RDP);
        let ok = report(vec![attempt(Outcome::Success, &[])]);
        assert_eq!(exit_code(&[report(vec![]), ok], "error"), 0);
    }
}
