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

#[test]
fn new_tables_reach_explain() {
    // 0x80090302 = SEC_E_UNSUPPORTED_FUNCTION (winerror.h; FreeRDP winpr/sspi.h).
    let x = explain("0x80090302", None);
    let m = x.matches.iter().find(|m| m.table == Table::Sspi);
    assert_eq!(m.map(|m| m.name), Some("SEC_E_UNSUPPORTED_FUNCTION"));
    assert!(x.to_string().contains("AllowEncryptionOracle"));
    // Negative decimal form of the same HRESULT.
    let x = explain("-2146893054", None);
    assert!(x
        .matches
        .iter()
        .any(|m| m.name == "SEC_E_UNSUPPORTED_FUNCTION"));

    // KDC_ERR_S_PRINCIPAL_UNKNOWN = 7 (RFC 4120 7.5.9).
    let x = explain("KDC_ERR_S_PRINCIPAL_UNKNOWN", None);
    assert_eq!(x.matches.len(), 1);
    assert_eq!(x.matches[0].table, Table::Kerberos);
    assert_eq!(x.matches[0].code, 7);
    assert!(x.matches[0].fix.iter().any(|f| f.contains("setspn")));

    // 0x800759DA = E_PROXY_RAP_ACCESSDENIED (MS-TSGU 2.2.6).
    let x = explain("0x800759DA", None);
    assert_eq!(
        x.matches.first().map(|m| (m.table, m.name)),
        Some((Table::Gateway, "E_PROXY_RAP_ACCESSDENIED"))
    );
}

#[test]
fn new_tables_rank_after_existing_ones() {
    // Bare numbers keep their existing readings first; the new families
    // (e.g. 7 = KDC_ERR_S_PRINCIPAL_UNKNOWN, 40 = KRB_AP_ERR_MSG_TYPE) follow.
    let new = [Table::Sspi, Table::Kerberos, Table::Gateway];
    for q in ["7", "40", "0x5", "24"] {
        let x = explain(q, None);
        let is_new: Vec<bool> = x.matches.iter().map(|m| new.contains(&m.table)).collect();
        assert!(is_new.contains(&true), "{q}: no new-table reading");
        let first_new = is_new.iter().position(|b| *b).unwrap_or(0);
        assert!(is_new[first_new..].iter().all(|b| *b), "{q}: {is_new:?}");
    }
}

#[test]
fn mcs_codes_by_name() {
    // rdpdiag prints MCS results and Ultimatum reasons by their T.125 names.
    for (q, t) in [
        ("rt-parameters-unacceptable", Table::McsResult),
        ("rn-provider-initiated", Table::McsReason),
    ] {
        let x = explain(q, None);
        assert_eq!(x.matches.first().map(|m| m.table), Some(t), "{q}");
    }
    assert!(!explain("8", None)
        .matches
        .iter()
        .any(|m| m.table == Table::McsResult));
}

#[test]
fn events_are_not_codes() {
    use rdpdiag::codes::events::{explain_event, find_event};
    // Event IDs live outside codes::Table: explain does not read 36888 as
    // anything, and the event lookup needs its own entry point.
    assert!(explain("36888", None).is_unknown());
    assert!(Table::ALL.iter().all(|t| !t.title().contains("event ID")));
    assert_eq!(explain_event("event 1026").map(|e| e.id), Some(1026));
    assert!(find_event(4771).is_some_and(|e| e.log == "Security"));
}

/// `rdpdiag explain event ID` reads the Windows event table, never the code
/// tables: 36870 is Schannel's private-key failure, not a disconnect code.
#[test]
fn explain_event_names_the_log_and_the_next_step() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .args(["--no-config", "explain", "event", "36870"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Schannel"), "{text}");
    assert!(text.contains("MachineKeys"), "{text}");
    let unknown = std::process::Command::new(env!("CARGO_BIN_EXE_rdpdiag"))
        .args(["--no-config", "explain", "event", "99999"])
        .output()
        .expect("runs");
    assert_eq!(unknown.status.code(), Some(1));
}

/// mstsc's dialog text pasted whole is read for its two codes.
#[test]
fn explain_reads_the_mstsc_dialog_text() {
    let pasted = "Your computer can't connect to the remote computer because an error \
                  occurred on the remote computer that you want to connect to. Contact your \
                  network administrator for assistance.\n\nError code: 0x904\nExtended error \
                  code: 0x7.";
    let x = explain(pasted, None);
    let y = explain("0x904", Some("0x7"));
    assert_eq!(x.matches, y.matches);
    assert_eq!(x.combined_reading, y.combined_reading);
    assert_eq!(x.query, pasted);
    assert!(
        x.notes[0].contains("0x904") && x.notes[0].contains("0x7"),
        "{:?}",
        x.notes
    );
    // One line, as a shell argument, and without an extended code.
    let x = explain(
        "Error code: 0x204. Extended error code: 0x0. Timestamp (UTC): 2024-05-01",
        None,
    );
    assert_eq!(x.matches[0].code, 0x204);
    let x = explain("An error occurred. Error code: 0x108.", None);
    assert_eq!(x.matches[0].code, 0x108);
    // Plain text without codes is still not a code.
    assert!(explain("it does not work", None).is_unknown());
}

/// Every mstsc code rdpdiag prints (the rules' `mstsc shows:` entries, and
/// the activation rule's "0x904 / extended N") can be explained back.
#[test]
fn every_code_rdpdiag_prints_can_be_explained() {
    let mut printed: Vec<String> = rdpdiag::rules::catalog::json_doc()
        .rules
        .iter()
        .flat_map(|r| r.mstsc_codes.iter().map(|c| c.to_string()))
        .collect();
    for ext in [0x1u32, 0x7, 0x9, 0xc, 0x10d3] {
        printed.push(format!("0x904 / extended {ext:#x}"));
    }
    assert!(printed.len() > 20, "{printed:?}");
    for code in &printed {
        let x = explain(code, None);
        assert!(!x.is_unknown(), "`rdpdiag explain {code:?}` knows nothing");
        if let Some((_, ext)) = code.split_once("extended 0x") {
            let ext = ext.split('-').next().unwrap_or_default();
            let want = u32::from_str_radix(ext, 16).unwrap_or_default();
            assert!(
                x.matches
                    .iter()
                    .any(|m| m.role == Role::ExtendedReason && m.code == want),
                "{code}: {:?}",
                x.matches
            );
        }
    }
}
