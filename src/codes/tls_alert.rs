//! TLS alert descriptions (IANA / RFC 5246, RFC 8446; tls-parser), with what
//! they mean when an RDP server or client sends one. The alert's content type
//! is visible in a capture even when its body is encrypted.

use super::common::*;
use super::CodeInfo;

const CERT_FIX: &[&str] = &[
    RDP_CERT_RENEW,
    "If the RDP certificate comes from a CA, make sure the client trusts the chain (certlm.msc > Trusted Root / Intermediate) and the name matches what the client typed; GPO ... > Remote Desktop Session Host > Security > \"Server authentication certificate template\".",
];

const PEER_BUG_FIX: &[&str] = &[
    "Update the client and the server; bypass TLS-inspecting middleboxes for port 3389 as a test.",
    SCHANNEL_LOG,
];

/// TLS alert descriptions.
pub static TLS_ALERTS: &[CodeInfo] = &[
    CodeInfo::benign(0, "close_notify", "Orderly TLS close. Normal at the end of a session; right after the handshake it means the sender (often the client after a certificate prompt was declined) chose to stop.", &["User declined the certificate warning", "Normal disconnect"], &[]),
    CodeInfo::fail(10, "unexpected_message", "A TLS message arrived out of order.", &["Implementation bug or a middlebox injecting data"], PEER_BUG_FIX),
    CodeInfo::fail(20, "bad_record_mac", "A record failed integrity checking.", &["Corruption on the path, a buggy middlebox, or a TLS implementation bug"], PEER_BUG_FIX),
    CodeInfo::fail(21, "decryption_failed", "Obsolete (TLS 1.0) decryption failure alert.", &["Very old peer or corruption"], PEER_BUG_FIX),
    CodeInfo::fail(22, "record_overflow", "A record exceeded the allowed size.", &["Implementation bug"], PEER_BUG_FIX),
    CodeInfo::fail(30, "decompression_failure", "Obsolete TLS compression failure.", &["Very old peer"], PEER_BUG_FIX),
    CodeInfo::fail(40, "handshake_failure", "No acceptable set of security parameters: on a Windows RDP server this is the TLS version or cipher-suite mismatch alert (System log Schannel 36874 \"no common cipher suite\" and 36888 \"fatal alert 40\").", &["TLS 1.0/1.1 disabled on one side and TLS 1.2 not available on the other", "No common cipher suite (hardening scripts, IIS Crypto, old clients)"], &[TLS_VERSIONS, TLS_CIPHERS, SCHANNEL_LOG]),
    CodeInfo::fail(41, "no_certificate", "Obsolete SSLv3 alert: no certificate available.", &["Very old peer"], PEER_BUG_FIX),
    CodeInfo::fail(42, "bad_certificate", "The peer's certificate is corrupt or failed verification. RDP clients normally prompt instead of alerting, so this usually comes from a strict client or a middlebox.", &["Corrupt or malformed RDP certificate", "Signature algorithm the client refuses (e.g. SHA-1)"], CERT_FIX),
    CodeInfo::fail(43, "unsupported_certificate", "The peer's certificate type is not supported.", &["Unusual key type or key usage on the RDP certificate"], CERT_FIX),
    CodeInfo::fail(44, "certificate_revoked", "The peer's certificate was revoked.", &["RDP certificate revoked by its CA"], CERT_FIX),
    CodeInfo::fail(45, "certificate_expired", "The peer's certificate has expired.", &["Expired RDP certificate (self-signed or CA-issued)"], CERT_FIX),
    CodeInfo::fail(46, "certificate_unknown", "The peer's certificate was rejected for another reason (untrusted, name mismatch).", &["Self-signed certificate rejected by a strict client", "Name on the certificate does not match the host name"], CERT_FIX),
    CodeInfo::fail(47, "illegal_parameter", "A handshake field was out of range or inconsistent.", &["Implementation bug or incompatible TLS extensions"], PEER_BUG_FIX),
    CodeInfo::fail(48, "unknown_ca", "The certificate chain does not lead to a trusted CA.", &["RDP certificate issued by a CA the client does not trust", "Missing intermediate certificate"], CERT_FIX),
    CodeInfo::fail(49, "access_denied", "The peer's identity is valid but access is refused.", &["Policy refusing the client at the TLS layer"], PEER_BUG_FIX),
    CodeInfo::fail(50, "decode_error", "A handshake message could not be decoded.", &["Truncated or malformed message, middlebox interference"], PEER_BUG_FIX),
    CodeInfo::fail(51, "decrypt_error", "A handshake cryptographic check failed (signature, Finished message).", &["Key mismatch, broken private key, or implementation bug"], &[RDP_CERT_RENEW, SCHANNEL_LOG]),
    CodeInfo::fail(60, "export_restriction", "Obsolete export-cipher alert.", &["Very old peer"], PEER_BUG_FIX),
    CodeInfo::fail(70, "protocol_version", "The peer does not support the offered TLS version.", &["TLS 1.2 disabled, or only TLS 1.0 offered by an old client / server (Windows 7, 2008 R2 without updates)"], &[TLS_VERSIONS, SCHANNEL_LOG]),
    CodeInfo::fail(71, "insufficient_security", "The server requires stronger cipher suites than the client offers.", &["Server cipher-suite hardening beyond what the client supports"], &[TLS_CIPHERS, SCHANNEL_LOG]),
    CodeInfo::fail(80, "internal_error", "The peer hit an internal error. From a Windows RDP server right after the client's NTLM AUTHENTICATE this is how it rejects the credentials (instead of a CredSSP errorCode): wrong password, expired password, or NTLM refused.", &["Wrong or expired credentials during NLA", "NTLM restricted on the server or domain (Network security: Restrict NTLM)", "Server-side SSPI/Schannel failure"], &[SECURITY_4625, "Check GPO Security Options > \"Network security: Restrict NTLM: ...\"; connect by FQDN so Kerberos is used.", SCHANNEL_LOG]),
    CodeInfo::fail(86, "inappropriate_fallback", "The client retried with a lower TLS version although the server supports a higher one (downgrade protection).", &["Client fallback after a failed first attempt"], &[TLS_VERSIONS]),
    CodeInfo::benign(90, "user_canceled", "The handshake was cancelled by the user or application.", &["User aborted"], &[]),
    CodeInfo::fail(100, "no_renegotiation", "Renegotiation refused.", &["Peer attempted renegotiation"], PEER_BUG_FIX),
    CodeInfo::fail(109, "missing_extension", "A required TLS extension is missing (TLS 1.3).", &["Incompatible TLS 1.3 implementations"], PEER_BUG_FIX),
    CodeInfo::fail(110, "unsupported_extension", "An extension was sent that the peer did not offer.", &["Implementation bug"], PEER_BUG_FIX),
    CodeInfo::fail(111, "certificate_unobtainable", "A certificate could not be fetched from a URL.", &["Client certificate URL extension problem"], PEER_BUG_FIX),
    CodeInfo::fail(112, "unrecognized_name", "The server does not know the name sent in SNI.", &["Client used a host name the server/proxy is not configured for"], &["Connect with the name on the server's certificate; check RD Gateway / proxy host configuration."]),
    CodeInfo::fail(113, "bad_certificate_status_response", "An invalid OCSP status response was received.", &["OCSP stapling problem"], CERT_FIX),
    CodeInfo::fail(114, "bad_certificate_hash_value", "A certificate hash did not match.", &["Obsolete extension problem"], PEER_BUG_FIX),
    CodeInfo::fail(115, "unknown_psk_identity", "The PSK identity is unknown.", &["PSK-based TLS (not used by standard RDP)"], PEER_BUG_FIX),
    CodeInfo::fail(116, "certificate_required", "The server requires a client certificate (TLS 1.3).", &["Server requires TLS client authentication"], &["Provide a client certificate or relax the server requirement."]),
    CodeInfo::fail(120, "no_application_protocol", "No common ALPN protocol.", &["ALPN mismatch, e.g. through a gateway or proxy"], PEER_BUG_FIX),
];
