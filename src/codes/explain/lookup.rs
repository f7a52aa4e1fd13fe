//! Finding the table entries a number or a name could be, and turning
//! them into [`Match`]es with cross-references.

use super::parse::{normalize, parse_number, strip_prefix};
use super::{Match, Role};
use crate::codes::{
    auth, errinfo, errinfo_to_extended, find, freerdp, mstsc, ntstatus, CodeInfo, Table,
};

fn all_entries() -> impl Iterator<Item = (Table, &'static CodeInfo)> {
    Table::ALL
        .into_iter()
        .flat_map(|t| t.entries().iter().map(move |e| (t, e)))
        .chain(std::iter::once((
            Table::MstscExtended,
            &mstsc::EXT_PROTOCOL_RANGE,
        )))
}

/// Name lookup: exact (normalized) names first, then names equal after
/// dropping a family prefix, then substrings.
pub(super) fn lookup_name(query: &str) -> Vec<(Table, &'static CodeInfo, u32)> {
    let mut q = normalize(query);
    let mut freerdp_errinfo = false;
    if let Some(rest) = q.strip_prefix("freerdperrorconnect") {
        q = format!("errconnect{rest}");
    } else if let Some(rest) = q.strip_prefix("freerdperror") {
        q = format!("errinfo{rest}");
        freerdp_errinfo = true;
    }
    if q.is_empty() {
        return Vec::new();
    }
    let with_code = |(t, e): (Table, &'static CodeInfo)| {
        if freerdp_errinfo && t == Table::ErrInfo {
            (
                Table::FreerdpErrInfo,
                e,
                (freerdp::CLASS_ERRINFO << 16) | e.code,
            )
        } else {
            (t, e, e.code)
        }
    };
    let exact: Vec<_> = all_entries()
        .filter(|(_, e)| normalize(e.name) == q)
        .map(with_code)
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    let qs = strip_prefix(&q).to_string();
    let loose: Vec<_> = all_entries()
        .filter(|(_, e)| strip_prefix(&normalize(e.name)) == qs)
        .map(with_code)
        .collect();
    if !loose.is_empty() || qs.len() < 4 {
        return loose;
    }
    all_entries()
        .filter(|(_, e)| normalize(e.name).contains(&qs))
        .take(12)
        .map(with_code)
        .collect()
}

/// Every table a number could belong to, in ranking order.
pub(super) fn lookup_number(v: u32) -> Vec<(Table, &'static CodeInfo, u32)> {
    // MCS results and reasons (0-15) are printed by name ("rt-…", "rn-…"):
    // as bare numbers they would only bury the readings users look for.
    let mut out: Vec<(Table, &'static CodeInfo, u32)> = Table::ALL
        .into_iter()
        .filter(|t| !matches!(t, Table::McsResult | Table::McsReason))
        .filter_map(|t| t.lookup(v).map(|e| (t, e, v)))
        .collect();
    // HRESULT_FROM_WIN32: 0x8007xxxx wraps a Win32 error (RDSTLS results).
    if v & 0xFFFF_0000 == 0x8007_0000 {
        if let Some(e) = find(auth::RDSTLS_RESULTS, v & 0xFFFF) {
            out.push((Table::Rdstls, e, v & 0xFFFF));
        }
    }
    // HRESULT_FROM_NT: NTSTATUS | 0x10000000.
    if v & 0xF000_0000 == 0xD000_0000 {
        let nt = v & !0x1000_0000;
        if let Some(e) = find(ntstatus::NTSTATUS, nt) {
            out.push((Table::NtStatus, e, nt));
        }
    }
    out
}

pub(super) fn hex(v: u32) -> String {
    format!("0x{v:X}")
}

pub(super) fn make_match(role: Role, table: Table, info: &'static CodeInfo, code: u32) -> Match {
    let mut meaning = info.meaning.to_string();
    if table == Table::MstscExtended && std::ptr::eq(info, &mstsc::EXT_PROTOCOL_RANGE) {
        match find(errinfo::ERRINFO, code) {
            Some(e) => meaning.push_str(&format!(
                " This value is the server's {} ({}): {}",
                e.name,
                hex(code),
                e.meaning
            )),
            None => meaning.push_str(" No ERRINFO code with this number is defined."),
        }
    }
    Match {
        role,
        table,
        table_title: table.title(),
        code,
        code_hex: hex(code),
        name: info.name,
        meaning,
        outcome: info.outcome,
        causes: info.likely_causes.to_vec(),
        fix: info.fix.to_vec(),
        see_also: see_also(table, code),
    }
}

fn see_also(table: Table, code: u32) -> Vec<String> {
    let mut out = Vec::new();
    match table {
        Table::NtStatus => {
            for m in ntstatus::NTSTATUS_TO_MSTSC.iter().filter(|m| m.ntstatus == code) {
                if let Some(d) = find(mstsc::DISC_REASONS, m.mstsc) {
                    out.push(format!(
                        "mstsc discReason {} {}{}",
                        hex(d.code),
                        d.name,
                        if m.inference { " [inference]" } else { "" }
                    ));
                }
            }
            let fr = ntstatus::NTSTATUS_TO_FREERDP
                .iter()
                .find(|(nt, _)| *nt == code)
                .map(|(_, f)| *f)
                .unwrap_or(ntstatus::FREERDP_AUTHENTICATION_FAILED);
            if let Some(f) = find(freerdp::ERRCONNECT, fr) {
                out.push(format!("FreeRDP {:#010X} {}", f.code, f.name));
            }
            out.push(format!(
                "Security event 4625 Status/Sub Status {:#010X}",
                code
            ));
        }
        Table::MstscDisconnect => {
            for m in ntstatus::NTSTATUS_TO_MSTSC.iter().filter(|m| m.mstsc == code) {
                if let Some(n) = find(ntstatus::NTSTATUS, m.ntstatus) {
                    out.push(format!(
                        "CredSSP errorCode {:#010X} {}{}",
                        n.code,
                        n.name,
                        if m.inference { " [inference]" } else { "" }
                    ));
                }
            }
            if let Some(class) = mstsc::disc_class(code) {
                out.push(format!("class: {class} [inference from the table]"));
            }
        }
        Table::ErrInfo | Table::FreerdpErrInfo => {
            let e = code & 0xFFFF;
            if let Some(x) = errinfo_to_extended(e).and_then(|x| mstsc::extended(x).map(|i| (x, i)))
            {
                out.push(format!("mstsc extended reason {} ({}) {}", x.0, hex(x.0), x.1.name));
            }
            if table == Table::ErrInfo {
                out.push(format!(
                    "FreeRDP {:#010X} (class 1)",
                    (freerdp::CLASS_ERRINFO << 16) | e
                ));
            } else if let Some(i) = find(errinfo::ERRINFO, e) {
                out.push(format!("Set Error Info errorInfo {} {}", hex(e), i.name));
            }
        }
        Table::MstscExtended if errinfo_to_extended(code) == Some(code) => {
            if let Some(e) = find(errinfo::ERRINFO, code) {
                out.push(format!(
                    "server Set Error Info {} {} (same number)",
                    hex(code),
                    e.name
                ));
            }
        }
        Table::Rdstls => {
            for (w, nt) in auth::RDSTLS_TO_NTSTATUS.iter().filter(|(w, _)| *w == code) {
                if let Some(n) = find(ntstatus::NTSTATUS, *nt) {
                    out.push(format!("NTSTATUS {:#010X} {} (Win32 {})", n.code, n.name, hex(*w)));
                }
            }
            out.push(format!("HRESULT_FROM_WIN32: {:#010X}", 0x8007_0000 | code));
        }
        Table::EarlyUserAuth if code == 5 => {
            out.push("FreeRDP 0x00020016 ERRCONNECT_ACCESS_DENIED".to_string());
        }
        Table::NegoFailure => match code {
            3 => out.push("FreeRDP 0x00020008 ERRCONNECT_TLS_CONNECT_FAILED".to_string()),
            5 => out.push(
                "FreeRDP 0x0002001E ERRCONNECT_HYBRID_REQUIRED_BY_SERVER (when NLA is disabled on the client)"
                    .to_string(),
            ),
            _ => {}
        },
        Table::License if code == crate::codes::license::STATUS_VALID_CLIENT => {
            out.push(
                "Not ERRINFO 0x7 / extended 0x7 (server denied): in a licensing ERROR_ALERT, 0x7 means success"
                    .to_string(),
            );
        }
        Table::TlsAlert if code == 40 => {
            out.push("Schannel events 36874 and 36888 (alert code 40) on a Windows server".to_string());
        }
        _ => {}
    }
    out
}

/// Resolve one side of a pair within `table`: a number (trying the other
/// radix if the literal reading is not in the table) or a name.
pub(super) fn resolve_in(table: Table, s: &str, notes: &mut Vec<String>) -> Option<u32> {
    if let Some(n) = parse_number(s) {
        if table.lookup(n.value).is_some() {
            return Some(n.value);
        }
        if let Some(alt) = n.alt.filter(|&a| table.lookup(a).is_some()) {
            notes.push(format!(
                "\"{s}\" is not a known {}; read in the other radix it is {} = {alt}, which is.",
                table.title(),
                hex(alt)
            ));
            return Some(alt);
        }
        return Some(n.value);
    }
    let q = strip_prefix(&normalize(s)).to_string();
    let found = table
        .entries()
        .iter()
        .chain(if table == Table::MstscExtended {
            std::slice::from_ref(&mstsc::EXT_PROTOCOL_RANGE)
        } else {
            &[]
        })
        .find(|e| normalize(e.name) == normalize(s) || strip_prefix(&normalize(e.name)) == q)
        .map(|e| e.code);
    if found.is_none() {
        notes.push(format!(
            "\"{s}\" is not a number or a name in the {}.",
            table.title()
        ));
    }
    found
}
