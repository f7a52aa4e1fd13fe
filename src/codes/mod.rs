//! Code tables behind `rdpdiag explain CODE [EXTENDED]`.
//!
//! One `static` table per family of codes that a failed Remote Desktop
//! connection can surface: mstsc `discReason` and extended reasons, the Set
//! Error Info PDU's `errorInfo`, NTSTATUS values in CredSSP `errorCode`,
//! FreeRDP error codes, RDP_NEG_FAILURE codes, TLS alert descriptions,
//! licensing `dwErrorCode`, Early User Authorization results and RDSTLS
//! result codes. Facts come from `protocol-facts.md` (MS-RDPBCGR, Microsoft's
//! mstsc ActiveX documentation, FreeRDP `error.h`); the prose is ours.
//! Anything we could not pin to a source says `[inference]` or
//! `[undocumented]` in its meaning.
//!
//! [`explain`] turns what a user typed (hex, decimal, negative, HRESULT-ish or
//! a symbolic name) into an [`Explanation`].

use serde::Serialize;

pub mod auth;
mod common;
pub mod errinfo;
pub mod events;
mod explain;
pub mod freerdp;
pub mod gateway;
pub mod kerberos;
pub mod license;
pub mod mcs;
pub mod mstsc;
pub mod nego;
pub mod ntstatus;
pub mod sspi;
pub mod tls_alert;

pub use explain::{explain, Explanation, Match, Role};

/// Whether a code reports a failure, success, or an ordinary (non-error) end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The code means the step succeeded (e.g. licensing STATUS_VALID_CLIENT).
    Success,
    /// An ordinary, intended end of a session (user logoff, admin disconnect).
    NotAnError,
    /// A failure.
    Failure,
}

/// One entry of a code table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CodeInfo {
    /// The numeric code as it appears on the wire or in the client.
    pub code: u32,
    /// Symbolic name (from the spec or the client's headers where one exists).
    pub name: &'static str,
    /// What the code means, in one or two sentences.
    pub meaning: &'static str,
    /// Typical causes seen when this code is reported.
    pub likely_causes: &'static [&'static str],
    /// Concrete Windows-side remediation steps.
    pub fix: &'static [&'static str],
    /// Success, benign end, or failure.
    pub outcome: Outcome,
}

impl CodeInfo {
    /// A failure entry.
    pub const fn fail(
        code: u32,
        name: &'static str,
        meaning: &'static str,
        likely_causes: &'static [&'static str],
        fix: &'static [&'static str],
    ) -> Self {
        CodeInfo {
            code,
            name,
            meaning,
            likely_causes,
            fix,
            outcome: Outcome::Failure,
        }
    }

    /// A success entry.
    pub const fn ok(code: u32, name: &'static str, meaning: &'static str) -> Self {
        CodeInfo {
            code,
            name,
            meaning,
            likely_causes: &[],
            fix: &[],
            outcome: Outcome::Success,
        }
    }

    /// An entry for an ordinary, intended end of a session.
    pub const fn benign(
        code: u32,
        name: &'static str,
        meaning: &'static str,
        likely_causes: &'static [&'static str],
        fix: &'static [&'static str],
    ) -> Self {
        CodeInfo {
            code,
            name,
            meaning,
            likely_causes,
            fix,
            outcome: Outcome::NotAnError,
        }
    }
}

/// The code tables `explain` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// mstsc / ActiveX `discReason` (IMsTscAxEvents::OnDisconnected).
    MstscDisconnect,
    /// mstsc `ExtendedDisconnectReasonCode`.
    MstscExtended,
    /// MS-RDPBCGR Set Error Info PDU `errorInfo` (ERRINFO_*).
    ErrInfo,
    /// FreeRDP connect-class error codes, `(2 << 16) | ERRCONNECT_*`.
    FreerdpConnect,
    /// FreeRDP errinfo-class error codes, `(1 << 16) | ERRINFO_*`.
    FreerdpErrInfo,
    /// NTSTATUS in CredSSP TSRequest.errorCode.
    NtStatus,
    /// RDP_NEG_FAILURE failureCode.
    NegoFailure,
    /// TLS alert description.
    TlsAlert,
    /// Licensing ERROR_ALERT dwErrorCode.
    License,
    /// Early User Authorization Result (HYBRID_EX).
    EarlyUserAuth,
    /// RDSTLS authentication response result code (a Win32 error).
    Rdstls,
    /// SSPI status (SEC_E_* / SEC_I_* HRESULT) from CredSSP / Schannel.
    Sspi,
    /// Kerberos KRB-ERROR code (RFC 4120 7.5.9).
    Kerberos,
    /// RD Gateway status (MS-TSGU 2.2.6 E_PROXY_* and Win32 codes).
    Gateway,
    /// MCS Connect-Response result (T.125 Result).
    McsResult,
    /// MCS Disconnect Provider Ultimatum reason (T.125 Reason).
    McsReason,
}

impl Table {
    /// Every table, in the order `explain` ranks candidates for a bare number.
    pub const ALL: [Table; 16] = [
        Table::MstscDisconnect,
        Table::MstscExtended,
        Table::ErrInfo,
        Table::FreerdpConnect,
        Table::FreerdpErrInfo,
        Table::NtStatus,
        Table::NegoFailure,
        Table::TlsAlert,
        Table::License,
        Table::EarlyUserAuth,
        Table::Rdstls,
        Table::Sspi,
        Table::Kerberos,
        Table::Gateway,
        Table::McsResult,
        Table::McsReason,
    ];

    /// Human title of the table.
    pub fn title(self) -> &'static str {
        match self {
            Table::MstscDisconnect => "mstsc disconnect reason (discReason)",
            Table::MstscExtended => "mstsc extended disconnect reason",
            Table::ErrInfo => "Set Error Info PDU errorInfo (MS-RDPBCGR 2.2.5.1.1)",
            Table::FreerdpConnect => "FreeRDP connect error (ERRCONNECT class 2)",
            Table::FreerdpErrInfo => "FreeRDP errinfo error (ERRINFO class 1)",
            Table::NtStatus => "NTSTATUS in CredSSP TSRequest.errorCode",
            Table::NegoFailure => "RDP_NEG_FAILURE failureCode (X.224 Connection Confirm)",
            Table::TlsAlert => "TLS alert description",
            Table::License => "licensing ERROR_ALERT dwErrorCode",
            Table::EarlyUserAuth => "Early User Authorization Result (HYBRID_EX)",
            Table::Rdstls => "RDSTLS authentication result (Win32 error)",
            Table::Sspi => "SSPI status (SEC_E_* / SEC_I_*) from CredSSP or Schannel",
            Table::Kerberos => {
                "Kerberos error code (RFC 4120 7.5.9; event 4768/4771 Result/Failure Code)"
            }
            Table::Gateway => "RD Gateway status (MS-TSGU 2.2.6)",
            Table::McsResult => "MCS Connect-Response result (T.125; MS-RDPBCGR 2.2.1.4)",
            Table::McsReason => {
                "MCS Disconnect Provider Ultimatum reason (T.125; MS-RDPBCGR 2.2.2.3)"
            }
        }
    }

    /// The static entries of this table. `FreerdpErrInfo` has none of its
    /// own: it reuses the ERRINFO table under the class-1 prefix.
    pub fn entries(self) -> &'static [CodeInfo] {
        match self {
            Table::MstscDisconnect => mstsc::DISC_REASONS,
            Table::MstscExtended => mstsc::EXTENDED_REASONS,
            Table::ErrInfo => errinfo::ERRINFO,
            Table::FreerdpConnect => freerdp::ERRCONNECT,
            Table::FreerdpErrInfo => &[],
            Table::NtStatus => ntstatus::NTSTATUS,
            Table::NegoFailure => nego::NEG_FAILURE,
            Table::TlsAlert => tls_alert::TLS_ALERTS,
            Table::License => license::LICENSE_ERRORS,
            Table::EarlyUserAuth => auth::EARLY_USER_AUTH,
            Table::Rdstls => auth::RDSTLS_RESULTS,
            Table::Sspi => sspi::SSPI,
            Table::Kerberos => kerberos::KERBEROS,
            Table::Gateway => gateway::GATEWAY,
            Table::McsResult => mcs::MCS_RESULTS,
            Table::McsReason => mcs::MCS_REASONS,
        }
    }

    /// Look `code` up in this table, including range entries (the mstsc
    /// extended protocol range) and the FreeRDP class prefixes.
    pub fn lookup(self, code: u32) -> Option<&'static CodeInfo> {
        match self {
            Table::MstscExtended => mstsc::extended(code),
            Table::FreerdpErrInfo => freerdp::errinfo_class(code),
            _ => find(self.entries(), code),
        }
    }
}

/// Find `code` in a table.
pub fn find(table: &'static [CodeInfo], code: u32) -> Option<&'static CodeInfo> {
    table.iter().find(|e| e.code == code)
}

/// ERRINFO code → mstsc extended disconnect reason.
///
/// The extended reasons 0–12, 256–267 and 4096–32767 carry the same numbers
/// as the server's Set Error Info codes, so the mapping is the identity where
/// both sides define the value. Connection-broker codes (0x400–0x412), the
/// stack/crash codes 0xF–0x18 and FreeRDP's local 0x1196 have no extended
/// counterpart and yield `None`.
pub fn errinfo_to_extended(errinfo: u32) -> Option<u32> {
    let info = find(errinfo::ERRINFO, errinfo)?;
    if info.code == errinfo::ERRINFO_PEER_DISCONNECTED {
        return None;
    }
    mstsc::extended(errinfo).map(|_| errinfo)
}

/// NTSTATUS (CredSSP `errorCode`) → the mstsc `discReason` (SSL_ERR_* class
/// 0x..07) that the Windows client shows for it, where known. See
/// [`ntstatus::NTSTATUS_TO_MSTSC`] for which pairs are name correspondences
/// and which are inference.
pub fn ntstatus_to_mstsc(status: u32) -> Option<u32> {
    ntstatus::NTSTATUS_TO_MSTSC
        .iter()
        .find(|m| m.ntstatus == status)
        .map(|m| m.mstsc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_table_has_unique_codes_and_names() {
        for t in Table::ALL {
            let mut codes = HashSet::new();
            let mut names = HashSet::new();
            for e in t.entries() {
                assert!(codes.insert(e.code), "{t:?}: duplicate code {:#x}", e.code);
                assert!(names.insert(e.name), "{t:?}: duplicate name {}", e.name);
            }
        }
    }

    #[test]
    fn no_entry_has_empty_text() {
        for t in Table::ALL {
            for e in t.entries() {
                assert!(!e.name.trim().is_empty(), "{t:?} {:#x}: empty name", e.code);
                assert!(
                    !e.meaning.trim().is_empty(),
                    "{t:?} {:#x}: empty meaning",
                    e.code
                );
                for s in e.likely_causes.iter().chain(e.fix.iter()) {
                    assert!(!s.trim().is_empty(), "{t:?} {:#x}: empty string", e.code);
                }
                if e.outcome == Outcome::Failure {
                    assert!(
                        !e.likely_causes.is_empty() || !e.fix.is_empty(),
                        "{t:?} {:#x} {}: failure without causes or fix",
                        e.code,
                        e.name
                    );
                }
            }
        }
    }

    #[test]
    fn errinfo_maps_to_extended_in_documented_ranges() {
        assert_eq!(errinfo_to_extended(0x7), Some(7));
        assert_eq!(
            mstsc::extended(7).map(|e| e.name),
            Some("exDiscReasonServerDeniedConnection")
        );
        assert_eq!(errinfo_to_extended(0x3), Some(3));
        assert_eq!(errinfo_to_extended(0x10A), Some(0x10A));
        assert_eq!(errinfo_to_extended(0x10C9), Some(0x10C9));
        assert_eq!(errinfo_to_extended(0x1195), Some(0x1195));
        // Broker codes and crash codes have no extended counterpart.
        assert_eq!(errinfo_to_extended(0x400), None);
        assert_eq!(errinfo_to_extended(0x17), None);
        // FreeRDP-local, never sent by a server.
        assert_eq!(errinfo_to_extended(0x1196), None);
        // Not an ERRINFO code at all.
        assert_eq!(errinfo_to_extended(0x8), None);
        // Every mapped value exists in both tables.
        for e in errinfo::ERRINFO {
            if let Some(x) = errinfo_to_extended(e.code) {
                assert!(mstsc::extended(x).is_some());
            }
        }
    }

    #[test]
    fn ntstatus_maps_to_ssl_err_codes() {
        assert_eq!(ntstatus_to_mstsc(0xC000_006D), Some(0x807));
        assert_eq!(ntstatus_to_mstsc(0xC000_0071), Some(0xF07));
        assert_eq!(ntstatus_to_mstsc(0xC000_0234), Some(0xD07));
        assert_eq!(ntstatus_to_mstsc(0xC000_0072), Some(0xB07));
        assert_eq!(ntstatus_to_mstsc(0xC000_006E), Some(0xC07));
        assert_eq!(ntstatus_to_mstsc(0xC000_0193), Some(0xE07));
        assert_eq!(ntstatus_to_mstsc(0xC000_0224), Some(0x1207));
        assert_eq!(ntstatus_to_mstsc(0xC000_0064), Some(0xA07));
        assert_eq!(ntstatus_to_mstsc(0xC000_0133), None);
        // Every mapping points at real entries with the SSL_ERR class byte.
        for m in ntstatus::NTSTATUS_TO_MSTSC {
            assert!(find(ntstatus::NTSTATUS, m.ntstatus).is_some());
            let d = find(mstsc::DISC_REASONS, m.mstsc);
            assert!(d.is_some(), "{:#x}", m.mstsc);
            assert_eq!(m.mstsc & 0xFF, 0x07);
        }
    }

    #[test]
    fn license_valid_client_is_success() {
        let e = Table::License.lookup(0x7);
        assert_eq!(e.map(|e| e.outcome), Some(Outcome::Success));
        assert_eq!(e.map(|e| e.name), Some("STATUS_VALID_CLIENT"));
        // Real licensing failures stay failures.
        assert_eq!(
            Table::License.lookup(0x6).map(|e| e.outcome),
            Some(Outcome::Failure)
        );
    }

    #[test]
    fn freerdp_prefixes() {
        assert_eq!(
            Table::FreerdpConnect.lookup(0x0002_000D).map(|e| e.name),
            Some("ERRCONNECT_CONNECT_TRANSPORT_FAILED")
        );
        assert_eq!(
            Table::FreerdpErrInfo.lookup(0x0001_0007).map(|e| e.name),
            Some("ERRINFO_SERVER_DENIED_CONNECTION")
        );
        assert!(Table::FreerdpErrInfo.lookup(0x7).is_none());
        assert!(Table::FreerdpConnect.lookup(0xD).is_none());
    }
}
