//! A thin, owned summary of an X.509 certificate (RFC 5280) built on
//! `x509-parser`, for the certificate checks an RDP diagnosis needs: validity
//! judged at a given instant (the capture time, never "now"), host-name
//! matching (RFC 6125 style wildcards, IP addresses), weak signature
//! algorithms, EKU serverAuth, CA flag and self-signed detection.

use crate::error::{ParseError, ParseResult};
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

/// Public key algorithm family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Rsa,
    Ec,
    Dsa,
    Ed25519,
    Ed448,
    Other,
}

/// Validity of a certificate at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    NotYetValid,
    Valid,
    Expired,
}

/// Owned summary of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// RFC 4514-style subject, e.g. `CN=WIN2K8R2.awakecoding.ath.cx`.
    pub subject: String,
    pub issuer: String,
    /// Every subject commonName, in order.
    pub common_names: Vec<String>,
    pub san_dns: Vec<String>,
    pub san_ip: Vec<std::net::IpAddr>,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// Serial number, lowercase hex without separators.
    pub serial_hex: String,
    pub key_type: KeyType,
    /// Key size in bits (RSA modulus, EC field), 0 when unknown.
    pub key_bits: usize,
    /// Signature algorithm short name (e.g. `sha256WithRSAEncryption`) or dotted OID.
    pub signature_algorithm: String,
    /// Signature uses SHA-1 or MD5 (or MD2).
    pub is_sha1_or_md5: bool,
    /// `None` without an EKU extension; else whether serverAuth (or anyEKU) is listed.
    pub eku_server_auth: Option<bool>,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// Subject equals issuer, and the authority key identifier (if both key
    /// identifiers are present) equals the subject key identifier. The
    /// signature itself is not verified (no crypto backend in this crate).
    pub self_signed: bool,
    /// X.509 version (1, 2 or 3).
    pub version: u32,
}

/// Parse a DER certificate into a [`CertSummary`]. Returns the bytes after
/// the certificate. A truncated certificate is `Incomplete`.
pub fn parse_certificate(der: &[u8]) -> ParseResult<'_, CertSummary> {
    const WHAT: &str = "X.509 certificate";
    // Check the outer SEQUENCE length first so truncation reads as Incomplete.
    let total = der_total_len(der)?;
    if der.len() < total {
        return Err(ParseError::incomplete(total - der.len()));
    }
    let (rest, cert) = X509Certificate::from_der(der)
        .map_err(|_| ParseError::invalid(WHAT, "tbsCertificate", "does not parse"))?;
    Ok((rest, summarize(&cert)))
}

/// Total length (header + content) of the DER TLV at the start of `b`.
fn der_total_len(b: &[u8]) -> Result<usize, ParseError> {
    const WHAT: &str = "X.509 certificate";
    match b {
        [] | [_] => Err(ParseError::incomplete(2 - b.len())),
        [0x30, l, rest @ ..] => {
            if *l < 0x80 {
                Ok(2 + usize::from(*l))
            } else {
                let n = usize::from(*l & 0x7f);
                if n == 0 || n > 4 {
                    return Err(ParseError::invalid(
                        WHAT,
                        "length",
                        "unsupported length form",
                    ));
                }
                let bytes = rest
                    .get(..n)
                    .ok_or_else(|| ParseError::incomplete(n - rest.len().min(n)))?;
                let len = bytes.iter().fold(0usize, |a, &x| (a << 8) | usize::from(x));
                Ok(2 + n + len)
            }
        }
        _ => Err(ParseError::invalid(WHAT, "tag", "not a SEQUENCE")),
    }
}

fn summarize(cert: &X509Certificate<'_>) -> CertSummary {
    let subject = cert.subject().to_string();
    let issuer = cert.issuer().to_string();
    let common_names = cert
        .subject()
        .iter_common_name()
        .filter_map(|a| a.as_str().ok().map(str::to_owned))
        .collect();
    let mut san_dns = Vec::new();
    let mut san_ip = Vec::new();
    let mut eku_server_auth = None;
    let mut is_ca = false;
    let mut ski: Option<Vec<u8>> = None;
    let mut aki: Option<Vec<u8>> = None;
    for ext in cert.iter_extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => {
                for n in &san.general_names {
                    match n {
                        GeneralName::DNSName(d) => san_dns.push((*d).to_owned()),
                        GeneralName::IPAddress(b) => {
                            if let Some(ip) = ip_from_bytes(b) {
                                san_ip.push(ip)
                            }
                        }
                        _ => {}
                    }
                }
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                eku_server_auth = Some(eku.server_auth || eku.any)
            }
            ParsedExtension::BasicConstraints(bc) => is_ca = bc.ca,
            ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(k.0.to_vec()),
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                aki = a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => {}
        }
    }
    let spki = cert.public_key();
    let key_oid = spki.algorithm.algorithm.to_id_string();
    let (key_type, key_bits) = match spki.parsed() {
        Ok(PublicKey::RSA(r)) => (KeyType::Rsa, r.key_size()),
        Ok(PublicKey::EC(e)) => (KeyType::Ec, ec_bits(&spki.algorithm, e.key_size())),
        Ok(PublicKey::DSA(y)) => (KeyType::Dsa, y.len() * 8),
        _ => match key_oid.as_str() {
            "1.3.101.112" => (KeyType::Ed25519, 256),
            "1.3.101.113" => (KeyType::Ed448, 456),
            _ => (KeyType::Other, 0),
        },
    };
    let sig_oid = &cert.signature_algorithm.algorithm;
    let sig_id = sig_oid.to_id_string();
    let signature_algorithm =
        x509_parser::objects::oid2sn(sig_oid, x509_parser::objects::oid_registry())
            .map(str::to_owned)
            .unwrap_or_else(|_| sig_id.clone());
    let is_sha1_or_md5 = matches!(
        sig_id.as_str(),
        "1.2.840.113549.1.1.2"   // md2WithRSA
        | "1.2.840.113549.1.1.4" // md5WithRSA
        | "1.2.840.113549.1.1.5" // sha1WithRSA
        | "1.3.14.3.2.29"        // sha1WithRSA (OIW)
        | "1.2.840.10045.4.1"    // ecdsa-with-SHA1
        | "1.2.840.10040.4.3" // dsa-with-sha1
    );
    let self_signed = cert.subject().as_raw() == cert.issuer().as_raw()
        && match (&aki, &ski) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        };
    CertSummary {
        subject,
        issuer,
        common_names,
        san_dns,
        san_ip,
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        serial_hex: cert
            .raw_serial()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        key_type,
        key_bits,
        signature_algorithm,
        is_sha1_or_md5,
        eku_server_auth,
        is_ca,
        self_signed,
        version: cert.version().0 + 1,
    }
}

/// EC key size from the named curve when known, else from the point length.
fn ec_bits(alg: &x509_parser::x509::AlgorithmIdentifier<'_>, fallback: usize) -> usize {
    let curve = alg
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    match curve.as_deref() {
        Some("1.2.840.10045.3.1.7") => 256,
        Some("1.3.132.0.34") => 384,
        Some("1.3.132.0.35") => 521,
        _ => fallback,
    }
}

fn ip_from_bytes(b: &[u8]) -> Option<std::net::IpAddr> {
    if let Ok(a) = <[u8; 4]>::try_from(b) {
        Some(std::net::IpAddr::from(a))
    } else if let Ok(a) = <[u8; 16]>::try_from(b) {
        Some(std::net::IpAddr::from(a))
    } else {
        None
    }
}

impl CertSummary {
    /// Validity at `unix_secs` (the capture timestamp). notBefore and notAfter
    /// are inclusive (RFC 5280 §4.1.2.5).
    pub fn validity_at(&self, unix_secs: i64) -> Validity {
        if unix_secs < self.not_before {
            Validity::NotYetValid
        } else if unix_secs > self.not_after {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }

    /// Whether the certificate names `host`: an IP address is matched against
    /// SAN IP entries and (as clients such as mstsc and FreeRDP do) against
    /// the CN; a DNS name against SAN DNS entries, falling back to the CN
    /// only when there is no SAN DNS entry. Wildcards: `*` as the whole
    /// left-most label only, never matching an IP or a public-suffix-only
    /// pattern like `*.com`. Case-insensitive, trailing dot ignored.
    pub fn matches_name(&self, host: &str) -> bool {
        names_host(&self.common_names, &self.san_dns, &self.san_ip, host)
    }
}

/// [`CertSummary::matches_name`] on a certificate's names alone, for
/// callers that keep the names but not the whole summary.
pub fn names_host(
    common_names: &[String],
    san_dns: &[String],
    san_ip: &[std::net::IpAddr],
    host: &str,
) -> bool {
    let host = host.trim_end_matches('.');
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return san_ip.contains(&ip)
            || common_names
                .iter()
                .any(|cn| cn.trim().parse::<std::net::IpAddr>().ok() == Some(ip));
    }
    if san_dns.is_empty() {
        common_names.iter().any(|cn| dns_match(cn, host))
    } else {
        san_dns.iter().any(|p| dns_match(p, host))
    }
}

fn dns_match(pattern: &str, host: &str) -> bool {
    let p = pattern.trim().trim_end_matches('.').to_ascii_lowercase();
    let h = host.to_ascii_lowercase();
    if p.is_empty() || h.is_empty() {
        return false;
    }
    match p.strip_prefix("*.") {
        Some(suffix) => {
            // need at least two labels after the wildcard
            if !suffix.contains('.') || suffix.contains('*') {
                return false;
            }
            match h.split_once('.') {
                Some((label, rest)) => !label.is_empty() && rest == suffix,
                None => false,
            }
        }
        None => !p.contains('*') && p == h,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn summary(cns: &[&str], dns: &[&str], ips: &[&str]) -> CertSummary {
        CertSummary {
            subject: String::new(),
            issuer: String::new(),
            common_names: cns.iter().map(|s| s.to_string()).collect(),
            san_dns: dns.iter().map(|s| s.to_string()).collect(),
            san_ip: ips.iter().filter_map(|s| s.parse().ok()).collect(),
            not_before: 100,
            not_after: 200,
            serial_hex: String::new(),
            key_type: KeyType::Rsa,
            key_bits: 2048,
            signature_algorithm: String::new(),
            is_sha1_or_md5: false,
            eku_server_auth: None,
            is_ca: false,
            self_signed: false,
            version: 3,
        }
    }

    #[test]
    fn wildcard_rules() {
        let c = summary(&["x"], &["*.example.com", "host.lab"], &["10.0.0.1"]);
        assert!(c.matches_name("a.example.com"));
        assert!(c.matches_name("A.Example.COM."));
        assert!(!c.matches_name("a.b.example.com"));
        assert!(!c.matches_name("example.com"));
        assert!(c.matches_name("host.lab"));
        assert!(!c.matches_name("x"), "CN ignored when SAN DNS present");
        assert!(c.matches_name("10.0.0.1"));
        assert!(!c.matches_name("10.0.0.2"));
        let tld = summary(&[], &["*.com"], &[]);
        assert!(!tld.matches_name("example.com"));
        let cn_ip = summary(&["192.168.1.150"], &[], &[]);
        assert!(cn_ip.matches_name("192.168.1.150"));
    }

    #[test]
    fn validity_window_inclusive() {
        let c = summary(&[], &[], &[]);
        assert_eq!(c.validity_at(99), Validity::NotYetValid);
        assert_eq!(c.validity_at(100), Validity::Valid);
        assert_eq!(c.validity_at(200), Validity::Valid);
        assert_eq!(c.validity_at(201), Validity::Expired);
    }
}
