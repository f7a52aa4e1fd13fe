//! Reading what the user typed: numbers in any radix, names loosely.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Radix {
    Hex,
    Decimal,
    Negative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Num {
    pub(super) value: u32,
    pub(super) radix: Radix,
    /// The same digits read in the other radix.
    pub(super) alt: Option<u32>,
}

fn parse_u32(digits: &str, radix: u32) -> Option<u32> {
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    u64::from_str_radix(digits, radix)
        .ok()
        .and_then(|v| u32::try_from(v).ok())
}

pub(super) fn parse_number(s: &str) -> Option<Num> {
    let s = s.trim().replace('_', "");
    let s = s.as_str();
    if let Some(rest) = s.strip_prefix('-') {
        let n = parse_number(rest)?;
        if n.radix == Radix::Negative || n.value > 0x8000_0000 || n.value == 0 {
            return None;
        }
        return Some(Num {
            value: 0u32.wrapping_sub(n.value),
            radix: Radix::Negative,
            alt: None,
        });
    }
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        let value = parse_u32(h, 16)?;
        let alt = if h.chars().all(|c| c.is_ascii_digit()) {
            parse_u32(h, 10).filter(|&a| a != value)
        } else {
            None
        };
        return Some(Num {
            value,
            radix: Radix::Hex,
            alt,
        });
    }
    if let Some(h) = s.strip_suffix('h').or_else(|| s.strip_suffix('H')) {
        if !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()) {
            return Some(Num {
                value: parse_u32(h, 16)?,
                radix: Radix::Hex,
                alt: None,
            });
        }
    }
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        let value = parse_u32(s, 10)?;
        let alt = if s.len() <= 8 {
            parse_u32(s, 16).filter(|&a| a != value)
        } else {
            None
        };
        return Some(Num {
            value,
            radix: Radix::Decimal,
            alt,
        });
    }
    // Bare hex such as "c000006d": needs a digit and a hex letter.
    if s.len() <= 8
        && s.chars().all(|c| c.is_ascii_hexdigit())
        && s.chars().any(|c| c.is_ascii_digit())
    {
        return Some(Num {
            value: parse_u32(s, 16)?,
            radix: Radix::Hex,
            alt: None,
        });
    }
    None
}

pub(super) fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Prefixes dropped for the looser name comparison (normalized, longest first).
const NAME_PREFIXES: &[&str] = &[
    "disconnectreason",
    "exdiscreason",
    "errconnect",
    "errinfocb",
    "errinfo",
    "sslerr",
    "status",
    "error",
    "authz",
    "err",
];

pub(super) fn strip_prefix(n: &str) -> &str {
    for p in NAME_PREFIXES {
        if let Some(rest) = n.strip_prefix(p) {
            if !rest.is_empty() {
                return rest;
            }
        }
    }
    n
}

pub(super) fn radix_word(r: Radix) -> &'static str {
    match r {
        Radix::Hex => "hex",
        Radix::Decimal => "decimal",
        Radix::Negative => "negative decimal (32-bit two's complement)",
    }
}

/// The codes in mstsc's dialog text pasted whole ("… Error code: 0x904.
/// Extended error code: 0x7. …") or in rdpdiag's own "0x904 / extended 0x7":
/// `(code, extended)`. None when the text names neither an error code nor an
/// extended one (then it is read as a code or a name).
pub(super) fn dialog_codes(s: &str) -> Option<(String, Option<String>)> {
    let lower = s.to_ascii_lowercase();
    let ext_at = lower.find("extended");
    let extended = ext_at.and_then(|i| number_after(s, i + "extended".len()));
    // "error code" not part of "extended error code".
    let code = lower
        .match_indices("error code")
        .filter(|(i, _)| !lower[..*i].trim_end().ends_with("extended"))
        .find_map(|(i, m)| number_after(s, i + m.len()))
        .or_else(|| {
            // "0x904 / extended 0x7": the number before "extended".
            let head = &s[..ext_at?];
            head.split(|c: char| c.is_whitespace() || c == '/' || c == ',' || c == ';')
                .find(|t| parse_number(t).is_some())
                .map(str::to_string)
        });
    if code.is_none() && extended.is_none() {
        return None;
    }
    Some((code?, extended))
}

/// The first number after byte `from` of `s`, within a few words (so
/// "error code: 0x904" and "extended error code: 0x7" both find theirs).
fn number_after(s: &str, from: usize) -> Option<String> {
    s.get(from..)?
        .split(|c: char| {
            c.is_whitespace() || matches!(c, ':' | '=' | '#' | '/' | ',' | ';' | '(' | ')')
        })
        .filter(|t| !t.is_empty())
        .take(4)
        .map(|t| t.trim_end_matches('.'))
        // A range ("0x100-0x10A") is read as its first code.
        .map(|t| match t.get(1..).and_then(|r| r.find('-')) {
            Some(i) if parse_number(t).is_none() => &t[..=i],
            _ => t,
        })
        .find(|t| parse_number(t).is_some())
        .map(str::to_string)
}
