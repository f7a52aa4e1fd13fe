//! `rdpdiag explain CODE [EXTENDED]`: parse what the user typed, find every
//! table the code could belong to, rank the candidates, and add a combined
//! reading and capture advice.

mod advice;
mod lookup;
mod pair;
mod parse;
mod render;
mod single;
#[cfg(test)]
mod tests;

use serde::Serialize;

use super::{Outcome, Table};
use lookup::resolve_in;
use pair::explain_pair;
use parse::parse_number;
use single::explain_single;

/// How a match relates to the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The first code of a pair, read as an mstsc `discReason`.
    DiscReason,
    /// The second code of a pair, read as an mstsc extended reason.
    ExtendedReason,
    /// One possible reading of an ambiguous code or name.
    Candidate,
    /// A reading in the other radix (e.g. "0x516" read as decimal 516),
    /// offered only when the literal reading matched nothing.
    AlternateReading,
}

/// One table entry that matches the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    /// How this match relates to the query.
    pub role: Role,
    /// Which table.
    pub table: Table,
    /// The table's human title.
    pub table_title: &'static str,
    /// The code as queried (with any FreeRDP class prefix).
    pub code: u32,
    /// The code in hex, e.g. `0x904`.
    pub code_hex: String,
    /// Symbolic name.
    pub name: &'static str,
    /// Meaning.
    pub meaning: String,
    /// Success, benign end or failure.
    pub outcome: Outcome,
    /// Typical causes.
    pub causes: Vec<&'static str>,
    /// Windows-side remediation.
    pub fix: Vec<&'static str>,
    /// Equivalent or related codes in other tables.
    pub see_also: Vec<String>,
}

/// The answer to `rdpdiag explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The code as typed.
    pub query: String,
    /// The extended code as typed, if any.
    pub extended_query: Option<String>,
    /// Matches, best first.
    pub matches: Vec<Match>,
    /// For a discReason + extended pair: what the two mean together.
    pub combined_reading: Option<String>,
    /// What to collect next to pin the cause down.
    pub what_to_capture: Vec<&'static str>,
    /// Parsing remarks, ambiguity warnings, range hints for unknown codes.
    pub notes: Vec<String>,
    /// Analyzer rules that can produce this code (filled in by the caller).
    pub related_rules: Vec<String>,
}

impl Explanation {
    /// True when no table matched.
    pub fn is_unknown(&self) -> bool {
        self.matches.is_empty()
    }
}

/// Explain a code, or a discReason + extended reason pair.
///
/// `code` may be hex (`0x904`, `904h`), decimal (`2308`), negative decimal
/// (`-1073741715`, read as a 32-bit two's-complement value), an HRESULT
/// wrapping a Win32 or NT code, or a symbolic name from any table. With
/// `extended`, `code` is read as an mstsc discReason and `extended` as an
/// extended disconnect reason. A single string holding two codes
/// (`"0x904 0x7"`, `"0x904/0x7"`) is treated as a pair.
pub fn explain(code: &str, extended: Option<&str>) -> Explanation {
    let code = code.trim();
    if extended.is_none_or(|e| e.trim().is_empty()) {
        if let Some(x) = explain_dialog(code) {
            return x;
        }
    }
    match extended.map(str::trim).filter(|e| !e.is_empty()) {
        Some(ext) => explain_pair(code, ext),
        None => {
            let parts: Vec<&str> = code
                .split(|c: char| c.is_whitespace() || c == '/' || c == ',' || c == ';')
                .filter(|p| !p.is_empty())
                .collect();
            match parts.as_slice() {
                [d, e] if is_pair(d, e) => {
                    let mut x = explain_pair(d, e);
                    x.query = code.to_string();
                    x
                }
                _ => explain_single(code),
            }
        }
    }
}

/// mstsc's dialog text pasted as one argument, or rdpdiag's "0x904 /
/// extended 0x7": the codes it names, explained, with the text as the query.
fn explain_dialog(text: &str) -> Option<Explanation> {
    let (code, ext) = parse::dialog_codes(text)?;
    let mut x = match &ext {
        Some(e) => explain_pair(&code, e),
        None => explain_single(&code),
    };
    x.query = text.to_string();
    x.extended_query = None;
    x.notes.insert(
        0,
        match &ext {
            Some(e) => format!("Read as error code {code}, extended error code {e}."),
            None => format!("Read as error code {code}."),
        },
    );
    Some(x)
}

/// Two tokens in one string form a discReason + extended pair when both are
/// numbers, or both are names from the two mstsc tables.
fn is_pair(d: &str, e: &str) -> bool {
    if parse_number(d).is_some() && parse_number(e).is_some() {
        return true;
    }
    let mut scratch = Vec::new();
    parse_number(d).is_none()
        && parse_number(e).is_none()
        && resolve_in(Table::MstscDisconnect, d, &mut scratch).is_some()
        && resolve_in(Table::MstscExtended, e, &mut scratch).is_some()
}
