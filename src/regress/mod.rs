//! `rdpdiag test`: a regression suite of captures, each with an expectation
//! sidecar beside it.
//!
//! The sidecar of `NAME.EXT` is `NAME.expect.toml` (the capture's name minus
//! its last extension): `tls_ok.pcap` → `tls_ok.expect.toml`,
//! `nla_ok.dsb.pcapng` → `nla_ok.dsb.expect.toml`,
//! `x.pcapng.gz` → `x.pcapng.expect.toml`. The format is documented in
//! `captures/README.md`:
//!
//! ```toml
//! # free comment lines
//! keylog = "x.keys.txt"   # optional, relative to the sidecar
//! port = 3390             # optional: extra RDP port(s), a number or a list
//!
//! [[attempt]]             # one per expected attempt, in capture order
//! outcome = "failure"     # success | failure | incomplete (required)
//! stage = "tls"           # optional: the failed stage
//! rule = "tls.fatal_alert" # optional: the root cause's rule id
//! client = "10.0.0.2"     # optional: the attempt's client address
//! server = "10.0.0.1:3389" # optional: the server (a host without port matches any port)
//! ```
//!
//! Keys that are absent are not checked; the number of attempts always is.

mod bless;
mod compare;
mod discover;
mod junit;
mod run;
mod sidecar;
mod summary;

pub use bless::bless_text;
pub use compare::compare;
pub use discover::{discover, Case, Discovery};
pub use junit::{junit, xml_escape};
pub use run::{run, CaseResult, Status};
pub use sidecar::{parse_sidecar, sidecar_path, Expect, Ports, Sidecar};
pub use summary::{counts, render_text, Counts};

use crate::analysis::AnalysisConfig;
use std::path::PathBuf;

/// `rdpdiag test` arguments.
#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Folders (searched recursively) or capture files. Every capture with a
    /// `NAME.expect.toml` sidecar beside it is analyzed and compared.
    #[arg(required = true, value_name = "DIR")]
    pub paths: Vec<PathBuf>,
    /// Also write the results as JUnit XML to FILE (for CI systems).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write (or rewrite) the sidecars from the current verdicts instead of
    /// comparing. Captures without a sidecar get one. Review the diff before
    /// committing: a blessed sidecar is only as right as today's analysis.
    #[arg(long)]
    pub bless: bool,
    /// Print every attempt's verdict, not only mismatches.
    #[arg(short, long)]
    pub verbose: bool,
}

/// The `test` subcommand; returns the exit code: 0 all pass, 1 a verdict
/// differs, 2 an input problem (missing capture or sidecar, bad sidecar, unreadable file).
pub fn main(a: &TestArgs, base: &AnalysisConfig) -> i32 {
    let (results, errors) = run(&a.paths, base, a.bless);
    let mut out = render_text(&results, &errors, a.verbose);
    if results.is_empty() && errors.is_empty() {
        out.push_str(
            "rdpdiag test: no capture with a sidecar was found. A capture NAME.pcap needs NAME.expect.toml beside it \
             (see captures/README.md), or run `rdpdiag test --bless DIR` to write sidecars from today's verdicts.\n",
        );
    }
    if !a.bless {
        out.push_str(&untested_text(&discover::without_sidecar(&a.paths)));
    }
    print!("{out}");
    if let Some(j) = &a.junit {
        let suite = a
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ");
        if let Err(e) = std::fs::write(
            j,
            junit(&results, &errors, &format!("rdpdiag test {suite}")),
        ) {
            warn!(
                "rdpdiag: error: cannot write the JUnit report {}: {e}. Check that its folder exists and is writable.",
                j.display()
            );
            return 2;
        }
    }
    let c = counts(&results);
    if c.error > 0 || !errors.is_empty() || (results.is_empty() && !a.bless) {
        2
    } else if c.fail > 0 {
        1
    } else {
        0
    }
}

/// The captures found without a sidecar, and the command that writes them
/// (nothing is written without `--bless`).
fn untested_text(untested: &[PathBuf]) -> String {
    const SHOWN: usize = 20;
    if untested.is_empty() {
        return String::new();
    }
    let mut o = format!(
        "{} capture(s) have no sidecar and were not tested:\n",
        untested.len()
    );
    for p in untested.iter().take(SHOWN) {
        o.push_str(&format!("  {}\n", p.display()));
    }
    if untested.len() > SHOWN {
        o.push_str(&format!("  … and {} more\n", untested.len() - SHOWN));
    }
    let args: Vec<String> = untested
        .iter()
        .take(SHOWN)
        .map(|p| shell_word(&p.display().to_string()))
        .collect();
    o.push_str(&format!(
        "To test them, write their sidecars from today's verdicts and review them:\n  rdpdiag test --bless {}\n",
        args.join(" ")
    ));
    o
}

/// `s` quoted for a POSIX shell when it holds anything but plain path characters.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
