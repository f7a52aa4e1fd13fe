//! Running one capture of the suite: its settings, its analysis, its status.

use super::bless::bless_text;
use super::compare::{compare, describe};
use super::discover::{discover, Case};
use super::sidecar::{parse_sidecar, Sidecar};
use crate::analysis::AnalysisConfig;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The result of one capture.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub capture: PathBuf,
    pub seconds: f64,
    pub status: Status,
    /// The analysis's verdict per attempt, one line each (for `--verbose`).
    pub verdicts: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Status {
    Pass,
    /// Mismatches, one line each.
    Fail(Vec<String>),
    /// The capture or sidecar could not be used.
    Error(String),
    /// `--bless` wrote the sidecar (true when its content changed).
    Blessed(bool),
}

/// The analysis settings for one sidecar.
fn case_config(
    base: &AnalysisConfig,
    sc: Option<&Sidecar>,
    sidecar: &Path,
) -> Result<AnalysisConfig, String> {
    let mut cfg = base.clone();
    let Some(sc) = sc else { return Ok(cfg) };
    if let Some(p) = &sc.port {
        for port in p.list() {
            if port == 0 {
                return Err(format!("{}: port = 0 is not a port", sidecar.display()));
            }
            if !cfg.engine.flow.rdp_ports.contains(&port) {
                cfg.engine.flow.rdp_ports.push(port);
            }
            if !cfg.engine.flow.udp_ports.contains(&port) {
                cfg.engine.flow.udp_ports.push(port);
            }
        }
    }
    if let Some(k) = &sc.keylog {
        let path = sidecar.parent().unwrap_or(Path::new(".")).join(k);
        if !path.is_file() {
            return Err(format!(
                "{}: keylog = \"{k}\" names {}, which does not exist. Put the key log beside the sidecar or fix the name.",
                sidecar.display(),
                path.display()
            ));
        }
        let (keys, _) = crate::analysis::load_keylog(&path.to_string_lossy())
            .map_err(|e| format!("{}: {e}", sidecar.display()))?;
        // The sidecar's keys replace any --keylog/SSLKEYLOGFILE keys: they
        // belong to this capture. DSB keys in the capture are added as usual.
        cfg.keylog = Some(keys);
    }
    Ok(cfg)
}

fn run_case(case: &Case, base: &AnalysisConfig, bless: bool, verdicts: &mut Vec<String>) -> Status {
    let sidecar_text = if case.sidecar_exists {
        match std::fs::read_to_string(&case.sidecar) {
            Ok(t) => Some(t),
            Err(e) => {
                return Status::Error(format!(
                    "cannot read {}: {e}. Check its permissions.",
                    case.sidecar.display()
                ))
            }
        }
    } else {
        None
    };
    let sidecar = match sidecar_text.as_deref().map(parse_sidecar) {
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            return Status::Error(format!(
                "{}: {e}. The format is described in captures/README.md.",
                case.sidecar.display()
            ))
        }
        None => None,
    };
    let cfg = match case_config(base, sidecar.as_ref(), &case.sidecar) {
        Ok(c) => c,
        Err(e) => return Status::Error(e),
    };
    let report = match crate::analysis::analyze_file(&case.capture.to_string_lossy(), &cfg) {
        Ok(r) => r,
        Err(e) => return Status::Error(e.to_string()),
    };
    verdicts.extend(report.attempts.iter().map(describe));
    if bless {
        let text = bless_text(sidecar_text.as_deref(), sidecar.as_ref(), &report);
        if sidecar_text.as_deref() == Some(text.as_str()) {
            return Status::Blessed(false);
        }
        return match std::fs::write(&case.sidecar, text) {
            Ok(()) => Status::Blessed(true),
            Err(e) => Status::Error(format!(
                "cannot write {}: {e}. Check the folder's permissions.",
                case.sidecar.display()
            )),
        };
    }
    let expected = sidecar.map(|s| s.attempts).unwrap_or_default();
    let mism = compare(&expected, &report.attempts);
    if mism.is_empty() {
        Status::Pass
    } else {
        Status::Fail(mism)
    }
}

/// Run the suite. Returns the per-capture results and input errors.
pub fn run(
    paths: &[PathBuf],
    base: &AnalysisConfig,
    bless: bool,
) -> (Vec<CaseResult>, Vec<String>) {
    let d = discover(paths, bless);
    let mut results = Vec::new();
    for c in &d.cases {
        let t = Instant::now();
        let mut verdicts = Vec::new();
        let status = run_case(c, base, bless, &mut verdicts);
        results.push(CaseResult {
            capture: c.capture.clone(),
            seconds: t.elapsed().as_secs_f64(),
            status,
            verdicts,
        });
    }
    (results, d.errors)
}
