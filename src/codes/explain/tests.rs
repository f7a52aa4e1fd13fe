//! Unit tests of `explain`: parsing, ranking, pairs, rendering.

use super::parse::parse_number;
use super::*;
use crate::codes::Table;

fn tables(x: &Explanation) -> Vec<Table> {
    x.matches.iter().map(|m| m.table).collect()
}

#[test]
fn pair_904_7_combined_reading() {
    let x = explain("0x904", Some("0x7"));
    assert_eq!(x.matches.len(), 2);
    assert_eq!(x.matches[0].role, Role::DiscReason);
    assert_eq!(x.matches[0].name, "disconnectReasonAtClientWinsockFDCLOSE");
    assert!(x.matches[0].meaning.contains("Socket closed"));
    assert_eq!(x.matches[1].role, Role::ExtendedReason);
    assert_eq!(x.matches[1].name, "exDiscReasonServerDeniedConnection");
    assert!(x.matches[1].meaning.contains("denied the connection"));
    let c = x.combined_reading.as_deref().unwrap_or_default();
    assert!(c.contains("closed the connection early"), "{c}");
    assert!(c.contains("36870"));
    assert!(c.contains("MachineKeys"));
    assert!(c.contains("NLA"));
    assert!(x
        .what_to_capture
        .iter()
        .any(|w| w.contains("rdpdiag analyze")));
    assert!(x.related_rules.is_empty());
    // Same answer from one string and from names.
    let y = explain("0x904 0x7", None);
    assert_eq!(y.combined_reading, x.combined_reading);
    let z = explain(
        "disconnectReasonAtClientWinsockFDCLOSE",
        Some("exDiscReasonServerDeniedConnection"),
    );
    assert_eq!(z.combined_reading, x.combined_reading);
    let w = explain("2308", Some("7"));
    assert_eq!(w.combined_reading, x.combined_reading);
}

#[test]
fn decimal_516_equals_hex_204() {
    let a = explain("516", None);
    let b = explain("0x204", None);
    assert_eq!(a.matches, b.matches);
    assert_eq!(a.matches[0].name, "disconnectReasonSocketConnectFailed");
    // "0x516" has no meaning; the decimal reading is offered.
    let c = explain("0x516", None);
    assert_eq!(
        c.matches.first().map(|m| m.role),
        Some(Role::AlternateReading)
    );
    assert_eq!(c.matches.first().map(|m| m.code), Some(0x204));
}

#[test]
fn names_resolve() {
    let cases: &[(&str, Table, u32)] = &[
        ("ERRINFO_SERVER_DENIED_CONNECTION", Table::ErrInfo, 7),
        ("STATUS_LOGON_FAILURE", Table::NtStatus, 0xC000_006D),
        ("SSL_NOT_ALLOWED_BY_SERVER", Table::NegoFailure, 2),
        ("handshake_failure", Table::TlsAlert, 40),
        ("Handshake Failure", Table::TlsAlert, 40),
        ("SSL_ERR_PASSWORD_EXPIRED", Table::MstscDisconnect, 0xF07),
        (
            "exDiscReasonServerDeniedConnection",
            Table::MstscExtended,
            7,
        ),
        (
            "ERRCONNECT_CONNECT_TRANSPORT_FAILED",
            Table::FreerdpConnect,
            0x2000D,
        ),
        (
            "FREERDP_ERROR_CONNECT_LOGON_FAILURE",
            Table::FreerdpConnect,
            0x20014,
        ),
        (
            "FREERDP_ERROR_SERVER_DENIED_CONNECTION",
            Table::FreerdpErrInfo,
            0x10007,
        ),
        ("STATUS_VALID_CLIENT", Table::License, 7),
        ("AUTHZ_ACCESS_DENIED", Table::EarlyUserAuth, 5),
    ];
    for (name, table, code) in cases {
        let x = explain(name, None);
        let m = x.matches.first();
        assert_eq!(
            m.map(|m| (m.table, m.code)),
            Some((*table, *code)),
            "{name}"
        );
    }
    // Without prefix, every family with that name shows up.
    let x = explain("LOGON_FAILURE", None);
    let t = tables(&x);
    assert!(t.contains(&Table::NtStatus));
    assert!(t.contains(&Table::MstscDisconnect));
    assert!(t.contains(&Table::FreerdpConnect));
    let y = explain("SERVER_DENIED_CONNECTION", None);
    assert!(tables(&y).contains(&Table::ErrInfo));
    assert!(tables(&y).contains(&Table::MstscExtended));
}

#[test]
fn bare_seven_is_ambiguous_and_ranked() {
    let x = explain("0x7", None);
    let t = tables(&x);
    assert_eq!(t.first(), Some(&Table::MstscExtended));
    assert!(t.contains(&Table::ErrInfo));
    assert!(t.contains(&Table::License));
    assert!(!t.contains(&Table::NegoFailure));
    let lic = x.matches.iter().find(|m| m.table == Table::License);
    assert_eq!(lic.map(|m| m.outcome), Some(Outcome::Success));
    assert!(x.notes.iter().any(|n| n.contains("ambiguous")));
    // ERRINFO 7 ↔ extended 7 cross-reference.
    let e = x.matches.iter().find(|m| m.table == Table::ErrInfo);
    assert!(e.is_some_and(|m| m
        .see_also
        .iter()
        .any(|s| s.contains("exDiscReasonServerDeniedConnection"))));
}

#[test]
fn ntstatus_forms() {
    for q in [
        "0xC000006D",
        "c000006d",
        "-1073741715",
        "3221225581",
        "0xD000006D",
    ] {
        let x = explain(q, None);
        let m = x.matches.iter().find(|m| m.table == Table::NtStatus);
        assert_eq!(m.map(|m| m.name), Some("STATUS_LOGON_FAILURE"), "{q}");
        assert!(
            m.is_some_and(|m| m.see_also.iter().any(|s| s.contains("0x807"))),
            "{q}"
        );
    }
    let x = explain("0x80070775", None);
    assert_eq!(
        x.matches.first().map(|m| m.name),
        Some("ERROR_ACCOUNT_LOCKED_OUT")
    );
}

#[test]
fn extended_protocol_range() {
    let x = explain("0x1104", Some("0x10D3"));
    let ext = x.matches.iter().find(|m| m.role == Role::ExtendedReason);
    assert!(ext.is_some_and(|m| m.meaning.contains("ERRINFO_CONNECT_FAILED")));
    assert!(x
        .combined_reading
        .is_some_and(|c| c.contains("protocol error")));
    let y = explain("0x3", Some("20000"));
    assert!(y
        .matches
        .iter()
        .any(|m| m.name == "exDiscReasonProtocolRange"));
}

#[test]
fn unknown_code_is_helpful() {
    let x = explain("0x12345", None);
    assert!(x.is_unknown());
    assert!(x
        .notes
        .iter()
        .any(|n| n.contains("4096–32767 internal protocol error")));
    assert!(x.notes.iter().any(|n| n.contains("low byte")));
    // Undefined numbers in the extended protocol range still get the range reading.
    let r = explain("0x7777", None);
    assert_eq!(
        r.matches.first().map(|m| m.name),
        Some("exDiscReasonProtocolRange")
    );
    assert!(r
        .matches
        .first()
        .is_some_and(|m| m.meaning.contains("No ERRINFO code")));
    // A two-word name is not a pair.
    assert_eq!(explain("handshake failure", None).matches.len(), 1);
    assert!(x.what_to_capture.iter().any(|w| w.contains("certutil")));
    let y = explain("frobnicate", None);
    assert!(y.is_unknown());
    let z = explain("", None);
    assert!(z.is_unknown());
    let text = x.to_string();
    assert!(text.contains("No known code matches"));
}

#[test]
fn parse_edge_cases_do_not_panic() {
    for q in [
        "-",
        "0x",
        "-0x",
        "0xFFFFFFFFFFFFFFFFFFFF",
        "99999999999999999999999",
        "-2147483648",
        "-2147483649",
        "h",
        "0h",
        "ffh",
        "0x_7",
        "💥",
        "0x904 0x7 0x1",
        "--5",
        "  0x904  ",
    ] {
        let x = explain(q, None);
        let _ = x.to_string();
        let _ = serde_json::to_string(&x);
        let y = explain(q, Some(q));
        let _ = y.to_string();
    }
    assert_eq!(
        parse_number("-2147483648").map(|n| n.value),
        Some(0x8000_0000)
    );
    assert_eq!(parse_number("-2147483649"), None);
    assert_eq!(parse_number("904h").map(|n| n.value), Some(0x904));
}

#[test]
fn display_and_json() {
    let x = explain("0x904", Some("0x7"));
    let text = x.to_string();
    assert!(text.contains("Combined reading"));
    assert!(text.contains("Fix (Windows side)"));
    let json = serde_json::to_value(&x).unwrap_or_default();
    assert_eq!(json["matches"][0]["table"], "mstsc_disconnect");
    assert_eq!(json["matches"][1]["code"], 7);
    assert!(json["combined_reading"].is_string());
    assert!(json["related_rules"]
        .as_array()
        .is_some_and(|a| a.is_empty()));
}
