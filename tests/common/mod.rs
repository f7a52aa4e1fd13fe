//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// `shared/captures` found from env `RDPDIAG_SHARED` or by walking up from the crate.
pub fn shared_captures() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("RDPDIAG_SHARED") {
        let p = PathBuf::from(p);
        for cand in [p.join("captures"), p.clone()] {
            if cand.join("lab").is_dir() {
                return Some(cand);
            }
        }
    }
    let mut dir = Some(Path::new(env!("CARGO_MANIFEST_DIR")));
    while let Some(d) = dir {
        let cand = d.join("shared").join("captures");
        if cand.join("lab").is_dir() {
            return Some(cand);
        }
        dir = d.parent();
    }
    None
}
