//! `rdpdiag analyze`: analyze the files (in parallel) and write their
//! attempts as they become final, in the chosen format (`super::streamed`),
//! and turn the findings into an exit code.

use super::cli::{AnalyzeArgs, GlobalArgs};

pub(crate) fn run(a: &AnalyzeArgs, g: &GlobalArgs) -> i32 {
    let cfg = match super::commands::analysis_setup(g, &a.ports, a.keylog.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let opts = super::streamed::Options {
        format: a.format,
        redact: a.redact,
        verbose: a.verbose,
        color: use_color(a),
        pretty: !a.compact,
    };
    super::streamed::run(&a.files, &cfg, opts, &a.fail_on)
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
/// 1 when any attempt `failing` (it failed, or has a finding at or above
/// `--fail-on`: `super::streamed::fails`), else 3 when no input held any
/// RDP attempt (no RDP traffic, or only link types rdpdiag cannot decode),
/// else 0. Input errors (2) are decided by the caller.
///
/// A failed attempt counts at every threshold so that the thresholds nest:
/// whatever fails at `error` also fails at `warning` and `info`.
pub(crate) fn exit_code(any_attempt: bool, failing: bool) -> i32 {
    if any_attempt {
        i32::from(failing)
    } else {
        EXIT_NO_RDP
    }
}

/// Exit code when no input contains RDP traffic: told apart from success
/// (0) and from errors (2), as `grep` tells "no match" (1) from errors (2).
pub(crate) const EXIT_NO_RDP: i32 = 3;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::FileReport;
    use crate::verdict::{Attempt, Outcome, Severity};

    /// The exit code of `reports` at `fail_on`, as the streamed writer
    /// accumulates it part by part.
    fn code(reports: &[FileReport], fail_on: &str) -> i32 {
        let threshold = Severity::from_name(fail_on).unwrap_or(Severity::Error);
        let mut attempts = reports.iter().flat_map(|r| r.attempts.iter());
        let any = reports.iter().any(|r| !r.attempts.is_empty());
        exit_code(
            any,
            attempts.any(|a| crate::app::streamed::fails(a, threshold)),
        )
    }

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
                .map(|t| code(&r, t))
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
        assert_eq!(code(&[report(vec![])], "error"), EXIT_NO_RDP);
        assert_eq!(code(&[], "info"), EXIT_NO_RDP);
        let ok = report(vec![attempt(Outcome::Success, &[])]);
        assert_eq!(code(&[report(vec![]), ok], "error"), 0);
    }
}
