//! mstsc / Remote Desktop ActiveX control disconnect reasons.
//!
//! `discReason` comes from IMsTscAxEvents::OnDisconnected (Microsoft's
//! `imstscaxevents-ondisconnected` page; the same enum is in the MsTscAx type
//! library). `ExtendedDisconnectReasonCode` comes from the
//! `extendeddisconnectreasoncode` page. A handful of codes seen in the field
//! but absent from the documentation are included and marked
//! `[undocumented]`.
//!
//! The low byte of a `discReason` is a class **[inference from the table]**:
//! 0x04 socket/network, 0x06 security layer, 0x07 credentials (SSL_ERR_*),
//! 0x08 licensing/internal; the upper bytes are the detail.

use super::common::*;
use super::CodeInfo;

/// First value of the extended-reason protocol range.
pub const EXT_PROTOCOL_RANGE_START: u32 = 4096;
/// Last value of the extended-reason protocol range.
pub const EXT_PROTOCOL_RANGE_END: u32 = 32767;

const NET_CAUSES: &[&str] = &[
    "Server down, RDP disabled or TermService stopped",
    "A firewall (Windows Defender Firewall, network firewall, NSG/security group) dropping or rejecting TCP 3389",
    "Wrong host name, IP address or port",
];
const NET_FIX: &[&str] = &[
    TEST_NETCONNECTION,
    SERVICE_RUNNING,
    FIREWALL_RDP,
    LISTENER_PORT,
];

const DNS_CAUSES: &[&str] = &[
    "The host name does not resolve (typo, missing A/AAAA record, wrong DNS suffix)",
    "The client's DNS server is unreachable or answers for the wrong zone (split DNS, VPN not connected)",
];
const DNS_FIX: &[&str] = &[
    "From the client: Resolve-DnsName <server>; nslookup <server>; compare with the server's actual address (ipconfig /all on the server).",
    "Register the host in DNS (ipconfig /registerdns on the server) or connect by FQDN/IP; check the VPN/DNS suffix search list.",
];

const MEM_CAUSES: &[&str] = &["The client ran out of memory or handles (very rare; usually a client bug or a starved machine)"];
const MEM_FIX: &[&str] =
    &["Close other applications, restart the client, update mstsc / Windows App."];

const SEC_CAUSES: &[&str] = &[
    "Security-layer mismatch or a broken Standard RDP Security exchange (old servers, FIPS settings)",
    "TLS/CredSSP failure inside the client's security package",
    "A middlebox altering the stream",
];
const SEC_FIX: &[&str] = &[GPO_SECURITY_LAYER, SCHANNEL_LOG, RDPCORETS_LOG];

/// mstsc `discReason` values.
pub static DISC_REASONS: &[CodeInfo] = &[
    CodeInfo::benign(0x0, "disconnectReasonNoInfo", "No information is available about the disconnection.", &[], &[]),
    CodeInfo::benign(0x1, "disconnectReasonLocalNotError", "The local user disconnected; this is not an error.", &[], &[]),
    CodeInfo::benign(0x2, "disconnectReasonRemoteByUser", "The remote user disconnected or logged off (or an administrator disconnected the session); this is not an error.", &["A user or administrator ended the session (see the extended reason)"], &[LSM_LOG]),
    CodeInfo::benign(0x3, "disconnectReasonByServer", "The server disconnected the session; this is not an error in itself, the extended reason says why.", &["Idle or active session time limit", "Another connection took over the session", "Server shutdown or restart"], &["GPO: ... > Remote Desktop Session Host > Session Time Limits (idle / active / disconnected session limits).", LSM_LOG]),
    CodeInfo::fail(0x4, "UNDOCUMENTED_0x4", "[undocumented] Dialog text in field reports: \"Your session ended because of an error\". Generic end-of-session error.", &["Server-side session failure (reported with RDP Wrapper and xrdp setups)", "Server component crash"], &[RDPCORETS_LOG, LSM_LOG]),
    CodeInfo::fail(0x104, "disconnectReasonDNSLookupFailed", "DNS name lookup failed.", DNS_CAUSES, DNS_FIX),
    CodeInfo::fail(0x106, "disconnectReasonOutOfMemory", "The client ran out of memory.", MEM_CAUSES, MEM_FIX),
    CodeInfo::fail(0x108, "disconnectReasonConnectionTimedOut", "The connection timed out: the client got no answer in time (typically TCP SYNs with no reply).", &["A firewall silently dropping TCP 3389", "Host down or unreachable (routing, VPN not connected)", "Very high latency or packet loss"], NET_FIX),
    CodeInfo::fail(0x204, "disconnectReasonSocketConnectFailed", "The TCP connection to the server failed (516 decimal): refused, reset or unreachable.", NET_CAUSES, NET_FIX),
    CodeInfo::fail(0x206, "disconnectReasonOutOfMemory2", "The client ran out of memory.", MEM_CAUSES, MEM_FIX),
    CodeInfo::fail(0x208, "disconnectReasonHostNotFound", "The host was not found.", DNS_CAUSES, DNS_FIX),
    CodeInfo::fail(0x304, "disconnectReasonWinsockSendFailed", "Sending on the socket failed.", &["The connection was reset or dropped by the network or the server", "Local network stack or VPN problem"], &[TEST_NETCONNECTION, FIREWALL_RDP]),
    CodeInfo::fail(0x306, "disconnectReasonOutOfMemory3", "The client ran out of memory.", MEM_CAUSES, MEM_FIX),
    CodeInfo::fail(0x308, "disconnectReasonInvalidIPAddr", "The IP address given is invalid.", &["A malformed address in the .rdp file or the connection bar"], &["Correct the address; use an FQDN, or an IPv6 address in brackets."]),
    CodeInfo::fail(0x404, "disconnectReasonSocketRecvFailed", "Receiving on the socket failed.", &["The connection was reset by the server or a middlebox", "Network instability (Wi-Fi, VPN) or an idle timeout on a firewall/NAT"], &[TEST_NETCONNECTION, "Check firewall/NAT idle timeouts; enable keep-alive: GPO ... > Remote Desktop Session Host > Connections > \"Configure keep-alive connection interval\"."]),
    CodeInfo::fail(0x406, "disconnectReasonInvalidSecurityData", "The security data received is invalid.", SEC_CAUSES, SEC_FIX),
    CodeInfo::fail(0x408, "disconnectReasonInternalError", "An internal error occurred in the client.", &["Client bug or corrupted client state"], &["Update the client; reset the .rdp file; try another client (FreeRDP) to see if the server is at fault."]),
    CodeInfo::fail(0x506, "disconnectReasonInvalidEncryption", "The encryption method specified is invalid.", &["Encryption level/FIPS mismatch under Standard RDP Security"], &["GPO: ... > Remote Desktop Session Host > Security > \"Set client connection encryption level\"; check \"System cryptography: Use FIPS compliant algorithms\" (Local Policies > Security Options) on both ends.", GPO_SECURITY_LAYER]),
    CodeInfo::fail(0x507, "UNDOCUMENTED_0x507", "[unknown] Reported by users, but no documented or field-sourced meaning was found. Its class byte 0x07 suggests a credential/SSL_ERR-class failure [inference].", &["Unknown; treat as a credential/TLS-layer failure until a capture says otherwise [inference]"], &[SECURITY_4625, SCHANNEL_LOG]),
    CodeInfo::fail(0x508, "disconnectReasonDNSLookupFailed2", "DNS lookup failed.", DNS_CAUSES, DNS_FIX),
    CodeInfo::fail(0x604, "disconnectReasonGetHostByNameFailed", "Resolving the host name failed.", DNS_CAUSES, DNS_FIX),
    CodeInfo::fail(0x606, "disconnectReasonInvalidServerSecurityInfo", "The server's security information is invalid.", SEC_CAUSES, SEC_FIX),
    CodeInfo::fail(0x608, "disconnectReasonTimerError", "An internal timer error occurred in the client.", &["Client-side problem"], &["Restart the client; update mstsc / Windows App."]),
    CodeInfo::fail(0x704, "disconnectReasonTimeoutOccurred", "A timeout occurred during the connection.", &["The server stopped answering mid-connection (overloaded, hung session host)", "Packet loss, MTU black hole (large TLS records never delivered)"], &[TEST_NETCONNECTION, "Check MTU along the path (ping -f -l 1372 <server>); on VPNs lower the MTU/MSS.", LSM_LOG]),
    CodeInfo::fail(0x706, "disconnectReasonServerCertificateUnpackErr", "The server's certificate could not be unpacked (Standard RDP Security proprietary or X.509 certificate).", &["Corrupt or unusual server certificate under Standard RDP Security"], &[RDP_CERT_RENEW, GPO_SECURITY_LAYER]),
    CodeInfo::fail(0x708, "UNDOCUMENTED_0x708", "[undocumented] Dialog text in field reports: the computer could not connect to another console session because a console session is already in progress. Typically a loopback connection (to 127.0.0.x / the machine itself).", &["Connecting to the local machine (loopback) or to a machine from its own console session", "RDP Wrapper / multi-session hacks"], &["Connect from another machine, or use a different host address; do not RDP to the machine you are logged on to."]),
    CodeInfo::fail(0x804, "disconnectReasonInvalidIP", "The IP address is invalid.", &["Malformed or unusable address"], &["Correct the address in the .rdp file or the connection bar."]),
    CodeInfo::fail(0x807, "SSL_ERR_LOGON_FAILURE", "Logon failed: wrong user name or password (or an account problem reported as a generic logon failure) during NLA/CredSSP.", &["Wrong password or user name (check the domain prefix: DOMAIN\\user, user@domain, .\\user for local accounts)", "NTLM rejected because the client connected by IP and Kerberos was impossible", "Account restrictions that are reported as a generic logon failure"], &[SECURITY_4625, ADUC_ACCOUNT, "Try the UPN form user@domain.tld, or .\\user for a local account; connect by FQDN so Kerberos can be used."]),
    CodeInfo::fail(0x808, "disconnectReasonLicensingFailed", "The licensing protocol failed.", &["No RD license server reachable, or no CALs", "Corrupt client licence cache"], &[LICENSING_DIAG, LICENSING_GPO, CLIENT_MSLICENSING]),
    CodeInfo::fail(0x904, "disconnectReasonAtClientWinsockFDCLOSE", "Socket closed: the transport was closed under the client (the server or something on the path closed the TCP connection).", &["The server closed the connection early (see the extended reason; 0x7 = server denied the connection)", "The server cannot use its RDP certificate or private key (Schannel 36870)", "TLS version/cipher mismatch", "Security layer / NLA mismatch", "A firewall or IPS resetting the connection"], &[SCHANNEL_LOG, RDP_CERT_RENEW, MACHINEKEYS_ACL, GPO_SECURITY_LAYER, RDPCORETS_LOG]),
    CodeInfo::fail(0x906, "disconnectReasonInternalSecurityError", "An internal security error occurred.", SEC_CAUSES, SEC_FIX),
    CodeInfo::fail(0x908, "disconnectReasonLicensingTimeout", "The licensing protocol timed out.", &["The session host cannot reach the license server in time", "Network delays during the licensing exchange"], &[LICENSING_DIAG, LICENSING_GPO, "Make sure the session host can reach the license server (RPC, TCP 135 and dynamic ports)."]),
    CodeInfo::fail(0xA06, "disconnectReasonInternalSecurityError2", "An internal security error occurred.", SEC_CAUSES, SEC_FIX),
    CodeInfo::fail(0xA07, "SSL_ERR_NO_SUCH_USER", "The user name does not exist (as reported by the authentication package during NLA).", &["Typo in the user name or wrong domain", "Local account used without .\\ or the machine name prefix"], &["Use DOMAIN\\user, user@domain.tld, or .\\user for a local account.", SECURITY_4625]),
    CodeInfo::fail(0xB06, "disconnectReasonEncryptionError", "An encryption error occurred.", SEC_CAUSES, SEC_FIX),
    CodeInfo::fail(0xB07, "SSL_ERR_ACCOUNT_DISABLED", "The user account is disabled.", &["The account was disabled in Active Directory or locally"], &["Enable the account: Active Directory Users and Computers > user > Account > uncheck \"Account is disabled\" (Enable-ADAccount), or lusrmgr.msc for local accounts."]),
    CodeInfo::fail(0xB09, "UNDOCUMENTED_0xB09", "[undocumented] Dialog text in field reports: the remote computer requires Network Level Authentication, which this client does not support or has disabled.", &["Server requires NLA; client configured with enablecredsspsupport:i:0 or an old client"], &["Enable CredSSP on the client (remove enablecredsspsupport:i:0 from the .rdp file).", GPO_NLA_DISABLE]),
    CodeInfo::fail(0xC06, "disconnectReasonDecryptionError", "A decryption error occurred.", SEC_CAUSES, SEC_FIX),
    CodeInfo::fail(0xC07, "SSL_ERR_ACCOUNT_RESTRICTION", "An account restriction prevents logon (for example an empty password, logon hours or workstation restrictions).", &["Blank password (blocked for network logons by \"Accounts: Limit local account use of blank passwords to console logon only\")", "Logon hours or \"Log On To\" workstation restrictions"], &["Set a password for the account; or check Security Options > \"Accounts: Limit local account use of blank passwords to console logon only\".", "ADUC > user > Account > Logon Hours / Log On To.", SECURITY_4625]),
    CodeInfo::fail(0xC08, "disconnectReasonClientDecompressionError", "The client failed to decompress data from the server.", &["Client/server bulk compression bug", "Corrupted stream"], &["Update the client; disable compression in the .rdp file (compression:i:0) as a test."]),
    CodeInfo::fail(0xD06, "UNDOCUMENTED_0xD06", "[undocumented] Dialog text in field reports: \"Because of a protocol error, this session will be disconnected.\"", PROTOCOL_CAUSES, PROTOCOL_FIX),
    CodeInfo::fail(0xD07, "SSL_ERR_ACCOUNT_LOCKED_OUT", "The user account is locked out.", &["Too many failed logons (often a stale saved password, a mapped drive or a phone retrying)", "An attack guessing passwords"], &["Unlock: ADUC > user > Account > \"Unlock account\" (Unlock-ADAccount); find the source of bad attempts in event 4740 on the PDC emulator.", "Account lockout policy: Computer Configuration > Windows Settings > Security Settings > Account Policies > Account Lockout Policy.", "Remove stale saved credentials (Credential Manager, cmdkey /list)."]),
    CodeInfo::fail(0xE07, "SSL_ERR_ACCOUNT_EXPIRED", "The user account has expired.", &["The account's expiry date has passed"], &["ADUC > user > Account > Account expires: Never / a later date (Set-ADAccountExpiration / Clear-ADAccountExpiration)."]),
    CodeInfo::fail(0xF07, "SSL_ERR_PASSWORD_EXPIRED", "The user's password has expired.", &["Password older than the maximum password age; with NLA the user cannot change it during the RDP logon"], &["Change the password another way (Ctrl+Alt+Del on a domain machine, Outlook Web/SSPR, an admin reset), then reconnect.", "As a temporary workaround an admin can disable NLA so the password change happens in the session (less secure).", ADUC_ACCOUNT]),
    CodeInfo::fail(0x1104, "UNDOCUMENTED_0x1104", "[undocumented] Dialog text: \"Because of a protocol error detected at the client (code 0x1104), this session will be disconnected.\"", PROTOCOL_CAUSES, PROTOCOL_FIX),
    CodeInfo::fail(0x1207, "SSL_ERR_PASSWORD_MUST_CHANGE", "The user must change the password before first logon.", &["\"User must change password at next logon\" is set; NLA cannot perform the change"], &["Change the password first (another machine, SSPR, admin reset without the flag), or clear \"User must change password at next logon\" in ADUC.", "Temporary workaround: disable NLA so the change happens in the session (less secure)."]),
    CodeInfo::fail(0x1607, "SSL_ERR_DELEGATION_POLICY", "Policy does not allow credential delegation to the target server.", &["Credentials Delegation GPO does not list TERMSRV/<server>", "Saved/default credentials used against a server not covered by policy"], &[CRED_DELEGATION]),
    CodeInfo::fail(0x1707, "SSL_ERR_POLICY_NTLM_ONLY", "Credential delegation is not allowed because only NTLM (no mutual authentication) is possible with the server.", &["Connecting by IP or an alias without SPN, so Kerberos is impossible", "Server not domain-joined"], &["Connect by the server's FQDN so Kerberos can be used; register SPNs (setspn -L <server>).", CRED_DELEGATION]),
    CodeInfo::fail(0x1807, "SSL_ERR_NO_AUTHENTICATING_AUTHORITY", "No authority could be contacted for authentication: no domain controller/KDC reachable, the domain name is wrong, or a trust failed.", &["Client cannot reach a DC/KDC (VPN, firewall for TCP/UDP 88)", "Wrong domain in the user name", "Broken trust or secure channel"], &["Check DC reachability: nltest /dsgetdc:<domain>; Test-NetConnection <dc> -Port 88.", "Use the correct domain prefix; Test-ComputerSecureChannel -Repair on the server."]),
    CodeInfo::fail(0x1B07, "SSL_ERR_CERT_EXPIRED", "The certificate received from the server has expired.", &["Expired RDP certificate (self-signed or from a template)"], &[RDP_CERT_RENEW, "For CA-issued certificates: renew via GPO ... > Remote Desktop Session Host > Security > \"Server authentication certificate template\" and check autoenrollment."]),
    CodeInfo::fail(0x1C07, "SSL_ERR_SMARTCARD_WRONG_PIN", "The smart card PIN is wrong.", &["Wrong PIN entered"], &["Re-enter the PIN; check remaining retries before the card blocks."]),
    CodeInfo::fail(0x2104, "UNDOCUMENTED_0x2104", "[undocumented] Reported as \"Protocol error\" by Microsoft Remote Desktop for Mac against an xrdp server with a self-signed certificate.", &["Client/server TLS or certificate incompatibility (xrdp self-signed key/cert)"], &["On xrdp: regenerate /etc/xrdp/cert.pem and key.pem and check the xrdp user can read key.pem; update the client."]),
    CodeInfo::fail(0x2107, "SSL_ERR_FRESH_CRED_REQUIRED_BY_SERVER", "The server requires freshly typed credentials; saved credentials are not accepted.", &["\"Always prompt for password upon connection\" is enabled on the server"], &["Type the password when prompted; or disable GPO ... > Remote Desktop Session Host > Security > \"Always prompt for password upon connection\"."]),
    CodeInfo::fail(0x2207, "SSL_ERR_SMARTCARD_CARD_BLOCKED", "The smart card is blocked.", &["Too many wrong PIN attempts"], &["Unblock the card with the PUK / card management tool, or issue a new card."]),
    CodeInfo::fail(0x0300_0019, "UNDOCUMENTED_GATEWAY_0x03000019", "[undocumented] RD Gateway code (50331673): the RD Gateway server administrator ended the connection.", &["An administrator disconnected the connection on the RD Gateway", "Gateway session timeout policy"], &["On the gateway: RD Gateway Manager > Monitoring; check the CAP/RAP timeout settings and Microsoft-Windows-TerminalServices-Gateway/Operational."]),
    CodeInfo::fail(0x0300_001B, "UNDOCUMENTED_GATEWAY_0x0300001B", "[undocumented] RD Gateway code (50331675): the user is not in the RD Gateway's permission list (connection authorization policy).", &["The user is not a member of the groups in the RD CAP/RAP"], &["RD Gateway Manager > Policies > Connection Authorization Policies (CAP) and Resource Authorization Policies (RAP): add the user's group and the target computer."]),
];

const EXT_LICENSE_FIX: &[&str] = &[LICENSING_DIAG, LICENSING_GPO, CLIENT_MSLICENSING];
const EXT_LICENSE_CAUSES: &[&str] = &[
    "Licensing problem on the session host (see the ERRINFO_LICENSE_* code with the same number)",
];

/// mstsc `ExtendedDisconnectReasonCode` values (the 4096–32767 protocol
/// range is handled by [`extended`]).
pub static EXTENDED_REASONS: &[CodeInfo] = &[
    CodeInfo::benign(0, "exDiscReasonNoInfo", "No extended information: the server sent no reason (no Set Error Info PDU), so the cause lies below RDP (TCP, TLS, CredSSP) or the server closed without explaining.", &[], &[]),
    CodeInfo::benign(1, "exDiscReasonAPIInitiatedDisconnect", "An administrative tool on the server, in another session, disconnected the session.", &["An admin used Task Manager, tsdiscon, Remote Desktop Services Manager or a script"], &[LSM_LOG]),
    CodeInfo::benign(2, "exDiscReasonAPIInitiatedLogoff", "An administrative tool on the server, in another session, logged the session off.", &["An admin used logoff/Remove-RDSession or a script"], &[LSM_LOG]),
    CodeInfo::fail(3, "exDiscReasonServerIdleTimeout", "The server's idle session time limit elapsed.", &["Session Time Limits policy on the server"], &["GPO: ... > Remote Desktop Session Host > Session Time Limits > \"Set time limit for active but idle Remote Desktop Services sessions\"."]),
    CodeInfo::fail(4, "exDiscReasonServerLogonTimeout", "The server's active session time limit elapsed.", &["Session Time Limits policy on the server"], &["GPO: ... > Remote Desktop Session Host > Session Time Limits > \"Set time limit for active Remote Desktop Services sessions\"."]),
    CodeInfo::benign(5, "exDiscReasonReplacedByOtherConnection", "Another connection took over the session.", &["The same user connected from another device, or another user took the console"], &["GPO: ... > Remote Desktop Session Host > Connections > \"Restrict Remote Desktop Services users to a single Remote Desktop Services session\"."]),
    CodeInfo::fail(6, "exDiscReasonOutOfMemory", "The server ran out of memory.", &["Session host out of memory or desktop heap"], &["Check memory pressure on the server; reduce sessions or add memory; review the System log."]),
    CodeInfo::fail(7, "exDiscReasonServerDeniedConnection", "The server denied the connection.", &["Expired or corrupt self-signed RDP certificate, or a private key the service cannot read (Schannel 36870) [unverified field reports]", "Security layer / NLA mismatch", "Connection limit reached or RDP connections disabled by policy"], &[RDP_CERT_RENEW, MACHINEKEYS_ACL, SCHANNEL_LOG, GPO_SECURITY_LAYER, "GPO: ... > Remote Desktop Session Host > Connections > \"Allow users to connect remotely by using Remote Desktop Services\" and \"Limit number of connections\"."]),
    CodeInfo::fail(8, "exDiscReasonServerDeniedConnectionFips", "The server denied the connection for security reasons; the name points at a FIPS encryption requirement the client could not meet [inference from the name].", &["\"System cryptography: Use FIPS compliant algorithms\" enabled on the server with Standard RDP Security"], &["Use TLS (SSL security layer) instead of Standard RDP Security, or align FIPS settings: Local Policies > Security Options > \"System cryptography: Use FIPS compliant algorithms...\".", GPO_SECURITY_LAYER]),
    CodeInfo::fail(9, "exDiscReasonServerInsufficientPrivileges", "The user may not log on to the server: insufficient access privileges.", &["User not in Remote Desktop Users / lacks \"Allow log on through Remote Desktop Services\""], &[USER_RIGHT_RDS]),
    CodeInfo::fail(10, "exDiscReasonServerFreshCredsRequired", "The server requires the user to type credentials; saved credentials are not accepted.", &["\"Always prompt for password upon connection\" is enabled"], &["Type the password; or GPO ... > Remote Desktop Session Host > Security > \"Always prompt for password upon connection\"."]),
    CodeInfo::benign(11, "exDiscReasonRpcInitiatedDisconnectByUser", "The user disconnected the session with an administrative tool in the session itself.", &[], &[]),
    CodeInfo::benign(12, "exDiscReasonLogoffByUser", "The user logged off.", &[], &[]),
    CodeInfo::benign(25, "exDiscReasonShutdown", "The remote computer is shutting down. [MsTscAx type library only; not in the documentation]", &["Server shutdown"], &[]),
    CodeInfo::benign(26, "exDiscReasonReboot", "The remote computer is restarting. [MsTscAx type library only; not in the documentation]", &["Server restart (updates, admin)"], &[]),
    CodeInfo::fail(256, "exDiscReasonLicenseInternal", "Internal error in the server's licensing component.", EXT_LICENSE_CAUSES, EXT_LICENSE_FIX),
    CodeInfo::fail(257, "exDiscReasonLicenseNoLicenseServer", "No Remote Desktop license server could be found.", &["License server not configured or unreachable", "Grace period (120 days) expired"], EXT_LICENSE_FIX),
    CodeInfo::fail(258, "exDiscReasonLicenseNoLicense", "No Client Access Licenses are available.", &["All CALs issued, or wrong CAL type (Per User vs Per Device)"], EXT_LICENSE_FIX),
    CodeInfo::fail(259, "exDiscReasonLicenseErrClientMsg", "The server received an invalid licensing message from the client.", EXT_LICENSE_CAUSES, EXT_LICENSE_FIX),
    CodeInfo::fail(260, "exDiscReasonLicenseHwidDoesntMatchLicense", "The client's stored licence was modified (hardware ID mismatch).", &["Cloned client image or corrupted licence cache"], &[CLIENT_MSLICENSING]),
    CodeInfo::fail(261, "exDiscReasonLicenseErrClientLicense", "The client's stored licence has an invalid format.", &["Corrupted client licence cache"], &[CLIENT_MSLICENSING]),
    CodeInfo::fail(262, "exDiscReasonLicenseCantFinishProtocol", "Network problems interrupted the licensing protocol.", &["Packet loss or a dropped connection during licensing"], &[LICENSING_DIAG, TEST_NETCONNECTION]),
    CodeInfo::fail(263, "exDiscReasonLicenseClientEndedProtocol", "The client ended the licensing protocol early.", &["Client could not store the licence (permissions on MSLicensing)"], &[CLIENT_MSLICENSING]),
    CodeInfo::fail(264, "exDiscReasonLicenseErrClientEncryption", "A licensing message was encrypted incorrectly.", EXT_LICENSE_CAUSES, EXT_LICENSE_FIX),
    CodeInfo::fail(265, "exDiscReasonLicenseCantUpgradeLicense", "The client's licence could not be upgraded or renewed.", &["License server unreachable or out of CALs at renewal", "Client cannot write its licence store"], EXT_LICENSE_FIX),
    CodeInfo::fail(266, "exDiscReasonLicenseNoRemoteConnections", "The remote computer is not licensed to accept remote connections.", &["RD Session Host role installed without licensing configured, grace period over"], EXT_LICENSE_FIX),
    CodeInfo::fail(267, "exDiscReasonLicenseCreatingLicStoreAccDenied", "Access was denied while creating the licence store [meaning read from the name; undocumented detail].", &["mstsc runs without rights to create HKLM\\SOFTWARE\\Microsoft\\MSLicensing"], &[CLIENT_MSLICENSING]),
    CodeInfo::fail(768, "exDiscReasonRdpEncInvalidCredentials", "Invalid credentials were supplied (RDP encryption layer).", &["Wrong user name or password", "Saved credentials out of date"], &[SECURITY_4625, "Delete stale saved credentials (Credential Manager / cmdkey /delete:TERMSRV/<server>) and retype."]),
];

/// The range entry for extended reasons 4096–32767.
pub static EXT_PROTOCOL_RANGE: CodeInfo = CodeInfo::fail(
    EXT_PROTOCOL_RANGE_START,
    "exDiscReasonProtocolRange",
    "Internal protocol error (extended reasons 4096–32767 mirror the server's ERRINFO protocol-error codes 0x10C9–0x1195): one side received RDP data it could not process.",
    PROTOCOL_CAUSES,
    PROTOCOL_FIX,
);

/// Look up an extended reason, including the 4096–32767 protocol range.
pub fn extended(code: u32) -> Option<&'static CodeInfo> {
    super::find(EXTENDED_REASONS, code).or_else(|| {
        (EXT_PROTOCOL_RANGE_START..=EXT_PROTOCOL_RANGE_END)
            .contains(&code)
            .then_some(&EXT_PROTOCOL_RANGE)
    })
}

/// The class a `discReason` belongs to, from its low byte
/// **[inference from the documented table]**.
pub fn disc_class(code: u32) -> Option<&'static str> {
    if !(0x100..=0xFFFF).contains(&code) {
        return None;
    }
    match code & 0xFF {
        0x04 => Some("network/socket (low byte 0x04)"),
        0x06 => Some("security layer (low byte 0x06)"),
        0x07 => Some("credentials / SSL_ERR (low byte 0x07)"),
        0x08 => Some("licensing / internal (low byte 0x08)"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(
            super::super::find(DISC_REASONS, 516).map(|e| e.name),
            Some("disconnectReasonSocketConnectFailed")
        );
        assert_eq!(
            super::super::find(DISC_REASONS, 2308).map(|e| e.code),
            Some(0x904)
        );
        assert_eq!(
            extended(4096).map(|e| e.name),
            Some("exDiscReasonProtocolRange")
        );
        assert_eq!(
            extended(32767).map(|e| e.name),
            Some("exDiscReasonProtocolRange")
        );
        assert!(extended(32768).is_none());
        assert!(extended(13).is_none());
        assert_eq!(
            disc_class(0x1B07),
            Some("credentials / SSL_ERR (low byte 0x07)")
        );
        assert_eq!(disc_class(0x3), None);
    }

    #[test]
    fn ssl_err_codes_have_credential_class() {
        for e in DISC_REASONS {
            if e.name.starts_with("SSL_ERR_") {
                assert_eq!(e.code & 0xFF, 0x07, "{}", e.name);
            }
        }
    }
}
