//! FreeRDP error codes (`include/freerdp/error.h`):
//! `MAKE_FREERDP_ERROR(class, type) = (class << 16) | type`.
//! Class 1 wraps a received ERRINFO code; class 2 is ERRCONNECT_*.

use super::common::*;
use super::CodeInfo;

/// FreeRDP error class of the ERRINFO codes.
pub const CLASS_ERRINFO: u32 = 1;
/// FreeRDP error class of the ERRCONNECT codes.
pub const CLASS_CONNECT: u32 = 2;

const fn c(t: u32) -> u32 {
    (CLASS_CONNECT << 16) | t
}

const CRED_FIX: &[&str] = &[SECURITY_4625, ADUC_ACCOUNT];

/// FreeRDP ERRCONNECT_* codes, stored with the class prefix (0x0002xxxx).
pub static ERRCONNECT: &[CodeInfo] = &[
    CodeInfo::fail(c(0x01), "ERRCONNECT_PRE_CONNECT_FAILED", "The client's pre-connect step failed (before any network activity).", &["Bad command-line options, missing plugins or channels"], &["Re-run FreeRDP with /log-level:DEBUG and check the options."]),
    CodeInfo::fail(c(0x02), "ERRCONNECT_CONNECT_UNDEFINED", "The connection failed for an undefined reason.", &["Unclassified failure in the connection sequence"], &["Re-run with /log-level:TRACE and capture the traffic."]),
    CodeInfo::fail(c(0x03), "ERRCONNECT_POST_CONNECT_FAILED", "The client's post-connect step failed (after the connection was set up).", &["Client-side display/codec/channel initialisation failure"], &["Update FreeRDP; try without optional channels (/gfx, /rfx, drives)."]),
    CodeInfo::fail(c(0x04), "ERRCONNECT_DNS_ERROR", "A DNS error occurred.", &["DNS server unreachable"], &["Resolve-DnsName <server>; check the resolver configuration."]),
    CodeInfo::fail(c(0x05), "ERRCONNECT_DNS_NAME_NOT_FOUND", "The DNS name was not found.", &["Typo or missing DNS record"], &["Resolve-DnsName <server>; register the host in DNS or use the IP address."]),
    CodeInfo::fail(c(0x06), "ERRCONNECT_CONNECT_FAILED", "The connection failed.", &["Server unreachable, port closed or filtered"], &[TEST_NETCONNECTION, SERVICE_RUNNING, FIREWALL_RDP]),
    CodeInfo::fail(c(0x07), "ERRCONNECT_MCS_CONNECT_INITIAL_ERROR", "The MCS Connect Initial / Response exchange failed.", &["Server rejected the client's settings (channels, monitors, security data)", "Security layer mismatch"], &[RDPCORETS_LOG, GPO_SECURITY_LAYER]),
    CodeInfo::fail(c(0x08), "ERRCONNECT_TLS_CONNECT_FAILED", "The TLS handshake failed.", &["TLS version or cipher mismatch", "Server cannot use its certificate/key (Schannel 36870)", "Server replied SSL_CERT_NOT_ON_SERVER"], &[SCHANNEL_LOG, TLS_VERSIONS, RDP_CERT_RENEW]),
    CodeInfo::fail(c(0x09), "ERRCONNECT_AUTHENTICATION_FAILED", "Authentication failed (also FreeRDP's default for CredSSP NTSTATUS values it does not map to a specific code).", &["Wrong credentials", "NTLM rejected by the server (often shows as TLS alert 80)", "Expired password"], &[SECURITY_4625, KERBEROS_HINT]),
    CodeInfo::fail(c(0x0A), "ERRCONNECT_INSUFFICIENT_PRIVILEGES", "The user has insufficient privileges.", &["User lacks the RDS logon right"], &[USER_RIGHT_RDS]),
    CodeInfo::benign(c(0x0B), "ERRCONNECT_CONNECT_CANCELLED", "The connection was cancelled (by the user or the application).", &["User aborted, e.g. at the certificate prompt"], &[]),
    CodeInfo::fail(c(0x0C), "ERRCONNECT_SECURITY_NEGO_CONNECT_FAILED", "Security negotiation failed: no security protocol both sides accept.", &["RDP_NEG_FAILURE from the server", "Client restricted to one protocol (/sec:) the server does not allow"], &[GPO_SECURITY_LAYER, GPO_NLA, "Try /sec:nla, /sec:tls or /sec:rdp to find the accepted protocol."]),
    CodeInfo::fail(c(0x0D), "ERRCONNECT_CONNECT_TRANSPORT_FAILED", "The connection transport layer failed (FreeRDP's most common opaque error: TCP, TLS or the server closing the socket).", &["Port closed/filtered", "Server closed during TLS or NLA (certificate/key problem, NLA rejection)", "Gateway/proxy failure"], &[TEST_NETCONNECTION, SCHANNEL_LOG, RDPCORETS_LOG, "Re-run FreeRDP with /log-level:DEBUG to see which stage failed."]),
    CodeInfo::fail(c(0x0E), "ERRCONNECT_PASSWORD_EXPIRED", "The password has expired.", &["Password older than the maximum age"], &["Change the password another way, then reconnect.", ADUC_ACCOUNT]),
    CodeInfo::fail(c(0x0F), "ERRCONNECT_PASSWORD_CERTAINLY_EXPIRED", "The password has expired (FreeRDP's guess on non-domain workstations that cannot reach a KDC).", &["Expired password, KDC unreachable from the client"], &["Change the password another way, then reconnect."]),
    CodeInfo::fail(c(0x10), "ERRCONNECT_CLIENT_REVOKED", "The client's credentials were revoked (Kerberos).", &["Account disabled/locked or certificate revoked"], CRED_FIX),
    CodeInfo::fail(c(0x11), "ERRCONNECT_KDC_UNREACHABLE", "The Kerberos KDC is unreachable.", &["No route to a DC on TCP/UDP 88", "Wrong realm / DNS SRV records"], &["Check _kerberos._tcp SRV records; Test-NetConnection <dc> -Port 88; or allow NTLM fallback."]),
    CodeInfo::fail(c(0x12), "ERRCONNECT_ACCOUNT_DISABLED", "The account is disabled.", &["Account disabled"], CRED_FIX),
    CodeInfo::fail(c(0x13), "ERRCONNECT_PASSWORD_MUST_CHANGE", "The password must be changed before logon.", &["\"User must change password at next logon\" set"], &["Change the password first or clear the flag in ADUC."]),
    CodeInfo::fail(c(0x14), "ERRCONNECT_LOGON_FAILURE", "Logon failed (wrong user name or password).", &["Wrong credentials or domain"], CRED_FIX),
    CodeInfo::fail(c(0x15), "ERRCONNECT_WRONG_PASSWORD", "The password is wrong.", &["Wrong password"], CRED_FIX),
    CodeInfo::fail(c(0x16), "ERRCONNECT_ACCESS_DENIED", "Access denied (also FreeRDP's reading of an Early User Authorization AUTHZ_ACCESS_DENIED: the user lacks the RDS logon right).", &["User lacks \"Allow log on through Remote Desktop Services\""], &[USER_RIGHT_RDS]),
    CodeInfo::fail(c(0x17), "ERRCONNECT_ACCOUNT_RESTRICTION", "An account restriction prevents logon.", &["Blank password, logon hours, workstation restriction, Protected Users"], CRED_FIX),
    CodeInfo::fail(c(0x18), "ERRCONNECT_ACCOUNT_LOCKED_OUT", "The account is locked out.", &["Too many bad passwords"], &["Unlock-ADAccount <user>; find the source via event 4740."]),
    CodeInfo::fail(c(0x19), "ERRCONNECT_ACCOUNT_EXPIRED", "The account has expired.", &["Account expiry date passed"], &["Clear-ADAccountExpiration <user> or set a later date in ADUC."]),
    CodeInfo::fail(c(0x1A), "ERRCONNECT_LOGON_TYPE_NOT_GRANTED", "The requested logon type is not granted to the user.", &["Missing network logon or RDS logon right"], &[USER_RIGHT_NETWORK, USER_RIGHT_RDS]),
    CodeInfo::fail(c(0x1B), "ERRCONNECT_NO_OR_MISSING_CREDENTIALS", "No credentials, or incomplete credentials, were supplied.", &["User name or password missing for NLA"], &["Pass /u: /p: (and /d:) or let FreeRDP prompt."]),
    CodeInfo::fail(c(0x1C), "ERRCONNECT_ACTIVATION_TIMEOUT", "The capability exchange / activation did not finish in time.", &["Server slow to create the session (profile load, GPO processing)", "Network stalls during activation"], &[LSM_LOG, RDPCORETS_LOG]),
    CodeInfo::fail(c(0x1D), "ERRCONNECT_TARGET_BOOTING", "The target is still booting (broker / VM case).", &["Pooled VM starting"], &["Retry after the VM has booted; check the broker and VM host logs."]),
    CodeInfo::fail(c(0x1E), "ERRCONNECT_HYBRID_REQUIRED_BY_SERVER", "The server requires NLA (CredSSP) but NLA is disabled on the client.", &["Server answered HYBRID_REQUIRED_BY_SERVER; client run with /sec:tls, /sec:rdp or -sec-nla"], &["Enable NLA in the client (/sec:nla, or no /sec: option) and supply credentials.", GPO_NLA_DISABLE]),
];

const KERBEROS_HINT: &str =
    "Connect by FQDN so Kerberos can be used instead of NTLM; pass the domain (/d:) explicitly.";

/// Look up a class-1 FreeRDP error (`0x0001xxxx`) in the ERRINFO table.
pub fn errinfo_class(code: u32) -> Option<&'static CodeInfo> {
    if code >> 16 != CLASS_ERRINFO {
        return None;
    }
    super::find(super::errinfo::ERRINFO, code & 0xFFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_connect_codes_are_class_2() {
        for e in ERRCONNECT {
            assert_eq!(e.code >> 16, CLASS_CONNECT, "{}", e.name);
        }
        assert_eq!(ERRCONNECT.len(), 0x1E);
    }
}
