//! An mstsc discReason + extended reason pair, and their combined reading.

use super::advice::{range_notes, what_to_capture};
use super::lookup::{hex, lookup_number, make_match, resolve_in};
use super::{Explanation, Role};
use crate::codes::{errinfo, find, mstsc, CodeInfo, Table};

const SPECIAL_904_7: &str = "The server closed the connection early, before any session existed, and mstsc attributes it to the server denying the connection. Typical causes: an expired or corrupt self-signed RDP certificate, or a private key TermService cannot read (MachineKeys permissions; System log Schannel 36870); a security layer / NLA mismatch between client and server; less often a connection limit or a network device closing the connection. The certificate and key causes come from field reports, not documentation. A capture tells them apart: FIN/RST from the server right after the ClientHello points at the certificate or key; an RDP_NEG_FAILURE or a protocol fallback points at the security layer.";

pub(super) fn explain_pair(disc: &str, ext: &str) -> Explanation {
    let mut notes = Vec::new();
    let mut matches = Vec::new();
    let d = resolve_in(Table::MstscDisconnect, disc, &mut notes);
    let e = resolve_in(Table::MstscExtended, ext, &mut notes);

    let dm = d.and_then(|d| find(mstsc::DISC_REASONS, d));
    match (d, dm) {
        (Some(d), Some(info)) => matches.push(make_match(
            Role::DiscReason,
            Table::MstscDisconnect,
            info,
            d,
        )),
        (Some(d), None) => {
            notes.push(format!("{} is not a documented mstsc discReason.", hex(d)));
            if let Some(class) = mstsc::disc_class(d) {
                notes.push(format!(
                    "Its low byte puts it in the {class} class [inference]."
                ));
            }
            matches.extend(
                lookup_number(d)
                    .into_iter()
                    .map(|(t, i, c)| make_match(Role::Candidate, t, i, c)),
            );
        }
        (None, _) => {}
    }

    let em = e.and_then(mstsc::extended);
    match (e, em) {
        (Some(e), Some(info)) => matches.push(make_match(
            Role::ExtendedReason,
            Table::MstscExtended,
            info,
            e,
        )),
        (Some(e), None) => {
            notes.push(format!(
                "{} is not a documented extended reason (defined: 0–12, 25, 26, 256–267, 768, 4096–32767).",
                hex(e)
            ));
            if let Some(info) = find(errinfo::ERRINFO, e) {
                notes.push(
                    "It is, however, a Set Error Info code; shown as a candidate.".to_string(),
                );
                matches.push(make_match(Role::Candidate, Table::ErrInfo, info, e));
            }
        }
        (None, _) => {}
    }

    let combined = match (d, dm, e, em) {
        (Some(d), Some(di), Some(e), Some(ei)) => Some(combine(d, di, e, ei)),
        _ => None,
    };
    if matches.is_empty() {
        notes.extend(d.map(range_notes).unwrap_or_default());
        if let Some(e) = e {
            if d.map(range_notes) != Some(range_notes(e)) {
                notes.extend(range_notes(e));
            }
        }
    }
    let what = what_to_capture(&matches);
    Explanation {
        query: disc.to_string(),
        extended_query: Some(ext.to_string()),
        matches,
        combined_reading: combined,
        what_to_capture: what,
        notes,
        related_rules: Vec::new(),
    }
}

fn combine(d: u32, di: &CodeInfo, e: u32, ei: &CodeInfo) -> String {
    let head = format!(
        "{} ({}) with extended reason {} ({}):",
        di.name,
        hex(d),
        hex(e),
        ei.name
    );
    let body: String = match (d, e) {
        (0x904, 7) => SPECIAL_904_7.to_string(),
        (_, 7) => format!(
            "mstsc saw \"{}\" and the server reported that it denied the connection (the same number as ERRINFO_SERVER_DENIED_CONNECTION). The server refused before a session was set up: check the RDP certificate and its private key (Schannel 36870), the security layer / NLA settings, and the connection policies.",
            trim_period(di.meaning)
        ),
        (_, 0) => {
            let below = match d & 0xFF {
                0x04 => "the transport failed (DNS, TCP, or the connection was closed or reset)",
                0x06 => "the security layer failed (TLS or Standard RDP Security)",
                0x07 => "authentication failed inside CredSSP (NLA), before any RDP session existed",
                0x08 => "licensing or an internal client step failed",
                _ => "the failure happened below RDP or the server closed without explaining",
            };
            format!(
                "\"{}\", and the server sent no reason of its own (no Set Error Info PDU): {below}. The capture shows where the connection stopped.",
                trim_period(di.meaning)
            )
        }
        (_, 256..=267) => format!(
            "The server ended the connection during licensing: {} Check the session host's licensing configuration (lsdiag.msc) and the client's licence cache.",
            ei.meaning
        ),
        (_, 768) => "The server rejected the credentials at the RDP encryption layer: wrong or stale saved password. Check Security event 4625 on the server.".to_string(),
        (_, 4096..=32767) => {
            let which = find(errinfo::ERRINFO, e)
                .map(|x| format!("{} ({})", x.name, x.meaning))
                .unwrap_or_else(|| "an undefined protocol error".to_string());
            format!(
                "An RDP protocol error ended the connection: {which}. Check the server's RemoteDesktopServices-RdpCoreTS/Operational log and update client and server."
            )
        }
        (_, 3 | 4) => format!(
            "The session ended because of a server time limit: {} This is policy, not a fault.",
            ei.meaning
        ),
        (_, 9) => "The user authenticated but is not allowed to log on remotely: add them to Remote Desktop Users or grant \"Allow log on through Remote Desktop Services\".".to_string(),
        (_, 10) => "The server refuses saved credentials; the user must type the password (\"Always prompt for password upon connection\").".to_string(),
        (_, 1 | 2 | 5 | 11 | 12 | 25 | 26) => format!(
            "An intended end of the session, not a connection failure: {}",
            ei.meaning
        ),
        _ => format!("{} Server-side reason: {}", di.meaning, ei.meaning),
    };
    format!("{head} {body}")
}

fn trim_period(s: &str) -> &str {
    s.strip_suffix('.').unwrap_or(s)
}
