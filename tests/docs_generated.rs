//! Generated documentation stays in sync with the code.

use std::path::PathBuf;

#[test]
fn rules_md_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    let fresh = rdpdiag::rules::catalog::markdown();
    assert!(
        on_disk == fresh,
        "docs/rules.md is stale (the rule registry changed). Regenerate it with:\n\n    \
         cargo run -q -- rules --format markdown > docs/rules.md\n"
    );
}
