//! Kerberos KDC Proxy (MS-KKDCP 2.2.2): the body of the HTTP `POST` to
//! `/KdcProxy` (`Content-Type: application/kerberos`) and of its answer.
//!
//! ```text
//! KDC-PROXY-MESSAGE ::= SEQUENCE {
//!     kerb-message   [0] OCTET STRING,   -- 4-byte length + Kerberos message
//!     target-domain  [1] KERB-REALM OPTIONAL,
//!     dclocator-hint [2] INTEGER OPTIONAL }
//! ```
//!
//! `kerb-message` holds the message framed as on TCP (RFC 4120 §7.2.2), so
//! [`KdcProxyMessage::kerberos`] hands it to [`crate::kerberos`].

use crate::credssp::der;
use crate::error::{ParseError, ParseResult};
use crate::kerberos::{parse_kerberos_tcp, Kerberos};

const WHAT: &str = "KDC-PROXY-MESSAGE";

/// A decoded KDC-PROXY-MESSAGE (borrowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdcProxyMessage<'a> {
    /// The OCTET STRING as sent: 4-byte big-endian length, then the message.
    pub kerb_message: &'a [u8],
    /// Realm the client asks the proxy to locate a KDC for (requests only).
    pub target_domain: Option<&'a [u8]>,
    /// DsGetDcName flags for the proxy's DC locator.
    pub dclocator_hint: Option<i64>,
}

impl<'a> KdcProxyMessage<'a> {
    /// The Kerberos message without its length prefix; `Invalid` when the
    /// prefix does not match the bytes that follow it.
    pub fn krb_message(&self) -> Result<&'a [u8], ParseError> {
        let (len, msg) = self
            .kerb_message
            .split_at_checked(4)
            .ok_or(ParseError::invalid(
                WHAT,
                "kerb-message",
                "shorter than its length prefix",
            ))?;
        let n = len.iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
        if n != msg.len() {
            return Err(ParseError::invalid(
                WHAT,
                "kerb-message",
                "length prefix does not match its content",
            ));
        }
        Ok(msg)
    }

    /// The inner Kerberos message, decoded.
    pub fn kerberos(&self) -> Result<Kerberos, ParseError> {
        self.krb_message()?;
        parse_kerberos_tcp(self.kerb_message).map(|(_, k)| k)
    }

    /// `target-domain` as text (KERB-REALM is a GeneralString: ASCII in practice).
    pub fn target_domain_lossy(&self) -> Option<String> {
        self.target_domain
            .map(|d| String::from_utf8_lossy(d).into_owned())
    }
}

/// Parse a KDC-PROXY-MESSAGE; `Incomplete` while the outer SEQUENCE is not
/// all there (a body may span several TLS records).
pub fn parse_kdc_proxy_message(input: &[u8]) -> ParseResult<'_, KdcProxyMessage<'_>> {
    let (rest, seq) = der::tlv(input, WHAT)?;
    if seq.class != der::UNIVERSAL || seq.tag != 16 || !seq.constructed {
        return Err(ParseError::invalid(WHAT, "outer", "not a SEQUENCE"));
    }
    let kids = der::children(seq.value, WHAT);
    let field =
        |n: u32, universal_tag: u32, name: &'static str| -> Result<Option<&[u8]>, ParseError> {
            match der::ctx(&kids, n) {
                None => Ok(None),
                Some(v) => {
                    let (_, t) = der::inner(v, WHAT, name)?;
                    if t.class != der::UNIVERSAL || t.tag != universal_tag {
                        return Err(ParseError::invalid(WHAT, name, "has the wrong type"));
                    }
                    Ok(Some(t.value))
                }
            }
        };
    let kerb_message =
        field(0, 4, "kerb-message")?.ok_or(ParseError::invalid(WHAT, "kerb-message", "missing"))?;
    let target_domain = field(1, 27, "target-domain")?;
    let dclocator_hint = match field(2, 2, "dclocator-hint")? {
        Some(v) => Some(der::int(v).ok_or(ParseError::invalid(
            WHAT,
            "dclocator-hint",
            "not an INTEGER",
        ))?),
        None => None,
    };
    Ok((
        rest,
        KdcProxyMessage {
            kerb_message,
            target_domain,
            dclocator_hint,
        },
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::kerberos::{ErrorCode, KerberosMessage};

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// captures/kdcproxy_ok.pcap frame 10 (decrypted with kdcproxy_ok.keys.txt):
    /// MIT kinit 1.20's `POST /KdcProxy` body, an AS-REQ for alice@LAB.TEST.
    const AS_REQ: &str = "3081c6a081b70481b4000000b06a81ad3081aaa103020105a20302010aa31a3018300aa10402020096a2020400300aa10402020095a2020400a48181307fa00703050000000010a1123010a003020101a10930071b05616c696365a20a1b084c41422e54455354a31d301ba003020102a11430121b066b72627467741b084c41422e54455354a511180f32303236313230383035353233365aa706020443af32caa81a301802011202011102011402011302011002011702011902011aa10a1b084c41422e54455354";

    /// captures/kdcproxy_ok.pcap frame 11: the answer relayed from the real
    /// MIT krb5kdc, KRB-ERROR KDC_ERR_PREAUTH_REQUIRED, without target-domain.
    const KRB_ERROR: &str = "3081e7a081e40481e1000000dd7e81da3081d7a003020105a10302011ea411180f32303236313230373035353233365aa50502030b3a3ba603020119a70a1b084c41422e54455354a8123010a003020101a10930071b05616c696365a90a1b084c41422e54455354aa1d301ba003020102a11430121b066b72627467741b084c41422e54455354ab101b0e4e45454445445f50524541555448ac4f044d304b300aa10402020088a20204003023a103020113a21c041a30183016a003020112a10f1b0d4c41422e54455354616c6963653009a103020102a2020400300da10402020085a20504034d4954";

    #[test]
    fn real_request_and_error_from_kinit_and_mit_kdc() {
        let req = hex(AS_REQ);
        let (rest, m) = parse_kdc_proxy_message(&req).unwrap();
        assert!(rest.is_empty());
        assert_eq!(m.target_domain_lossy().as_deref(), Some("LAB.TEST"));
        assert_eq!(m.dclocator_hint, None);
        assert_eq!(m.krb_message().unwrap().len(), 0xb0);
        match m.kerberos().unwrap().message {
            KerberosMessage::AsReq(r) => {
                assert_eq!(r.realm.as_deref(), Some("LAB.TEST"));
                assert_eq!(r.sname, ["krbtgt", "LAB.TEST"]);
            }
            other => panic!("{other:?}"),
        }
        let rep = hex(KRB_ERROR);
        let (_, m) = parse_kdc_proxy_message(&rep).unwrap();
        assert_eq!(m.target_domain, None);
        match m.kerberos().unwrap().message {
            KerberosMessage::KrbError(e) => {
                assert_eq!(e.error_code, Some(ErrorCode::KDC_ERR_PREAUTH_REQUIRED));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn incomplete_and_malformed() {
        let req = hex(AS_REQ);
        for cut in [0, 1, 3, 100, req.len() - 1] {
            assert!(parse_kdc_proxy_message(&req[..cut])
                .unwrap_err()
                .is_incomplete());
        }
        // hand-made: a length prefix that disagrees with the content.
        let bad = [0x30, 0x0a, 0xa0, 0x08, 0x04, 0x06, 0, 0, 0, 9, 0x30, 0x00];
        let (_, m) = parse_kdc_proxy_message(&bad).unwrap();
        assert!(m.krb_message().is_err());
        assert!(m.kerberos().is_err());
        // hand-made: kerb-message missing; not a SEQUENCE; wrong inner type.
        assert!(parse_kdc_proxy_message(&[0x30, 0x00]).is_err());
        assert!(parse_kdc_proxy_message(&[0x04, 0x00]).is_err());
        assert!(parse_kdc_proxy_message(&[0x30, 0x04, 0xa0, 0x02, 0x02, 0x00]).is_err());
        // hand-made: dclocator-hint kept.
        let hint = [
            0x30, 0x0d, 0xa0, 0x06, 0x04, 0x04, 0, 0, 0, 0, 0xa2, 0x03, 0x02, 0x01, 0x10,
        ];
        assert_eq!(
            parse_kdc_proxy_message(&hint).unwrap().1.dclocator_hint,
            Some(16)
        );
    }
}
