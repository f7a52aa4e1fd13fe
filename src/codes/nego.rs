//! RDP_NEG_FAILURE failure codes (MS-RDPBCGR 2.2.1.2.2), sent in cleartext
//! in the server's X.224 Connection Confirm.

use super::common::*;
use super::CodeInfo;

/// RDP_NEG_FAILURE failureCode values 1–6.
pub static NEG_FAILURE: &[CodeInfo] = &[
    CodeInfo::fail(
        0x1,
        "SSL_REQUIRED_BY_SERVER",
        "The server requires TLS (or CredSSP) but the client offered only Standard RDP Security; if the client offered only CredSSP, the server supports TLS but not CredSSP. Server setting: security layer = SSL. Clients usually retry with TLS.",
        &[
            "Server security layer set to SSL (TLS) while the client requested PROTOCOL_RDP only",
            "NLA disabled on the server while the client insisted on CredSSP only",
        ],
        &[
            GPO_SECURITY_LAYER,
            "On the client, allow TLS (FreeRDP: /sec:tls; mstsc: authentication level / enablecredsspsupport in the .rdp file).",
        ],
    ),
    CodeInfo::fail(
        0x2,
        "SSL_NOT_ALLOWED_BY_SERVER",
        "The server is configured for Standard RDP Security only and refuses TLS/CredSSP. Server setting: security layer = RDP. Clients retry with PROTOCOL_RDP (a security downgrade).",
        &[
            "Security layer forced to RDP by GPO or registry",
            "The server has no usable certificate and was set to RDP security to work around it",
        ],
        &[
            GPO_SECURITY_LAYER,
            "Set the security layer to Negotiate or SSL so TLS is used, and make sure the RDP certificate is valid (certlm.msc > Remote Desktop > Certificates).",
        ],
    ),
    CodeInfo::fail(
        0x3,
        "SSL_CERT_NOT_ON_SERVER",
        "The server has no valid certificate for TLS, so it cannot accept TLS/CredSSP.",
        &[
            "RDP certificate deleted, expired or its private key unreadable (Schannel 36870)",
            "SSLCertificateSHA1Hash points at a certificate that no longer exists",
        ],
        &[
            RDP_CERT_RENEW,
            MACHINEKEYS_ACL,
            "Check the configured thumbprint: HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\\SSLCertificateSHA1Hash (or Win32_TSGeneralSetting) matches a certificate in certlm.msc with its private key.",
            SCHANNEL_LOG,
        ],
    ),
    CodeInfo::fail(
        0x4,
        "INCONSISTENT_FLAGS",
        "The requested protocols are inconsistent with the protocol already in effect (e.g. a Direct Approach / early-TLS connection negotiated differently).",
        &["Client bug or a proxy rewriting the negotiation request"],
        &[
            "Update the client; bypass RDP proxies/load balancers as a test.",
            GPO_SECURITY_LAYER,
        ],
    ),
    CodeInfo::fail(
        0x5,
        "HYBRID_REQUIRED_BY_SERVER",
        "The server requires Network Level Authentication (CredSSP), but the client did not offer it. Server setting: NLA required. FreeRDP retries with HYBRID unless NLA is disabled (then ERRCONNECT_HYBRID_REQUIRED_BY_SERVER).",
        &[
            "NLA required on the server while the client disabled CredSSP (enablecredsspsupport:i:0, FreeRDP /sec:tls or -sec-nla)",
            "Old client without CredSSP",
        ],
        &[
            "On the client: enable CredSSP and supply credentials (mstsc: remove enablecredsspsupport:i:0 from the .rdp file; FreeRDP: /sec:nla or no /sec: option); update a client too old for CredSSP.",
            GPO_NLA_DISABLE,
        ],
    ),
    CodeInfo::fail(
        0x6,
        "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER",
        "The server requires TLS with client certificate authentication.",
        &["Server configured to require client certificates (rare; custom or hardened hosts)"],
        &[
            "Provide a client certificate, or relax the server's requirement; review the RDP-Tcp listener settings and GPO security layer.",
            GPO_SECURITY_LAYER,
        ],
    ),
];
