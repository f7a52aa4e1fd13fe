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

use crate::analysis::AnalysisConfig;
use crate::report::FileReport;
use crate::verdict::{Attempt, Stage};
use serde::Deserialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

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

/// Extra ports: one number or a list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Ports {
    One(u16),
    Many(Vec<u16>),
}

impl Ports {
    fn list(&self) -> Vec<u16> {
        match self {
            Ports::One(p) => vec![*p],
            Ports::Many(v) => v.clone(),
        }
    }
}

/// An expectation sidecar.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    /// An NSS key log next to the capture (path relative to the sidecar).
    pub keylog: Option<String>,
    /// Extra RDP ports for this capture.
    pub port: Option<Ports>,
    #[serde(default, rename = "attempt")]
    pub attempts: Vec<Expect>,
}

/// What one attempt must yield.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub outcome: String,
    pub stage: Option<String>,
    pub rule: Option<String>,
    pub client: Option<String>,
    pub server: Option<String>,
}

/// Parse and check a sidecar text.
pub fn parse_sidecar(text: &str) -> Result<Sidecar, String> {
    let s: Sidecar = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
    for (i, a) in s.attempts.iter().enumerate() {
        let n = i + 1;
        if !matches!(a.outcome.as_str(), "success" | "failure" | "incomplete") {
            return Err(format!(
                "attempt {n}: outcome = \"{}\": use success, failure or incomplete",
                a.outcome
            ));
        }
        if let Some(st) = &a.stage {
            if Stage::from_name(st).is_none() {
                let all: Vec<&str> = crate::verdict::ALL_STAGES
                    .iter()
                    .map(|s| s.name())
                    .collect();
                return Err(format!(
                    "attempt {n}: stage = \"{st}\": use one of {}",
                    all.join(", ")
                ));
            }
        }
        if let Some(r) = &a.rule {
            if crate::rules::rule(r).is_none() {
                return Err(format!(
                    "attempt {n}: rule = \"{r}\" is not a rule id (see `rdpdiag rules`)"
                ));
            }
        }
    }
    Ok(s)
}

/// The sidecar path of a capture: its name minus the last extension, plus `.expect.toml`.
pub fn sidecar_path(capture: &Path) -> Option<PathBuf> {
    let name = capture.file_name()?.to_str()?;
    if name.ends_with(".expect.toml") {
        return None;
    }
    let stem = match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    };
    Some(capture.with_file_name(format!("{stem}.expect.toml")))
}

const CAPTURE_EXTS: &[&str] = &[
    ".pcap",
    ".pcapng",
    ".cap",
    ".pcap.gz",
    ".pcapng.gz",
    ".cap.gz",
];

fn looks_like_capture(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| CAPTURE_EXTS.iter().any(|e| n.ends_with(e)))
}

/// One capture of the suite.
#[derive(Debug, Clone)]
pub struct Case {
    pub capture: PathBuf,
    pub sidecar: PathBuf,
    pub sidecar_exists: bool,
}

/// What was found under the given paths.
#[derive(Debug, Default)]
pub struct Discovery {
    pub cases: Vec<Case>,
    /// Problems with the inputs (missing paths, sidecars without a capture).
    pub errors: Vec<String>,
}

const MAX_DEPTH: usize = 16;

fn walk(dir: &Path, depth: usize, files: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let rd = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) => {
            errors.push(format!(
                "cannot list {}: {e}. Check the path and its permissions.",
                dir.display()
            ));
            return;
        }
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        // Do not follow symlinked folders (loops); symlinked files are fine.
        let is_link = std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink());
        if p.is_dir() {
            if !is_link && depth < MAX_DEPTH {
                walk(&p, depth + 1, files, errors);
            }
        } else if p.is_file() {
            files.push(p);
        }
    }
}

/// Find the captures to run. With `bless`, captures without a sidecar count too.
pub fn discover(paths: &[PathBuf], bless: bool) -> Discovery {
    let mut d = Discovery::default();
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, 0, &mut files, &mut d.errors);
        } else if p.is_file() {
            if p.to_string_lossy().ends_with(".expect.toml") {
                d.errors.push(format!(
                    "{} is a sidecar: pass the capture beside it, or its folder.",
                    p.display()
                ));
                continue;
            }
            let Some(sc) = sidecar_path(p) else { continue };
            if !sc.is_file() && !bless {
                d.errors.push(format!(
                    "{} has no sidecar: expected {}. Write one by hand or with `rdpdiag test --bless {}`.",
                    p.display(),
                    sc.display(),
                    p.display()
                ));
                continue;
            }
            d.cases.push(Case {
                capture: p.clone(),
                sidecar_exists: sc.is_file(),
                sidecar: sc,
            });
        } else {
            d.errors.push(format!(
                "{} does not exist. Pass a folder of captures with .expect.toml sidecars.",
                p.display()
            ));
        }
    }
    let present: std::collections::HashSet<&PathBuf> = files.iter().collect();
    let mut used_sidecars = std::collections::HashSet::new();
    for f in &files {
        let Some(sc) = sidecar_path(f) else { continue };
        let exists = present.contains(&sc);
        if exists || (bless && looks_like_capture(f)) {
            if exists {
                used_sidecars.insert(sc.clone());
            }
            d.cases.push(Case {
                capture: f.clone(),
                sidecar: sc,
                sidecar_exists: exists,
            });
        }
    }
    for f in &files {
        if f.to_string_lossy().ends_with(".expect.toml") && !used_sidecars.contains(f) {
            // A sidecar whose capture was passed explicitly is used too.
            if d.cases.iter().any(|c| c.sidecar == *f) {
                continue;
            }
            d.errors.push(format!(
                "{} has no capture beside it (a sidecar NAME.expect.toml belongs to a capture NAME.EXT). \
                 Restore the capture or delete the sidecar.",
                f.display()
            ));
        }
    }
    // A capture named twice (a file and its folder) runs once.
    let mut seen = std::collections::HashSet::new();
    d.cases.retain(|c| seen.insert(c.capture.clone()));
    d
}

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

fn describe(a: &Attempt) -> String {
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

/// Escape text for XML attributes and content; drop characters XML 1.0 forbids.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// JUnit XML: one `testsuite`, one `testcase` per capture; input errors
/// without a capture become error test cases named after the problem.
pub fn junit(results: &[CaseResult], errors: &[String], suite: &str) -> String {
    let c = counts(results);
    let total_time: f64 = results.iter().map(|r| r.seconds).sum();
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let n = results.len() + errors.len();
    let errs = c.error + errors.len();
    let _ = writeln!(
        o,
        "<testsuites name=\"rdpdiag\" tests=\"{n}\" failures=\"{}\" errors=\"{errs}\" time=\"{total_time:.3}\">",
        c.fail
    );
    let _ = writeln!(
        o,
        "  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{}\" errors=\"{errs}\" skipped=\"0\" time=\"{total_time:.3}\">",
        xml_escape(suite),
        c.fail
    );
    for (i, e) in errors.iter().enumerate() {
        let _ = writeln!(
            o,
            "    <testcase classname=\"rdpdiag.input\" name=\"input error {}\" time=\"0\">\n      <error message=\"{}\" type=\"input\"/>\n    </testcase>",
            i + 1,
            xml_escape(e)
        );
    }
    for r in results {
        let path = r.capture.to_string_lossy();
        let name = r
            .capture
            .file_name()
            .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned());
        let class = r
            .capture
            .parent()
            .map(|p| p.to_string_lossy().replace(['/', '\\'], "."))
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| ".".into());
        let _ = write!(
            o,
            "    <testcase classname=\"rdpdiag.{}\" name=\"{}\" file=\"{}\" time=\"{:.3}\"",
            xml_escape(class.trim_matches('.')),
            xml_escape(&name),
            xml_escape(&path),
            r.seconds
        );
        match &r.status {
            Status::Pass | Status::Blessed(_) => {
                let _ = writeln!(o, "/>");
            }
            Status::Fail(m) => {
                let _ = writeln!(
                    o,
                    ">\n      <failure message=\"{}\" type=\"verdict\">{}</failure>\n    </testcase>",
                    xml_escape(m.first().map_or("", |s| s.as_str())),
                    xml_escape(&m.join("\n"))
                );
            }
            Status::Error(e) => {
                let _ = writeln!(
                    o,
                    ">\n      <error message=\"{}\" type=\"input\"/>\n    </testcase>",
                    xml_escape(e)
                );
            }
        }
    }
    o.push_str("  </testsuite>\n</testsuites>\n");
    o
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
            eprintln!(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_names() {
        let s = |p: &str| sidecar_path(Path::new(p)).map(|p| p.to_string_lossy().into_owned());
        assert_eq!(s("a/tls_ok.pcap").as_deref(), Some("a/tls_ok.expect.toml"));
        assert_eq!(
            s("nla_ok.dsb.pcapng").as_deref(),
            Some("nla_ok.dsb.expect.toml")
        );
        assert_eq!(s("x.pcapng.gz").as_deref(), Some("x.pcapng.expect.toml"));
        assert_eq!(s("x.expect.toml"), None);
    }

    #[test]
    fn sidecar_parse_and_check() {
        let s = parse_sidecar(
            "# c\nkeylog = \"k.txt\"\nport = [3390, 443]\n[[attempt]]\noutcome = \"failure\"\nstage = \"tls\"\nrule = \"tls.fatal_alert\"\n",
        )
        .expect("valid");
        assert_eq!(s.keylog.as_deref(), Some("k.txt"));
        assert_eq!(s.port.map(|p| p.list()), Some(vec![3390, 443]));
        assert_eq!(s.attempts[0].rule.as_deref(), Some("tls.fatal_alert"));
        assert!(parse_sidecar("port = 3390\n").is_ok());
        for bad in [
            "[[attempt]]\noutcome = \"ok\"\n",
            "[[attempt]]\noutcome = \"failure\"\nstage = \"x224\"\n",
            "[[attempt]]\noutcome = \"failure\"\nrule = \"tls.nope\"\n",
            "[[attempt]]\noutcome = \"failure\"\nrules = \"tls.fatal_alert\"\n",
        ] {
            assert!(parse_sidecar(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn addresses() {
        assert!(addr_matches("10.0.0.1", "10.0.0.1:3389"));
        assert!(addr_matches("10.0.0.1:3389", "10.0.0.1:3389"));
        assert!(!addr_matches("10.0.0.1", "10.0.0.12:3389"));
        assert!(addr_matches("::1", "[::1]:3389"));
    }

    #[test]
    fn xml_is_escaped() {
        assert_eq!(
            xml_escape("a<b>&\"'\u{1}"),
            "a&lt;b&gt;&amp;&quot;&apos;\u{FFFD}"
        );
    }
}
