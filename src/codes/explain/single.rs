//! One code (a number or a name), possibly ambiguous across tables.

use super::advice::{range_notes, what_to_capture};
use super::lookup::{hex, lookup_name, lookup_number, make_match};
use super::parse::{parse_number, radix_word, Radix};
use super::{Explanation, Match, Role};
use crate::codes::{mstsc, Table};

pub(super) fn explain_single(code: &str) -> Explanation {
    let mut notes = Vec::new();
    let mut matches = Vec::new();
    if code.is_empty() {
        notes.push(
            "Empty code: pass a number (0x904, 2308) or a name (SSL_ERR_LOGON_FAILURE)."
                .to_string(),
        );
    } else if let Some(n) = parse_number(code) {
        notes.push(match n.radix {
            Radix::Decimal => format!(
                "Read \"{code}\" as decimal: {} = {}.",
                n.value,
                hex(n.value)
            ),
            r => format!(
                "Read \"{code}\" as {}: {} = {}.",
                radix_word(r),
                hex(n.value),
                n.value
            ),
        });
        matches = lookup_number(n.value)
            .into_iter()
            .map(|(t, e, c)| make_match(Role::Candidate, t, e, c))
            .collect();
        if matches.is_empty() {
            if let Some(alt) = n.alt {
                // Only exact entries: the wide extended protocol range would
                // make almost any re-read number "match".
                let alt_matches: Vec<Match> = lookup_number(alt)
                    .into_iter()
                    .filter(|(_, e, _)| !std::ptr::eq(*e, &mstsc::EXT_PROTOCOL_RANGE))
                    .map(|(t, e, c)| make_match(Role::AlternateReading, t, e, c))
                    .collect();
                if !alt_matches.is_empty() {
                    notes.push(format!(
                        "Nothing matches {}; read in the other radix it is {} = {}, which does match. Codes are often quoted with the wrong prefix (\"0x516\" for decimal 516 = 0x204).",
                        hex(n.value),
                        hex(alt),
                        alt
                    ));
                    matches = alt_matches;
                }
            }
        }
        if matches.is_empty() {
            notes.extend(range_notes(n.value));
        } else {
            if distinct_tables(&matches) > 1 {
                notes.push("A bare number is ambiguous: it is listed under every table that defines it, most likely reading first. If mstsc showed two codes, pass both (`rdpdiag explain 0x904 0x7`) so the first is read as the disconnect reason and the second as the extended reason.".to_string());
            }
            if !matches.iter().any(|m| m.table == Table::MstscDisconnect) {
                if let Some(class) = mstsc::disc_class(n.value) {
                    notes.push(format!(
                        "As an mstsc discReason, {} is undocumented; its low byte puts it in the {class} class [inference].",
                        hex(n.value)
                    ));
                }
            }
        }
    } else {
        matches = lookup_name(code)
            .into_iter()
            .map(|(t, e, c)| make_match(Role::Candidate, t, e, c))
            .collect();
        if matches.is_empty() {
            notes.push(format!(
                "\"{code}\" is neither a number nor a name in any table."
            ));
        }
    }
    if matches.is_empty() {
        notes.push(format!("No table defines \"{code}\"."));
    }
    let what = what_to_capture(&matches);
    Explanation {
        query: code.to_string(),
        extended_query: None,
        matches,
        combined_reading: None,
        what_to_capture: what,
        notes,
        related_rules: Vec::new(),
    }
}

fn distinct_tables(matches: &[Match]) -> usize {
    let mut t: Vec<Table> = matches.iter().map(|m| m.table).collect();
    t.sort();
    t.dedup();
    t.len()
}
