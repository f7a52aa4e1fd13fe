//! DNS messages (RFC 1035 §4.1): header, questions and answer records, enough
//! to see whether the RDP target name resolved (rcode, A/AAAA addresses,
//! CNAME chain). Names follow compression pointers with a hop limit and a
//! backwards-only rule, so malicious loops cannot hang the parser. Over TCP,
//! use [`parse_dns_tcp`] (2-byte length prefix, RFC 1035 §4.2.2).

use crate::error::{take, ParseError, ParseResult};
use crate::open_enum;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

open_enum! {
    /// RCODE (RFC 1035 §4.1.1, RFC 6895).
    pub struct Rcode(u8) {
        NOERROR = 0 => "NOERROR",
        FORMERR = 1 => "FORMERR",
        SERVFAIL = 2 => "SERVFAIL",
        NXDOMAIN = 3 => "NXDOMAIN",
        NOTIMP = 4 => "NOTIMP",
        REFUSED = 5 => "REFUSED",
        YXDOMAIN = 6 => "YXDOMAIN",
        YXRRSET = 7 => "YXRRSET",
        NXRRSET = 8 => "NXRRSET",
        NOTAUTH = 9 => "NOTAUTH",
        NOTZONE = 10 => "NOTZONE",
    }
}

open_enum! {
    /// RR TYPE / QTYPE.
    pub struct RrType(u16) {
        A = 1 => "A",
        NS = 2 => "NS",
        CNAME = 5 => "CNAME",
        SOA = 6 => "SOA",
        PTR = 12 => "PTR",
        MX = 15 => "MX",
        TXT = 16 => "TXT",
        AAAA = 28 => "AAAA",
        SRV = 33 => "SRV",
        OPT = 41 => "OPT",
        DS = 43 => "DS",
        RRSIG = 46 => "RRSIG",
        NSEC = 47 => "NSEC",
        DNSKEY = 48 => "DNSKEY",
        SVCB = 64 => "SVCB",
        HTTPS = 65 => "HTTPS",
        ANY = 255 => "ANY",
        CAA = 257 => "CAA",
    }
}

/// The 12-byte header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub id: u16,
    /// The raw flags word.
    pub flags: u16,
    pub qdcount: u16,
    pub ancount: u16,
    pub nscount: u16,
    pub arcount: u16,
}

impl Header {
    /// QR: true for a response.
    pub fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0x0f) as u8
    }
    pub fn authoritative(&self) -> bool {
        self.flags & 0x0400 != 0
    }
    pub fn truncated(&self) -> bool {
        self.flags & 0x0200 != 0
    }
    pub fn recursion_desired(&self) -> bool {
        self.flags & 0x0100 != 0
    }
    pub fn recursion_available(&self) -> bool {
        self.flags & 0x0080 != 0
    }
    pub fn rcode(&self) -> Rcode {
        Rcode((self.flags & 0x000f) as u8)
    }
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Dotted name without the trailing dot (`""` for the root).
    pub name: String,
    pub qtype: RrType,
    pub qclass: u16,
}

/// Decoded record data for the types a diagnosis uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RData {
    Address(IpAddr),
    /// CNAME, NS or PTR target.
    Name(String),
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    /// Anything else: rdata length.
    Other(usize),
}

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub rtype: RrType,
    pub class: u16,
    pub ttl: u32,
    pub data: RData,
}

/// A decoded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub header: Header,
    pub questions: Vec<Question>,
    pub answers: Vec<Record>,
    /// Authority records (SOA of an NXDOMAIN, …).
    pub authority: Vec<Record>,
}

impl Message {
    /// Addresses from A/AAAA answers.
    pub fn addresses(&self) -> Vec<IpAddr> {
        self.answers
            .iter()
            .filter_map(|r| match r.data {
                RData::Address(a) => Some(a),
                _ => None,
            })
            .collect()
    }

    /// CNAME targets, in answer order.
    pub fn cnames(&self) -> Vec<&str> {
        self.answers
            .iter()
            .filter(|r| r.rtype == RrType::CNAME)
            .filter_map(|r| match &r.data {
                RData::Name(n) => Some(n.as_str()),
                _ => None,
            })
            .collect()
    }
}

const WHAT: &str = "DNS message";
const MAX_HOPS: usize = 32;
const MAX_NAME: usize = 255;

fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some([x, y]) => u16::from_be_bytes([*x, *y]),
        _ => 0,
    }
}

/// Read a (possibly compressed) name starting at `pos` in `msg`. Returns the
/// name and the position after it in the original stream.
fn read_name(msg: &[u8], pos: usize) -> Result<(String, usize), ParseError> {
    let mut labels: Vec<String> = Vec::new();
    let mut cur = pos;
    let mut end: Option<usize> = None;
    let mut hops = 0usize;
    let mut total = 0usize;
    let mut lowest = pos; // pointers must go strictly backwards
    loop {
        let len = *msg.get(cur).ok_or(ParseError::incomplete(1))?;
        match len & 0xc0 {
            0x00 => {
                if len == 0 {
                    let after = end.unwrap_or(cur + 1);
                    return Ok((labels.join("."), after));
                }
                let l = usize::from(len);
                let lab = msg.get(cur + 1..cur + 1 + l).ok_or_else(|| {
                    ParseError::incomplete(cur + 1 + l - msg.len().min(cur + 1 + l))
                })?;
                total += l + 1;
                if total > MAX_NAME {
                    return Err(ParseError::invalid(WHAT, "name", "longer than 255 bytes"));
                }
                labels.push(String::from_utf8_lossy(lab).into_owned());
                cur += 1 + l;
            }
            0xc0 => {
                let lo = *msg.get(cur + 1).ok_or(ParseError::incomplete(1))?;
                let target = (usize::from(len & 0x3f) << 8) | usize::from(lo);
                if end.is_none() {
                    end = Some(cur + 2);
                }
                hops += 1;
                if hops > MAX_HOPS || target >= lowest {
                    return Err(ParseError::invalid(
                        WHAT,
                        "name",
                        "compression pointer loop",
                    ));
                }
                lowest = target;
                cur = target;
            }
            _ => return Err(ParseError::invalid(WHAT, "name", "reserved label type")),
        }
    }
}

fn question(msg: &[u8], pos: usize) -> Result<(Question, usize), ParseError> {
    let (name, p) = read_name(msg, pos)?;
    msg.get(p..p + 4)
        .ok_or_else(|| ParseError::incomplete(p + 4 - msg.len().min(p + 4)))?;
    Ok((
        Question {
            name,
            qtype: RrType(be16(msg, p)),
            qclass: be16(msg, p + 2),
        },
        p + 4,
    ))
}

fn record(msg: &[u8], pos: usize) -> Result<(Record, usize), ParseError> {
    let (name, p) = read_name(msg, pos)?;
    let fixed = msg
        .get(p..p + 10)
        .ok_or_else(|| ParseError::incomplete(p + 10 - msg.len().min(p + 10)))?;
    let rtype = RrType(be16(fixed, 0));
    let class = be16(fixed, 2);
    let ttl = (u32::from(be16(fixed, 4)) << 16) | u32::from(be16(fixed, 6));
    let rdlen = usize::from(be16(fixed, 8));
    let start = p + 10;
    let rd = msg
        .get(start..start + rdlen)
        .ok_or_else(|| ParseError::incomplete(start + rdlen - msg.len().min(start + rdlen)))?;
    let bad = |_| ParseError::invalid(WHAT, "rdata", "name overruns rdata");
    let data = match rtype {
        RrType::A => match <[u8; 4]>::try_from(rd) {
            Ok(a) => RData::Address(IpAddr::V4(Ipv4Addr::from(a))),
            Err(_) => {
                return Err(ParseError::invalid(
                    WHAT,
                    "rdata",
                    "A record is not 4 bytes",
                ))
            }
        },
        RrType::AAAA => match <[u8; 16]>::try_from(rd) {
            Ok(a) => RData::Address(IpAddr::V6(Ipv6Addr::from(a))),
            Err(_) => {
                return Err(ParseError::invalid(
                    WHAT,
                    "rdata",
                    "AAAA record is not 16 bytes",
                ))
            }
        },
        RrType::CNAME | RrType::NS | RrType::PTR => {
            // names inside rdata may point anywhere earlier in the message
            let (n, _) = read_name(msg, start).map_err(|e| match e {
                ParseError::Incomplete { .. } => bad(()),
                e => e,
            })?;
            RData::Name(n)
        }
        RrType::SRV if rdlen >= 7 => {
            let (n, _) = read_name(msg, start + 6).map_err(|e| match e {
                ParseError::Incomplete { .. } => bad(()),
                e => e,
            })?;
            RData::Srv {
                priority: be16(rd, 0),
                weight: be16(rd, 2),
                port: be16(rd, 4),
                target: n,
            }
        }
        _ => RData::Other(rdlen),
    };
    Ok((
        Record {
            name,
            rtype,
            class,
            ttl,
            data,
        },
        start + rdlen,
    ))
}

/// Parse the 12-byte header.
pub fn parse_header(input: &[u8]) -> ParseResult<'_, Header> {
    let (rest, h) = take(input, 12)?;
    Ok((
        rest,
        Header {
            id: be16(h, 0),
            flags: be16(h, 2),
            qdcount: be16(h, 4),
            ancount: be16(h, 6),
            nscount: be16(h, 8),
            arcount: be16(h, 10),
        },
    ))
}

/// Parse a whole DNS message (one UDP payload): header, questions, answers
/// and authority records (additional records are skipped). The remaining
/// input is what follows the authority section.
pub fn parse_message(input: &[u8]) -> ParseResult<'_, Message> {
    let (_, header) = parse_header(input)?;
    if header.opcode() > 6 {
        return Err(ParseError::invalid(WHAT, "opcode", "unassigned"));
    }
    let mut pos = 12;
    let mut questions = Vec::new();
    for _ in 0..header.qdcount {
        let (q, p) = question(input, pos)?;
        questions.push(q);
        pos = p;
    }
    let mut answers = Vec::new();
    for _ in 0..header.ancount {
        let (r, p) = record(input, pos)?;
        answers.push(r);
        pos = p;
    }
    let mut authority = Vec::new();
    for _ in 0..header.nscount {
        let (r, p) = record(input, pos)?;
        authority.push(r);
        pos = p;
    }
    Ok((
        input.get(pos..).unwrap_or(&[]),
        Message {
            header,
            questions,
            answers,
            authority,
        },
    ))
}

/// Parse a DNS-over-TCP message (2-byte length prefix).
pub fn parse_dns_tcp(input: &[u8]) -> ParseResult<'_, Message> {
    let (rest, l) = take(input, 2)?;
    let (after, body) = take(rest, usize::from(be16(l, 0)))?;
    let (_, m) = parse_message(body).map_err(|e| match e {
        ParseError::Incomplete { .. } => {
            ParseError::invalid(WHAT, "length", "shorter than message")
        }
        e => e,
    })?;
    Ok((after, m))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pointer_loop_is_invalid() {
        // hand-made: a question name that points at itself (no capture has one).
        let mut m = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
        assert!(matches!(parse_message(&m), Err(ParseError::Invalid { .. })));
        // hand-made: two pointers pointing at each other
        let mut m = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        m.extend_from_slice(&[1, b'a', 0xc0, 12, 0, 1, 0, 1]);
        assert!(matches!(parse_message(&m), Err(ParseError::Invalid { .. })));
    }
}
