//! The terminal summary and the pass/fail/error counts.

use super::run::{CaseResult, Status};
use std::fmt::Write as _;

/// Render the results for a terminal.
pub fn render_text(results: &[CaseResult], errors: &[String], verbose: bool) -> String {
    let mut o = String::new();
    for e in errors {
        let _ = writeln!(o, "ERROR  {e}");
    }
    for r in results {
        let name = r.capture.display();
        match &r.status {
            Status::Pass => {
                let _ = writeln!(o, "PASS   {name}");
            }
            Status::Fail(m) => {
                let _ = writeln!(o, "FAIL   {name}");
                for l in m {
                    let _ = writeln!(o, "         {l}");
                }
            }
            Status::Error(e) => {
                let _ = writeln!(o, "ERROR  {name}: {e}");
            }
            Status::Blessed(changed) => {
                let _ = writeln!(
                    o,
                    "BLESS  {name} ({})",
                    if *changed {
                        "sidecar written"
                    } else {
                        "unchanged"
                    }
                );
            }
        }
        if verbose {
            for l in &r.verdicts {
                let _ = writeln!(o, "         = {l}");
            }
        }
    }
    let c = counts(results);
    let _ = writeln!(
        o,
        "rdpdiag test: {} capture(s): {} pass, {} fail, {} error{}",
        results.len(),
        c.pass,
        c.fail,
        c.error + errors.len(),
        if c.blessed > 0 {
            format!(", {} sidecar(s) written", c.blessed)
        } else {
            String::new()
        }
    );
    o
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub blessed: usize,
}

pub fn counts(results: &[CaseResult]) -> Counts {
    let mut c = Counts::default();
    for r in results {
        match r.status {
            Status::Pass | Status::Blessed(false) => c.pass += 1,
            Status::Blessed(true) => {
                c.pass += 1;
                c.blessed += 1
            }
            Status::Fail(_) => c.fail += 1,
            Status::Error(_) => c.error += 1,
        }
    }
    c
}
