//! The rule catalogue. `docs/rules.md` is generated from this table
//! (`rdpdiag rules --format markdown`) and a test keeps it in sync.

use crate::verdict::Severity;
use crate::verdict::Stage;

/// One rule of the catalogue.
#[derive(Debug)]
pub struct RuleDef {
    pub id: &'static str,
    pub stage: Stage,
    pub severity: Severity,
    pub title: &'static str,
    pub explanation: &'static str,
    pub remediation: &'static [&'static str],
    pub mstsc_codes: &'static [&'static str],
}

/// Look up a rule by id.
pub fn rule(id: &str) -> Option<&'static RuleDef> {
    RULES.iter().find(|r| r.id == id).copied()
}

pub(super) const FIREWALL_3389: &str = "Allow TCP 3389 (and UDP 3389) to the server: on the server run `Get-NetFirewallRule -DisplayGroup \"Remote Desktop\" | Enable-NetFirewallRule`, and check every network firewall, NSG or VPN ACL on the path.";
const RDP_ENABLED: &str = "On the server, make sure Remote Desktop is enabled (System Properties > Remote > Allow remote connections) and the Remote Desktop Services service (TermService) is running: `Get-Service TermService`, `Start-Service TermService`.";
const SECURITY_LAYER_GPO: &str = "Check the security layer policy on the server: gpedit.msc > Computer Configuration > Administrative Templates > Windows Components > Remote Desktop Services > Remote Desktop Session Host > Security > \"Require use of specific security layer for remote (RDP) connections\" (Negotiate or SSL), and \"Require user authentication for remote connections by using Network Level Authentication\".";
const RENEW_RDP_CERT: &str = "Renew the server's RDP certificate: certlm.msc > Remote Desktop > Certificates, delete the expired or broken certificate, then restart TermService (`Restart-Service TermService -Force`) so Windows creates a new self-signed one, or bind a CA-issued certificate with PowerShell: `Get-CimInstance -Namespace root\\cimv2\\TerminalServices -ClassName Win32_TSGeneralSetting -Filter \"TerminalName='RDP-Tcp'\" | Set-CimInstance -Property @{SSLCertificateSHA1Hash='<thumbprint>'}`.";

/// Every rule, once, in catalogue order (the order of `rdpdiag rules` and docs/rules.md).
pub static RULES: &[&RuleDef] = &[
    &TCP_SYN_UNANSWERED,
    &TCP_RST_TO_SYN,
    &TCP_SYNACK_UNANSWERED,
    &TCP_MIDDLEBOX_RST,
    &TCP_RETRANSMISSION_STORM,
    &TCP_MTU_BLACKHOLE,
    &TCP_ZERO_WINDOW,
    &TCP_STALL,
    &CAPTURE_MISSING_BYTES,
    &CAPTURE_CLOCK_SUSPECT,
    &NEGOTIATION_MALFORMED,
    &NEGOTIATION_FAILURE,
    &NEGOTIATION_SERVER_CLOSED_AFTER_REQUEST,
    &NEGOTIATION_CLIENT_CLOSED_AFTER_CONFIRM,
    &NEGOTIATION_DOWNGRADED_TO_STANDARD_SECURITY,
    &NEGOTIATION_LEGACY_CLIENT,
    &NEGOTIATION_LEGACY_SERVER,
    &NEGOTIATION_NLA_NOT_REQUIRED,
    &TLS_FATAL_ALERT,
    &TLS_SERVER_CLOSED_AFTER_CLIENT_HELLO,
    &TLS_LEGACY_VERSION_ACCEPTED,
    &TLS_MODERN_SUITES_REFUSED,
    &TLS_NO_SERVER_HELLO,
    &TLS_CLIENT_REJECTED_CERTIFICATE,
    &CERTIFICATE_EXPIRED,
    &CERTIFICATE_NOT_YET_VALID,
    &CERTIFICATE_EXPIRING_SOON,
    &CERTIFICATE_SELF_SIGNED,
    &CERTIFICATE_WEAK_KEY,
    &CERTIFICATE_WEAK_SIGNATURE,
    &CERTIFICATE_NO_SERVER_AUTH_EKU,
    &CERTIFICATE_NAME_MISMATCH,
    &DECRYPT_KEYS_MISMATCH,
    &DECRYPT_UNSUPPORTED,
    &NLA_KERBEROS_ERROR,
    &KERBEROS_KDC_ERROR,
    &NLA_CREDSSP_OLD_VERSION,
    &NLA_CREDENTIALS_REJECTED,
    &NLA_CREDSSP_ERROR,
    &NLA_EARLY_USER_AUTH_DENIED,
    &NLA_NTLM_USED,
    &NLA_CLOCK_SKEW,
    &MCS_CONNECT_FAILED,
    &MCS_NEGOTIATION_ECHO_MISMATCH,
    &MCS_DISCONNECT_ULTIMATUM,
    &LICENSING_ERROR,
    &ACTIVATION_SERVER_ERROR_INFO,
    &SESSION_ERROR_INFO_NORMAL_END,
    &SESSION_RESET,
    &SESSION_PEER_UNREACHABLE,
    &SESSION_DROPPED_AFTER_CONNECT,
    &GATEWAY_AUTH_REQUIRED,
    &GATEWAY_FORBIDDEN,
    &GATEWAY_UNAVAILABLE,
    &GATEWAY_CAP_DENIED,
    &GATEWAY_RAP_DENIED,
    &GATEWAY_TARGET_UNREACHABLE,
    &GATEWAY_TUNNEL_ERROR,
    &GATEWAY_ENCRYPTED,
    &GATEWAY_KDC_PROXY_FAILED,
    &GATEWAY_RPC_OVER_HTTP,
    &UDP_SYN_UNANSWERED,
    &DNS_NXDOMAIN,
    &DNS_SERVER_FAILURE,
];

// ------------------------------------------------------------- tcp
pub static TCP_SYN_UNANSWERED: RuleDef = RuleDef {
    id: "tcp.syn_unanswered",
    stage: Stage::Tcp,
    severity: Severity::Error,
    title: "The server never answered the TCP SYN",
    explanation: "The client's SYNs got no SYN-ACK and no RST: a firewall silently drops them, the address is wrong or the host is down. The client gives up after its retries.",
    remediation: &[
        "Check that the name resolves to the right address (`Resolve-DnsName host`) and the host is up.",
        FIREWALL_3389,
        "Test from the client: `Test-NetConnection host -Port 3389`.",
    ],
    mstsc_codes: &["0x204", "0x108"],
};

pub static TCP_RST_TO_SYN: RuleDef = RuleDef {
    id: "tcp.rst_to_syn",
    stage: Stage::Tcp,
    severity: Severity::Error,
    title: "The server refused the TCP connection (RST)",
    explanation: "The server host answered the SYN with a RST: nothing listens on the port. Remote Desktop is disabled, TermService is stopped, or it listens on another port.",
    remediation: &[
        RDP_ENABLED,
        "Check the listening port: `Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp' -Name PortNumber` and `netstat -ano | findstr 3389`.",
    ],
    mstsc_codes: &["0x204"],
};

pub static TCP_SYNACK_UNANSWERED: RuleDef = RuleDef {
    id: "tcp.synack_unanswered",
    stage: Stage::Tcp,
    severity: Severity::Error,
    title: "The server answered, but the client never completed the TCP handshake",
    explanation: "SYN-ACKs from the server were not acknowledged by the client: the replies are lost on the way back (asymmetric routing, a stateful firewall that saw only one direction) or a client-side filter drops them.",
    remediation: &["Check routing and stateful firewalls between client and server for asymmetric paths; capture on both sides to see where the SYN-ACK is lost."],
    mstsc_codes: &["0x204"],
};

pub static TCP_MIDDLEBOX_RST: RuleDef = RuleDef {
    id: "tcp.middlebox_rst",
    stage: Stage::Tcp,
    severity: Severity::Error,
    title: "A RST was injected by a device on the path",
    explanation: "A RST claims to come from one side but its IP TTL differs from that side's other packets: a firewall, IPS or proxy forged it to kill the connection.",
    remediation: &["Find the firewall, IPS or TLS-inspection proxy between client and server and check its logs and RDP policy (application control, TLS inspection of port 3389)."],
    mstsc_codes: &["0x904", "0x4"],
};

pub static TCP_RETRANSMISSION_STORM: RuleDef = RuleDef {
    id: "tcp.retransmission_storm",
    stage: Stage::Tcp,
    severity: Severity::Warning,
    title: "Many real retransmissions: the network path loses packets",
    explanation: "A large share of the packets were sent again (duplicated frames in the capture are not counted). RDP works on lossy links, but slowly, and long loss bursts end sessions.",
    remediation: &["Check the link quality (Wi-Fi, VPN, WAN): `pathping server`, interface error counters, and the VPN's MTU."],
    mstsc_codes: &["0x904", "0x108"],
};

pub static TCP_MTU_BLACKHOLE: RuleDef = RuleDef {
    id: "tcp.mtu_blackhole",
    stage: Stage::Tcp,
    severity: Severity::Error,
    title: "MTU black hole: full-size packets never arrive",
    explanation: "Large segments were retransmitted at full size and never acknowledged while small packets got through: a link on the path has a smaller MTU and the ICMP 'fragmentation needed' messages are blocked. RDP typically hangs during the TLS handshake (the certificate flight is large).",
    remediation: &[
        "Lower the MTU on the VPN/tunnel interface (e.g. `netsh interface ipv4 set subinterface \"VPN\" mtu=1350 store=persistent`) or clamp TCP MSS on the VPN gateway.",
        "Allow ICMP type 3 code 4 (fragmentation needed) through firewalls so Path MTU Discovery works.",
    ],
    mstsc_codes: &["0x904", "0x108"],
};

pub static TCP_ZERO_WINDOW: RuleDef = RuleDef {
    id: "tcp.zero_window",
    stage: Stage::Tcp,
    severity: Severity::Warning,
    title: "A receiver stopped reading (zero window)",
    explanation: "One side advertised a zero TCP window: its application did not read fast enough (overloaded host, hung process, slow disk).",
    remediation: &["Check CPU and memory on the side that advertised the zero window; look for hung processes (rdpclip, antivirus scanning)."],
    mstsc_codes: &[],
};

pub static TCP_STALL: RuleDef = RuleDef {
    id: "tcp.stall",
    stage: Stage::Session,
    severity: Severity::Warning,
    title: "The connection stalled before it ended",
    explanation: "No packet crossed the connection for a long time before it closed: a network outage, an idle timeout on a firewall or NAT, or a hung peer.",
    remediation: &["Check idle timeouts on firewalls/NAT and the RDP keep-alive policy: gpedit.msc > ... > Remote Desktop Session Host > Connections > \"Configure keep-alive connection interval\"."],
    mstsc_codes: &["0x904"],
};

pub static CAPTURE_MISSING_BYTES: RuleDef = RuleDef {
    id: "capture.missing_bytes",
    stage: Stage::Tcp,
    severity: Severity::Info,
    title: "Bytes are missing from the capture",
    explanation: "Some stream bytes were acknowledged by the peer but never captured (the capturing host dropped packets); PDUs across the hole could not be decoded.",
    remediation: &["Capture again with a larger buffer or a port filter (see docs/capturing.md)."],
    mstsc_codes: &[],
};

pub static CAPTURE_CLOCK_SUSPECT: RuleDef = RuleDef {
    id: "capture.clock_suspect",
    stage: Stage::Tls,
    severity: Severity::Info,
    title: "The capture clock looks wrong",
    explanation: "The capture's timestamps are implausibly old; certificate validity is judged at capture time, so those verdicts may be wrong.",
    remediation: &["Check the clock of the machine that captured (and the server's clock)."],
    mstsc_codes: &[],
};
// ----------------------------------------------------- negotiation
pub static NEGOTIATION_MALFORMED: RuleDef = RuleDef {
    id: "negotiation.malformed",
    stage: Stage::Negotiation,
    severity: Severity::Error,
    title: "Malformed RDP negotiation PDU",
    explanation: "A TPKT/X.224 PDU of the connection setup does not follow MS-RDPBCGR: the peer is not an RDP implementation, a proxy mangled it, or the traffic is a scan or fuzzer.",
    remediation: &["Check what really listens on the port (a non-RDP service, a broken proxy or load balancer) and any device rewriting the traffic."],
    mstsc_codes: &["0x1104", "0x904"],
};

pub static NEGOTIATION_FAILURE: RuleDef = RuleDef {
    id: "negotiation.failure",
    stage: Stage::Negotiation,
    severity: Severity::Error,
    title: "The server refused the requested security protocol (RDP_NEG_FAILURE)",
    explanation: "The server answered the X.224 Connection Request with RDP_NEG_FAILURE: the security layers the client offered and the ones the server allows do not overlap.",
    remediation: &[SECURITY_LAYER_GPO],
    mstsc_codes: &["0x904", "0xB09"],
};

pub static NEGOTIATION_SERVER_CLOSED_AFTER_REQUEST: RuleDef = RuleDef {
    id: "negotiation.server_closed_after_request",
    stage: Stage::Negotiation,
    severity: Severity::Error,
    title: "The server closed the connection after the X.224 Connection Request",
    explanation: "The server received the Connection Request and closed without a Connection Confirm: the RDP listener is broken or overloaded, a connection broker rejected the routing token, or a device on the path closed it.",
    remediation: &[
        RDP_ENABLED,
        "Look at the server's event logs: Applications and Services Logs > Microsoft > Windows > RemoteDesktopServices-RdpCoreTS and TerminalServices-RemoteConnectionManager.",
    ],
    mstsc_codes: &["0x904"],
};

pub static NEGOTIATION_CLIENT_CLOSED_AFTER_CONFIRM: RuleDef = RuleDef {
    id: "negotiation.client_closed_after_confirm",
    stage: Stage::Negotiation,
    severity: Severity::Error,
    title: "The client hung up after the server's Connection Confirm",
    explanation: "The server selected a security protocol and the client disconnected without going on: the client requires something the server did not select (typically NLA), or the selection is not one it offered.",
    remediation: &[
        SECURITY_LAYER_GPO,
        "On the client, check whether NLA or a specific security layer is forced (FreeRDP /sec:nla, mstsc 'enablecredsspsupport' in the .rdp file).",
    ],
    mstsc_codes: &["0xB09", "0x904"],
};

pub static NEGOTIATION_DOWNGRADED_TO_STANDARD_SECURITY: RuleDef = RuleDef {
    id: "negotiation.downgraded_to_standard_security",
    stage: Stage::Negotiation,
    severity: Severity::Warning,
    title: "The server fell back to Standard RDP Security",
    explanation: "The client offered TLS or NLA but the server selected legacy Standard RDP Security (RC4, no server authentication). Windows does this when it is configured for the RDP security layer; xrdp does it when it cannot read its key file.",
    remediation: &[SECURITY_LAYER_GPO, "On xrdp: check that /etc/xrdp/key.pem is readable by the xrdp user (ssl-cert group)."],
    mstsc_codes: &[],
};

pub static NEGOTIATION_LEGACY_CLIENT: RuleDef = RuleDef {
    id: "negotiation.legacy_client",
    stage: Stage::Negotiation,
    severity: Severity::Info,
    title: "Legacy client request (no RDP_NEG_REQ): Standard RDP Security",
    explanation: "The client's Connection Request carries no RDP_NEG_REQ, as pre-RDP 5.2 clients send; the connection uses Standard RDP Security.",
    remediation: &["Update the client; Standard RDP Security offers no server authentication."],
    mstsc_codes: &[],
};

pub static NEGOTIATION_LEGACY_SERVER: RuleDef = RuleDef {
    id: "negotiation.legacy_server",
    stage: Stage::Negotiation,
    severity: Severity::Info,
    title: "Legacy server (no RDP_NEG_RSP): Standard RDP Security",
    explanation:
        "The Connection Confirm carries no negotiation data, as Windows XP/2003 servers send.",
    remediation: &["Upgrade the server or enable TLS/NLA where possible."],
    mstsc_codes: &[],
};

pub static NEGOTIATION_NLA_NOT_REQUIRED: RuleDef = RuleDef {
    id: "negotiation.nla_not_required",
    stage: Stage::Negotiation,
    severity: Severity::Warning,
    title: "The server does not require Network Level Authentication",
    explanation: "An active probe asked for TLS without CredSSP and the server accepted: anyone who reaches the port gets a logon screen (and a session) before authenticating, which exposes the server to pre-authentication attacks and resource exhaustion.",
    remediation: &[SECURITY_LAYER_GPO, "Or in System Properties > Remote, tick \"Allow connections only from computers running Remote Desktop with Network Level Authentication\"."],
    mstsc_codes: &[],
};
// -------------------------------------------------------------- tls
pub static TLS_FATAL_ALERT: RuleDef = RuleDef {
    id: "tls.fatal_alert",
    stage: Stage::Tls,
    severity: Severity::Error,
    title: "Fatal TLS alert during the handshake",
    explanation: "One side aborted the TLS handshake with a fatal alert. handshake_failure (40) means no common cipher suite or version (Schannel events 36874/36888 on Windows); protocol_version (70) means no common TLS version.",
    remediation: &[
        "Compare the client's offered versions and suites (in the finding) with what the server allows: on Windows check HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols and the cipher suite order policy (gpedit.msc > Computer Configuration > Administrative Templates > Network > SSL Configuration Settings).",
        "Look for Schannel events 36874/36888 in the server's System log.",
    ],
    mstsc_codes: &["0x904", "0x80090304"],
};

pub static TLS_SERVER_CLOSED_AFTER_CLIENT_HELLO: RuleDef = RuleDef {
    id: "tls.server_closed_after_client_hello",
    stage: Stage::Tls,
    severity: Severity::Error,
    title: "The server closed the connection after the ClientHello, without a ServerHello",
    explanation: "The server agreed to TLS in the negotiation, then dropped the connection as soon as the ClientHello arrived: it cannot use its certificate's private key (Windows: Schannel event 36870, broken MachineKeys permissions or a corrupt self-signed RDP certificate), or it has no cipher suite in common with the client.",
    remediation: &[
        RENEW_RDP_CERT,
        "Check permissions on C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys (SYSTEM and Administrators full control; NETWORK SERVICE read on the RDP key file).",
        "Look for Schannel event 36870 in the server's System log.",
    ],
    mstsc_codes: &["0x904 / extended 0x7"],
};

pub static TLS_LEGACY_VERSION_ACCEPTED: RuleDef = RuleDef {
    id: "tls.legacy_version_accepted",
    stage: Stage::Tls,
    severity: Severity::Warning,
    title: "The server accepts TLS 1.0 or 1.1",
    explanation: "An active probe completed a ServerHello with TLS 1.0 or 1.1. Those versions are deprecated (RFC 8996); current clients refuse them, and accepting them allows downgrades.",
    remediation: &["Disable TLS 1.0/1.1 in Schannel: HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server (and TLS 1.1) Enabled=0, then reboot; make sure TLS 1.2 is enabled."],
    mstsc_codes: &[],
};

pub static TLS_MODERN_SUITES_REFUSED: RuleDef = RuleDef {
    id: "tls.modern_suites_refused",
    stage: Stage::Tls,
    severity: Severity::Warning,
    title: "TLS 1.2 works only with legacy cipher suites",
    explanation: "An active probe offering only AEAD suites with forward secrecy (ECDHE with AES-GCM or ChaCha20) got a handshake failure, while a ClientHello with older suites (CBC, RSA key exchange) succeeded. Clients restricted to modern suites (hardened policies, current FreeRDP or OpenSSL security levels) cannot connect.",
    remediation: &["Enable ECDHE-AES-GCM suites on the server: gpedit.msc > Computer Configuration > Administrative Templates > Network > SSL Configuration Settings > SSL Cipher Suite Order (or `Enable-TlsCipherSuite TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`), then reboot."],
    mstsc_codes: &[],
};

pub static TLS_NO_SERVER_HELLO: RuleDef = RuleDef {
    id: "tls.no_server_hello",
    stage: Stage::Tls,
    severity: Severity::Error,
    title: "The ClientHello was never answered",
    explanation: "The client sent its ClientHello and no ServerHello came back before the client gave up: packet loss on the path, an MTU black hole, or a server that hangs.",
    remediation: &["Check the path for loss and MTU problems (`ping -f -l 1372 server`), VPN MTU, and whether the server responds at all."],
    mstsc_codes: &["0x904", "0x108"],
};

pub static TLS_CLIENT_REJECTED_CERTIFICATE: RuleDef = RuleDef {
    id: "tls.client_rejected_certificate",
    stage: Stage::Tls,
    severity: Severity::Error,
    title: "The client rejected the server certificate",
    explanation: "The TLS handshake completed and the client closed before sending any RDP data: it did not trust the server's certificate (expired, self-signed, wrong name, untrusted CA) and aborted (or the user declined the warning). TLS 1.3 encrypts the certificate; with a key log rdpdiag shows it.",
    remediation: &[
        RENEW_RDP_CERT,
        "Issue a certificate from a CA the clients trust, with the server's DNS name in the SAN and the Server Authentication EKU (or via the 'Remote Desktop' certificate template and the GPO Server Authentication Certificate Template).",
    ],
    mstsc_codes: &["0x1B07", "0x904"],
};
// ------------------------------------------------------ certificate
pub static CERTIFICATE_EXPIRED: RuleDef = RuleDef {
    id: "certificate.expired",
    stage: Stage::Tls,
    severity: Severity::Error,
    title: "The server certificate had expired at capture time",
    explanation: "notAfter is earlier than the capture's own timestamp. Clients warn or refuse; with NLA mstsc reports SSL_ERR_CERT_EXPIRED.",
    remediation: &[RENEW_RDP_CERT],
    mstsc_codes: &["0x1B07"],
};

pub static CERTIFICATE_NOT_YET_VALID: RuleDef = RuleDef {
    id: "certificate.not_yet_valid",
    stage: Stage::Tls,
    severity: Severity::Warning,
    title: "The server certificate was not yet valid at capture time",
    explanation: "notBefore is later than the capture's timestamp: the server's or the client's clock is wrong, or the certificate was issued in the future.",
    remediation: &["Fix the clocks (w32tm /query /status on both machines) or reissue the certificate."],
    mstsc_codes: &["0x1B07"],
};

pub static CERTIFICATE_EXPIRING_SOON: RuleDef = RuleDef {
    id: "certificate.expiring_soon",
    stage: Stage::Tls,
    severity: Severity::Warning,
    title: "The server certificate expires soon",
    explanation:
        "The certificate is valid at capture time but expires within the configured number of days.",
    remediation: &[RENEW_RDP_CERT],
    mstsc_codes: &[],
};

pub static CERTIFICATE_SELF_SIGNED: RuleDef = RuleDef {
    id: "certificate.self_signed",
    stage: Stage::Tls,
    severity: Severity::Info,
    title: "Self-signed server certificate",
    explanation: "The server presents a self-signed certificate (the Windows default). Clients show a warning unless the certificate is trusted explicitly.",
    remediation: &["Deploy a CA-issued certificate for RDP if users must not see certificate warnings."],
    mstsc_codes: &[],
};

pub static CERTIFICATE_WEAK_KEY: RuleDef = RuleDef {
    id: "certificate.weak_key",
    stage: Stage::Tls,
    severity: Severity::Warning,
    title: "Weak certificate key",
    explanation: "The server's RSA key is shorter than 2048 bits.",
    remediation: &[RENEW_RDP_CERT],
    mstsc_codes: &[],
};

pub static CERTIFICATE_WEAK_SIGNATURE: RuleDef = RuleDef {
    id: "certificate.weak_signature",
    stage: Stage::Tls,
    severity: Severity::Warning,
    title: "Certificate signed with SHA-1 or MD5",
    explanation: "The certificate's signature uses a broken hash; modern clients may refuse it.",
    remediation: &[RENEW_RDP_CERT],
    mstsc_codes: &[],
};

pub static CERTIFICATE_NO_SERVER_AUTH_EKU: RuleDef = RuleDef {
    id: "certificate.no_server_auth_eku",
    stage: Stage::Tls,
    severity: Severity::Warning,
    title: "Certificate lacks the Server Authentication EKU",
    explanation: "The certificate has an Extended Key Usage extension without serverAuth (1.3.6.1.5.5.7.3.1); clients reject it for TLS servers.",
    remediation: &["Reissue the certificate with the Server Authentication EKU."],
    mstsc_codes: &["0x1B07"],
};

pub static CERTIFICATE_NAME_MISMATCH: RuleDef = RuleDef {
    id: "certificate.name_mismatch",
    stage: Stage::Tls,
    severity: Severity::Info,
    title: "The certificate does not name the server the client asked for",
    explanation: "The name in the ClientHello (SNI) is not in the certificate's subject or SAN. Clients warn; connecting by IP address always triggers this with a name-based certificate (and forces NTLM instead of Kerberos).",
    remediation: &["Connect by the DNS name in the certificate, or issue a certificate whose SAN contains the name users dial."],
    mstsc_codes: &[],
};
// ---------------------------------------------------------- decrypt
pub static DECRYPT_KEYS_MISMATCH: RuleDef = RuleDef {
    id: "decrypt.keys_mismatch",
    stage: Stage::Tls,
    severity: Severity::Warning,
    title: "TLS secrets were given but do not decrypt this connection",
    explanation: "A key log (--keylog, SSLKEYLOGFILE or a pcapng Decryption Secrets Block) was available, but it holds no secrets for this session's client random, or its secrets fail authentication on the records. rdpdiag then parses nothing inside TLS and judges from the encrypted shape, exactly as without keys.",
    remediation: &[
        "Give the key log written by the client of this very capture (the same run: every TLS session has new secrets).",
        "Make sure the whole TLS handshake is in the capture (start capturing before connecting) and no record is missing.",
    ],
    mstsc_codes: &[],
};

pub static DECRYPT_UNSUPPORTED: RuleDef = RuleDef {
    id: "decrypt.unsupported",
    stage: Stage::Tls,
    severity: Severity::Info,
    title: "The session's TLS version or cipher suite cannot be decrypted",
    explanation: "Keys were available, but the negotiated protocol or cipher suite is not one rdpdiag decrypts (TLS 1.0-1.3 with AES-GCM, ChaCha20-Poly1305 or AES-CBC). The verdict comes from the encrypted shape.",
    remediation: &["Nothing to fix on the server for this; Wireshark may decrypt other suites with the same key log."],
    mstsc_codes: &[],
};
// -------------------------------------------------------------- nla
pub static NLA_KERBEROS_ERROR: RuleDef = RuleDef {
    id: "nla.kerberos_error",
    stage: Stage::Nla,
    severity: Severity::Warning,
    title: "Kerberos inside CredSSP returned an error",
    explanation: "The SPNEGO token inside a TSRequest carries a KRB-ERROR: the server could not accept the client's Kerberos ticket (clock skew, wrong SPN or key version, modified ticket). Clients then often fall back to NTLM or fail.",
    remediation: &[
        "Synchronize clocks (`w32tm /resync`), check the server's SPNs (`setspn -L server`) and that the computer account password is in sync (`Test-ComputerSecureChannel -Repair`).",
    ],
    mstsc_codes: &["0x1807"],
};

pub static KERBEROS_KDC_ERROR: RuleDef = RuleDef {
    id: "kerberos.kdc_error",
    stage: Stage::Nla,
    severity: Severity::Warning,
    title: "the KDC refused the client's Kerberos request",
    explanation: "Before NLA a Windows client asks its KDC (a domain controller, TCP/UDP 88) for a ticket to TERMSRV/<server>; the KDC answered with a KRB-ERROR, so Kerberos could not be used and the client fell back to NTLM (or failed). KDC_ERR_PREAUTH_REQUIRED and KRB_ERR_RESPONSE_TOO_BIG are normal steps and never reported.",
    remediation: &[
        "Read the KRB-ERROR code in the finding (rdpdiag explain CODE); on a DC, Security events 4768 / 4769 / 4771 for the user at the capture time give the same code.",
    ],
    mstsc_codes: &[],
};

pub static NLA_CREDSSP_OLD_VERSION: RuleDef = RuleDef {
    id: "nla.credssp_old_version",
    stage: Stage::Nla,
    severity: Severity::Warning,
    title: "CredSSP version older than the CVE-2018-0886 fix",
    explanation: "A side speaks CredSSP version 4 or lower, without the client nonce of the Encryption Oracle Remediation (CVE-2018-0886, May 2018 updates). Patched Windows peers with the 'Force Updated Clients' policy refuse it; mstsc then says 'This could be due to CredSSP encryption oracle remediation'.",
    remediation: &[
        "Update the unpatched side (Windows Update, or a current FreeRDP). As a temporary exception only: Computer Configuration > Administrative Templates > System > Credentials Delegation > Encryption Oracle Remediation = Mitigated / Vulnerable.",
    ],
    mstsc_codes: &[],
};

pub static NLA_CREDENTIALS_REJECTED: RuleDef = RuleDef {
    id: "nla.credentials_rejected",
    stage: Stage::Nla,
    severity: Severity::Error,
    title: "NLA: the server rejected the credentials",
    explanation: "After the client's CredSSP authentication round the server sent a TLS alert or closed the connection: the user name or password was wrong, the account is locked, disabled or expired, or the password must change. Windows often answers a rejected NTLM AUTHENTICATE with TLS alert internal_error (80) instead of a CredSSP error code.",
    remediation: &[
        "Check the Security log on the server (or DC) for event 4625 at the capture time: its Status/Sub Status names the reason.",
        "Check the account: `Get-ADUser user -Properties LockedOut,Enabled,PasswordExpired`; unlock or reset as needed.",
        "If the client dialled an IP address, NTLM is used: make sure NTLM is not restricted (Network security: Restrict NTLM policies).",
    ],
    mstsc_codes: &["0x807", "0x904"],
};

pub static NLA_CREDSSP_ERROR: RuleDef = RuleDef {
    id: "nla.credssp_error",
    stage: Stage::Nla,
    severity: Severity::Error,
    title: "NLA: CredSSP returned an error code",
    explanation:
        "The server's TSRequest carries an NTSTATUS errorCode naming why authentication failed.",
    remediation: &[
        "See the NTSTATUS in the finding (rdpdiag explain CODE) and the server's event 4625.",
    ],
    mstsc_codes: &["0x807"],
};

pub static NLA_EARLY_USER_AUTH_DENIED: RuleDef = RuleDef {
    id: "nla.early_user_auth_denied",
    stage: Stage::Nla,
    severity: Severity::Error,
    title: "NLA succeeded but the user may not log on through Remote Desktop",
    explanation: "With HYBRID_EX the server sends an Early User Authorization Result after CredSSP; ACCESS_DENIED (or, without keys, one tiny server record followed by a close) means the credentials were right but the user lacks the logon right.",
    remediation: &[
        "Add the user to the server's Remote Desktop Users group, or grant 'Allow log on through Remote Desktop Services' (secpol.msc > Local Policies > User Rights Assignment) and make sure 'Deny log on through Remote Desktop Services' does not list the user.",
    ],
    mstsc_codes: &["0x904 / extended 0x9"],
};

pub static NLA_NTLM_USED: RuleDef = RuleDef {
    id: "nla.ntlm_used",
    stage: Stage::Nla,
    severity: Severity::Info,
    title: "NLA used NTLM, not Kerberos",
    explanation: "The client authenticated with NTLM: typically because it dialled an IP address or a name without an SPN, or no domain controller was reachable. Policies that restrict NTLM then break RDP.",
    remediation: &["Connect by the server's DNS name; check SPNs (`setspn -L server`) and DC reachability."],
    mstsc_codes: &[],
};

pub static NLA_CLOCK_SKEW: RuleDef = RuleDef {
    id: "nla.clock_skew",
    stage: Stage::Nla,
    severity: Severity::Warning,
    title: "Server clock differs from the capture clock",
    explanation: "The NTLM CHALLENGE timestamp shows the server's clock is far from the capturing machine's; Kerberos fails beyond 5 minutes of skew.",
    remediation: &["Synchronize clocks: `w32tm /resync` on both machines; check the domain time hierarchy."],
    mstsc_codes: &["0x1807"],
};
// --------------------------------------------- mcs / licensing / activation
pub static MCS_CONNECT_FAILED: RuleDef = RuleDef {
    id: "mcs.connect_failed",
    stage: Stage::Mcs,
    severity: Severity::Error,
    title: "MCS Connect Response reports a failure",
    explanation: "The server rejected the MCS Connect Initial (client settings): a result other than rt-successful.",
    remediation: &["Check the server's RdpCoreTS event log for the reason; verify encryption level policy (FIPS) matches the client."],
    mstsc_codes: &["0x904", "0x406"],
};

pub static MCS_NEGOTIATION_ECHO_MISMATCH: RuleDef = RuleDef {
    id: "mcs.negotiation_echo_mismatch",
    stage: Stage::Mcs,
    severity: Severity::Warning,
    title: "The security negotiation echoed in MCS differs from the X.224 exchange",
    explanation: "Client and server repeat the negotiated protocols inside the encrypted GCC data (serverSelectedProtocol, clientRequestedProtocols) so that a device rewriting the clear X.224 negotiation is caught. A difference means something on the path changed the negotiation (a proxy, an RDP-aware firewall, a downgrade attack); Windows servers then drop the connection.",
    remediation: &["Find the proxy, load balancer or firewall between client and server that rewrites RDP negotiation and bypass it or fix its RDP settings; capture on both sides to see where the X.224 request changes."],
    mstsc_codes: &["0x904"],
};

pub static MCS_DISCONNECT_ULTIMATUM: RuleDef = RuleDef {
    id: "mcs.disconnect_ultimatum",
    stage: Stage::Mcs,
    severity: Severity::Error,
    title: "The server disconnected with MCS Disconnect Provider Ultimatum",
    explanation: "The server ended the MCS domain before the session started.",
    remediation: &["Check the server's event logs (RdpCoreTS, TerminalServices-LocalSessionManager) at the capture time."],
    mstsc_codes: &["0x904"],
};

pub static LICENSING_ERROR: RuleDef = RuleDef {
    id: "licensing.error",
    stage: Stage::Licensing,
    severity: Severity::Error,
    title: "Licensing failed",
    explanation: "The server sent a licensing error other than the STATUS_VALID_CLIENT success message: no license server, no license available, or an invalid client license.",
    remediation: &[
        "Check the RD Licensing configuration: `Get-CimInstance -Namespace root\\cimv2\\TerminalServices -ClassName Win32_TerminalServiceSetting` (LicensingType, license servers) and RD Licensing Diagnoser (lsdiag.msc).",
        "On the client, delete a corrupt stored license: HKLM\\SOFTWARE\\Microsoft\\MSLicensing (run mstsc as administrator once afterwards).",
    ],
    mstsc_codes: &["0x808", "0x904 / extended 0x100-0x10A"],
};

pub static ACTIVATION_SERVER_ERROR_INFO: RuleDef = RuleDef {
    id: "activation.server_error_info",
    stage: Stage::Activation,
    severity: Severity::Error,
    title: "The server ended the connection with Set Error Info",
    explanation: "The server sent a Set Error Info PDU naming why it disconnects; mstsc shows it as the extended reason (e.g. 0x904 / 0x7 = server denied the connection).",
    remediation: &["See the ERRINFO code in the finding (`rdpdiag explain 0x904 <code>`) and the server's event logs."],
    mstsc_codes: &["0x904 / extended"],
};

pub static SESSION_ERROR_INFO_NORMAL_END: RuleDef = RuleDef {
    id: "session.error_info_normal_end",
    stage: Stage::Session,
    severity: Severity::Info,
    title: "The session ended normally (Set Error Info)",
    explanation:
        "The server's Set Error Info names an intended end: logoff, admin disconnect, idle timeout.",
    remediation: &[
        "Nothing to fix unless the end was unexpected (then check session time limit policies).",
    ],
    mstsc_codes: &[],
};

pub static SESSION_RESET: RuleDef = RuleDef {
    id: "session.reset",
    stage: Stage::Session,
    severity: Severity::Error,
    title: "The running session was cut by a TCP RST",
    explanation: "The session was up, then a TCP RST in the server's name ended it without any goodbye (no Set Error Info, no Disconnect Provider Ultimatum, no FIN): the server process crashed or was killed, a firewall flushed the connection's state, or a device on the path forged the RST (then tcp.middlebox_rst is reported too). The client shows 'connection lost'.",
    remediation: &[
        "Check the server's System and Application logs at that time for a TermService/svchost crash or restart, and the firewalls between client and server for connection-table flushes or idle timeouts.",
        "If tcp.middlebox_rst is reported too, find the firewall, IPS or proxy that sent the RST.",
    ],
    mstsc_codes: &["0x904"],
};

pub static SESSION_PEER_UNREACHABLE: RuleDef = RuleDef {
    id: "session.peer_unreachable",
    stage: Stage::Session,
    severity: Severity::Error,
    title: "The other side stopped answering and the connection was aborted",
    explanation: "The session was up, then one side heard nothing more from the other: its TCP keep-alives or retransmissions went unanswered until its TCP stack gave up and reset the connection. A network outage (Wi-Fi or VPN drop, route change, a firewall that lost the connection's state) or a peer host that froze or lost power. The client shows 'connection lost' and may try to reconnect.",
    remediation: &[
        "Check the network path at that time: VPN and Wi-Fi logs, interface errors, firewall/NAT connection-table flushes or failovers.",
        "If only this server is affected, check whether the server host hung or rebooted (System log: events 41, 6008).",
    ],
    mstsc_codes: &["0x904"],
};

pub static SESSION_DROPPED_AFTER_CONNECT: RuleDef = RuleDef {
    id: "session.dropped_after_connect",
    stage: Stage::Session,
    severity: Severity::Error,
    title: "The server dropped the connection right after the connection sequence",
    explanation: "TLS, MCS and the connection sequence went through, then the server closed before sending any screen output: without NLA the server checks the credentials from the Client Info only now (wrong password, logon denied), or a session policy rejected the user.",
    remediation: &[
        "Enable NLA so credentials are checked before the session starts (then the client gets a clear error).",
        "Check the server's Security log (event 4625) and TerminalServices-LocalSessionManager log at the capture time.",
    ],
    mstsc_codes: &["0x904", "0x2"],
};
// ---------------------------------------------------------- gateway
pub static GATEWAY_AUTH_REQUIRED: RuleDef = RuleDef {
    id: "gateway.auth_required",
    stage: Stage::Gateway,
    severity: Severity::Error,
    title: "The RD Gateway rejected the credentials (HTTP 401)",
    explanation: "The gateway's last answer was HTTP 401 Unauthorized. After a full NTLM/Negotiate exchange (the 401 that carries the challenge, then the client's response) a final 401 means the gateway did not accept the user name or password, the account is locked, disabled or expired, or the authentication method does not match what the gateway allows. Seen decrypted. FreeRDP reports ERRCONNECT_ACCESS_DENIED (0x00020016).",
    remediation: &[
        "Check the user name (DOMAIN\\user or user@domain) and password used for the gateway: mstsc > Show Options > Advanced > Settings (RD Gateway) > logon method, and \"Use my RD Gateway credentials for the remote computer\".",
        "On the gateway: the Security log (event 4625, failure reason) and Applications and Services Logs > Microsoft > Windows > TerminalServices-Gateway > Operational; unlock or re-enable the account in Active Directory if needed.",
        "RD Gateway Manager > Policies > Connection Authorization Policies > the policy's Requirements: the allowed Windows authentication methods (password, smart card) must include the one the client uses.",
    ],
    mstsc_codes: &[],
};

pub static GATEWAY_FORBIDDEN: RuleDef = RuleDef {
    id: "gateway.forbidden",
    stage: Stage::Gateway,
    severity: Severity::Error,
    title: "The RD Gateway refused the request (HTTP 403)",
    explanation: "The gateway (or a reverse proxy, WAF or load balancer in front of it) answered HTTP 403 Forbidden to the RD Gateway request, before any tunnel was built: the client's address, URL or method is not allowed, or a client certificate is required.",
    remediation: &[
        "Check any reverse proxy, WAF or load balancer in front of the gateway: it must pass the RDG_OUT_DATA / RDG_IN_DATA methods (or the WebSocket upgrade) to /remoteDesktopGateway/ with the RDG-Connection-Id header, and must not require a client certificate for that path.",
        "On the gateway: RD Gateway Manager > server Properties > Transport Settings (HTTP transport enabled on the right IP and port) and the TerminalServices-Gateway > Operational log.",
    ],
    mstsc_codes: &[],
};

pub static GATEWAY_UNAVAILABLE: RuleDef = RuleDef {
    id: "gateway.unavailable",
    stage: Stage::Gateway,
    severity: Severity::Error,
    title: "The RD Gateway is unavailable (HTTP 503 / 5xx)",
    explanation: "The gateway answered with a 5xx status: the RD Gateway service is stopped or failing (HTTP.sys answers 503 Service Unavailable for a URL whose service is not running), or a load balancer in front of it has no healthy gateway behind it.",
    remediation: &[
        "On the gateway: `Get-Service TSGateway` and `Restart-Service TSGateway`; read the TerminalServices-Gateway > Operational and System logs for why it stopped.",
        "Check the gateway's SSL certificate binding (RD Gateway Manager > server Properties > SSL Certificate; `netsh http show sslcert ipport=0.0.0.0:443`): an expired or missing certificate stops the service.",
        "If a load balancer fronts several gateways, check its health probes and pool members.",
    ],
    mstsc_codes: &[],
};

pub static GATEWAY_CAP_DENIED: RuleDef = RuleDef {
    id: "gateway.cap_denied",
    stage: Stage::Gateway,
    severity: Severity::Error,
    title: "The RD Gateway's connection authorization policy (RD CAP) denied the user",
    explanation: "HTTP authentication succeeded, but the gateway refused to create the tunnel (MS-TSGU TUNNEL_RESPONSE or TUNNEL_AUTH_RESPONSE with E_PROXY_NAP_ACCESSDENIED, E_PROXY_QUARANTINE_ACCESSDENIED or an access-denied code): the user or the client computer matches no enabled RD CAP, or the CAP's device-redirection or health requirements are not met. mstsc says the user is not in the RD Gateway's permission list.",
    remediation: &[
        "RD Gateway Manager > Policies > Connection Authorization Policies: make sure an enabled RD CAP lists a user group the user belongs to (and, if set, a client computer group containing the client).",
        "If CAPs are stored on a central NPS server, check that NPS server's network policies and its event log.",
        "Read TerminalServices-Gateway > Operational on the gateway: the event names the user and the policy requirement that failed.",
    ],
    mstsc_codes: &["0x300001B"],
};

pub static GATEWAY_RAP_DENIED: RuleDef = RuleDef {
    id: "gateway.rap_denied",
    stage: Stage::Gateway,
    severity: Severity::Error,
    title: "The RD Gateway's resource authorization policy (RD RAP) denied the target",
    explanation: "The tunnel was created, but the gateway refused the channel to the requested computer (MS-TSGU CHANNEL_RESPONSE E_PROXY_RAP_ACCESSDENIED, 0x800759DA): no RD RAP allows this user to reach that computer name and port. The gateway compares the name exactly as the client typed it (FQDN, NetBIOS name or IP address).",
    remediation: &[
        "RD Gateway Manager > Policies > Resource Authorization Policies: add the user's group to a RAP whose Network Resource is a computer group containing the target (or \"Allow users to connect to any network resource\").",
        "Add the name exactly as the client uses it (FQDN and NetBIOS name, or the IP address) to the RAP's gateway-managed computer group, and allow the port (3389) under Allowed Ports.",
    ],
    mstsc_codes: &["0x300001B"],
};

pub static GATEWAY_TARGET_UNREACHABLE: RuleDef = RuleDef {
    id: "gateway.target_unreachable",
    stage: Stage::Gateway,
    severity: Severity::Error,
    title: "The RD Gateway could not reach the target computer",
    explanation: "CAP and RAP passed, but the gateway's own connection to the RDP server failed (MS-TSGU CHANNEL_RESPONSE E_PROXY_TS_CONNECTFAILED, 0x800759DD): the target is down, a firewall between the gateway and the target blocks TCP 3389, or the gateway resolves the name to another address.",
    remediation: &[
        "From the gateway: `Test-NetConnection <target> -Port 3389` and `Resolve-DnsName <target>`.",
        "On the target: Remote Desktop enabled, TermService running, and the Windows Firewall rule \"Remote Desktop - User Mode (TCP-In)\" allowing the gateway's address.",
    ],
    mstsc_codes: &[],
};

pub static GATEWAY_TUNNEL_ERROR: RuleDef = RuleDef {
    id: "gateway.tunnel_error",
    stage: Stage::Gateway,
    severity: Severity::Error,
    title: "The RD Gateway failed the tunnel with an error code",
    explanation: "An MS-TSGU handshake, tunnel, tunnel-authorization or channel response carried a non-zero result (an HRESULT from MS-TSGU 2.2.6, such as E_PROXY_CAPABILITYMISMATCH, E_PROXY_INTERNALERROR or E_PROXY_MAXCONNECTIONSREACHED).",
    remediation: &[
        "Look the code up in MS-TSGU 2.2.6 and read TerminalServices-Gateway > Operational on the gateway.",
        "E_PROXY_CAPABILITYMISMATCH: update the client or relax the gateway's device-redirection / authentication requirements in the RD CAP; E_PROXY_MAXCONNECTIONSREACHED: raise the limit in RD Gateway Manager > server Properties > General.",
    ],
    mstsc_codes: &[],
};

pub static GATEWAY_ENCRYPTED: RuleDef = RuleDef {
    id: "gateway.encrypted",
    stage: Stage::Gateway,
    severity: Severity::Info,
    title: "RD Gateway traffic is encrypted: give --keylog to see the gateway's answer",
    explanation: "The connection starts with a TLS ClientHello and no X.224 request: HTTPS to an RD Gateway (or another HTTPS service on a port given with --port). Without the TLS secrets the gateway's HTTP status (401/403/503) and its CAP/RAP results stay hidden.",
    remediation: &["Capture the client's TLS secrets (docs/capturing.md: FreeRDP /tls:secrets-file: or an SSLKEYLOGFILE-capable client) and run again with --keylog FILE."],
    mstsc_codes: &[],
};
pub static GATEWAY_KDC_PROXY_FAILED: RuleDef = RuleDef {
    id: "gateway.kdc_proxy_failed",
    stage: Stage::Gateway,
    severity: Severity::Error,
    title: "The gateway's KDC proxy gave no Kerberos ticket (HTTP error or KRB-ERROR): the client falls back to NTLM",
    explanation: "Outside the domain, mstsc reaches a domain controller through the RD Gateway's KDC proxy (MS-KKDCP: `POST /KdcProxy` on the gateway's HTTPS, served by the KDC Proxy Server service, kpssvc). A 503 means the proxy service is not running or found no KDC for the realm (the gateway has no line of sight to a DC on port 88); a relayed KRB-ERROR is the KDC's own refusal. Without a ticket the client falls back to NTLM, and fails where NTLM is refused (Protected Users, \"Restrict NTLM\" policies, a gateway or server that requires Kerberos).",
    remediation: &[
        "On the gateway: `Get-Service kpssvc` (KDC Proxy Server): start it and set it to Automatic; `netsh http show urlacl url=https://+:443/KdcProxy/` must list its URL.",
        "From the gateway, check it reaches a DC for the realm: `nltest /dsgetdc:REALM` and `Test-NetConnection DC -Port 88`; open TCP/UDP 88 from the gateway to the DCs.",
        "For a KRB-ERROR, fix what the code names (`rdpdiag explain` knows the KDC_ERR_* codes): the account (disabled, locked, expired password) or the realm the client asked for.",
    ],
    mstsc_codes: &[],
};

pub static GATEWAY_RPC_OVER_HTTP: RuleDef = RuleDef {
    id: "gateway.rpc_over_http",
    stage: Stage::Gateway,
    severity: Severity::Info,
    title: "Legacy RPC-over-HTTP gateway transport: not decoded",
    explanation: "The client talks to the RD Gateway with `RPC_IN_DATA`/`RPC_OUT_DATA` on `/rpc/rpcproxy.dll`, the legacy RPC-over-HTTP transport (MS-TSGU 3.x) that old clients use and mstsc falls back to when the HTTP and WebSocket transports fail. rdpdiag reads only its HTTP status, not the RPC inside.",
    remediation: &[
        "If mstsc fell back to it, look at why the HTTP transport failed first (an HTTP 401/403/503 on `RDG_OUT_DATA`, or a proxy that drops its unusual methods).",
    ],
    mstsc_codes: &[],
};
// -------------------------------------------------------- udp / dns
pub static UDP_SYN_UNANSWERED: RuleDef = RuleDef {
    id: "udp.syn_unanswered",
    stage: Stage::Udp,
    severity: Severity::Error,
    title: "RDP-UDP SYN never answered",
    explanation: "The client tried the UDP transport and got no SYN+ACK: UDP 3389 is blocked or the server has UDP disabled. RDP falls back to TCP (slower on lossy or high-latency links).",
    remediation: &["Allow UDP 3389 to the server, or ignore when TCP works; server policy: ... > Remote Desktop Session Host > Connections > \"Select RDP transport protocols\"."],
    mstsc_codes: &[],
};

pub static DNS_NXDOMAIN: RuleDef = RuleDef {
    id: "dns.nxdomain",
    stage: Stage::Dns,
    severity: Severity::Error,
    title: "The server name does not resolve (NXDOMAIN)",
    explanation: "The DNS server answered that the name does not exist, so no connection was tried.",
    remediation: &["Check the spelling and the DNS suffix; `Resolve-DnsName name`; add the record or connect by the right FQDN."],
    mstsc_codes: &["0x104", "0x208"],
};

pub static DNS_SERVER_FAILURE: RuleDef = RuleDef {
    id: "dns.server_failure",
    stage: Stage::Dns,
    severity: Severity::Error,
    title: "The DNS server failed to resolve the server name",
    explanation: "SERVFAIL or REFUSED: the DNS server could not answer.",
    remediation: &[
        "Check the client's DNS servers (`Get-DnsClientServerAddress`) and their forwarders.",
    ],
    mstsc_codes: &["0x104"],
};
