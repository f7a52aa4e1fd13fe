//! Finding the captures (and their sidecars) under the given paths.

use super::sidecar::sidecar_path;
use std::path::{Path, PathBuf};

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

/// The captures under the given folders that have no sidecar: not tested,
/// so `rdpdiag test` names them rather than passing in silence.
pub fn without_sidecar(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths.iter().filter(|p| p.is_dir()) {
        walk(p, 0, &mut files, &mut errors);
    }
    let present: std::collections::HashSet<&PathBuf> = files.iter().collect();
    files
        .iter()
        .filter(|f| looks_like_capture(f))
        .filter(|f| sidecar_path(f).is_none_or(|sc| !present.contains(&sc)))
        .cloned()
        .collect()
}
