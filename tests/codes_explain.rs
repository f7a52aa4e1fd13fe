//! Public-API tests for `rdpdiag::codes` (what `rdpdiag explain` relies on).

use rdpdiag::codes::{errinfo_to_extended, explain, ntstatus_to_mstsc, Outcome, Role, Table};

#[test]
fn explain_pair_text_and_json() {
    let x = explain("0x904", Some("0x7"));
    let text = x.to_string();
    if std::env::var_os("RDPDIAG_PRINT").is_some() {
        println!("{text}");
        for q in [
            "0x7",
            "516",
            "0x516",
            "STATUS_LOGON_FAILURE",
            "80",
            "0x12345",
            "SSL_NOT_ALLOWED_BY_SERVER",
        ] {
            println!("{}", explain(q, None));
        }
        println!("{}", explain("0x3", Some("0x10D3")));
        println!(
            "{}",
            serde_json::to_string_pretty(&explain("0xC0000234", None)).unwrap_or_default()
        );
    }
    assert!(text.contains("disconnectReasonAtClientWinsockFDCLOSE"));
    assert!(text.contains("exDiscReasonServerDeniedConnection"));
    let v = serde_json::to_value(&x).unwrap_or_default();
    assert_eq!(v["matches"][0]["role"], "disc_reason");
    assert_eq!(v["matches"][1]["role"], "extended_reason");
    assert!(v["what_to_capture"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
}

#[test]
fn mappings_are_public() {
    assert_eq!(errinfo_to_extended(7), Some(7));
    assert_eq!(ntstatus_to_mstsc(0xC000_0234), Some(0xD07));
    assert_eq!(
        Table::License.lookup(7).map(|e| e.outcome),
        Some(Outcome::Success)
    );
    let x = explain("0xC0000234", None);
    assert_eq!(x.matches.first().map(|m| m.role), Some(Role::Candidate));
}

#[test]
fn table_sizes() {
    for t in Table::ALL {
        if std::env::var_os("RDPDIAG_PRINT").is_some() {
            println!("{:?}: {}", t, t.entries().len());
        }
        assert!(t == Table::FreerdpErrInfo || !t.entries().is_empty());
    }
}
