//! NTSTATUS values a server returns in CredSSP TSRequest.errorCode (MS-CSSP
//! 2.2.1, CredSSP version ≥ 3), and the mstsc / FreeRDP codes they surface
//! as. These are also the Status / Sub Status values of Security event 4625.
//!
//! Windows servers often answer a rejected NTLM AUTHENTICATE with a TLS alert
//! 80 (internal_error) instead of a TSRequest carrying errorCode.

use super::common::*;
use super::CodeInfo;

/// One NTSTATUS → mstsc `discReason` correspondence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MstscMapping {
    /// The NTSTATUS value.
    pub ntstatus: u32,
    /// The mstsc SSL_ERR_* discReason.
    pub mstsc: u32,
    /// `false` when the pair rests on the matching names (STATUS_X ↔
    /// SSL_ERR_X); `true` when it is our inference.
    pub inference: bool,
}

const fn by_name(ntstatus: u32, mstsc: u32) -> MstscMapping {
    MstscMapping {
        ntstatus,
        mstsc,
        inference: false,
    }
}

const fn inferred(ntstatus: u32, mstsc: u32) -> MstscMapping {
    MstscMapping {
        ntstatus,
        mstsc,
        inference: true,
    }
}

/// NTSTATUS → mstsc discReason. The SSL_ERR_* names mirror the STATUS_*
/// names; Microsoft does not document the client's mapping itself.
pub static NTSTATUS_TO_MSTSC: &[MstscMapping] = &[
    by_name(STATUS_LOGON_FAILURE, 0x807),
    by_name(STATUS_NO_SUCH_USER, 0xA07),
    by_name(STATUS_ACCOUNT_DISABLED, 0xB07),
    by_name(STATUS_ACCOUNT_RESTRICTION, 0xC07),
    by_name(STATUS_ACCOUNT_LOCKED_OUT, 0xD07),
    by_name(STATUS_ACCOUNT_EXPIRED, 0xE07),
    by_name(STATUS_PASSWORD_EXPIRED, 0xF07),
    by_name(STATUS_PASSWORD_MUST_CHANGE, 0x1207),
    inferred(STATUS_WRONG_PASSWORD, 0x807),
    inferred(STATUS_NO_LOGON_SERVERS, 0x1807),
];

/// NTSTATUS → FreeRDP connect-class error (FreeRDP `nla.c` client mapping);
/// anything else becomes ERRCONNECT_AUTHENTICATION_FAILED.
pub static NTSTATUS_TO_FREERDP: &[(u32, u32)] = &[
    (STATUS_LOGON_FAILURE, 0x0002_0014),
    (STATUS_WRONG_PASSWORD, 0x0002_0015),
    (STATUS_PASSWORD_EXPIRED, 0x0002_000E),
    (STATUS_PASSWORD_MUST_CHANGE, 0x0002_0013),
    (STATUS_ACCOUNT_DISABLED, 0x0002_0012),
    (STATUS_ACCOUNT_RESTRICTION, 0x0002_0017),
    (STATUS_ACCOUNT_LOCKED_OUT, 0x0002_0018),
    (STATUS_ACCOUNT_EXPIRED, 0x0002_0019),
    (STATUS_LOGON_TYPE_NOT_GRANTED, 0x0002_001A),
    (STATUS_ACCESS_DENIED, 0x0002_0016),
];

/// FreeRDP's default for unmapped NTSTATUS values.
pub const FREERDP_AUTHENTICATION_FAILED: u32 = 0x0002_0009;

pub const STATUS_ACCESS_DENIED: u32 = 0xC000_0022;
pub const STATUS_NO_LOGON_SERVERS: u32 = 0xC000_005E;
pub const STATUS_NO_SUCH_USER: u32 = 0xC000_0064;
pub const STATUS_WRONG_PASSWORD: u32 = 0xC000_006A;
pub const STATUS_LOGON_FAILURE: u32 = 0xC000_006D;
pub const STATUS_ACCOUNT_RESTRICTION: u32 = 0xC000_006E;
pub const STATUS_INVALID_LOGON_HOURS: u32 = 0xC000_006F;
pub const STATUS_INVALID_WORKSTATION: u32 = 0xC000_0070;
pub const STATUS_PASSWORD_EXPIRED: u32 = 0xC000_0071;
pub const STATUS_ACCOUNT_DISABLED: u32 = 0xC000_0072;
pub const STATUS_NO_SUCH_DOMAIN: u32 = 0xC000_00DF;
pub const STATUS_TIME_DIFFERENCE_AT_DC: u32 = 0xC000_0133;
pub const STATUS_LOGON_TYPE_NOT_GRANTED: u32 = 0xC000_015B;
pub const STATUS_NO_TRUST_SAM_ACCOUNT: u32 = 0xC000_018B;
pub const STATUS_TRUSTED_DOMAIN_FAILURE: u32 = 0xC000_018C;
pub const STATUS_TRUSTED_RELATIONSHIP_FAILURE: u32 = 0xC000_018D;
pub const STATUS_NETLOGON_NOT_STARTED: u32 = 0xC000_0192;
pub const STATUS_ACCOUNT_EXPIRED: u32 = 0xC000_0193;
pub const STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT: u32 = 0xC000_0199;
pub const STATUS_USER_SESSION_DELETED: u32 = 0xC000_0203;
pub const STATUS_PASSWORD_MUST_CHANGE: u32 = 0xC000_0224;
pub const STATUS_ACCOUNT_LOCKED_OUT: u32 = 0xC000_0234;
pub const STATUS_MUTUAL_AUTHENTICATION_FAILED: u32 = 0xC000_02C3;
pub const STATUS_UNFINISHED_CONTEXT_DELETED: u32 = 0xC000_02EE;
pub const STATUS_SMARTCARD_LOGON_REQUIRED: u32 = 0xC000_02FA;
pub const STATUS_PKINIT_FAILURE: u32 = 0xC000_0320;
pub const STATUS_DOWNGRADE_DETECTED: u32 = 0xC000_0388;
pub const STATUS_KDC_CERT_REVOKED: u32 = 0xC000_040F;
pub const STATUS_AUTHENTICATION_FIREWALL_FAILED: u32 = 0xC000_0413;
pub const STATUS_NTLM_BLOCKED: u32 = 0xC000_0418;

const USE_NAME_FORMS: &str = "Retype the credentials; use DOMAIN\\user, user@domain.tld, or .\\user for a local account; delete stale saved credentials (cmdkey /list, cmdkey /delete:TERMSRV/<server>).";
pub(crate) const KERBEROS_BY_FQDN: &str = "Connect by the server's FQDN (not IP or alias) so Kerberos can be used; check SPNs with setspn -L <server>.";

/// NTSTATUS values seen in CredSSP errorCode.
pub static NTSTATUS: &[CodeInfo] = &[
    CodeInfo::fail(STATUS_ACCESS_DENIED, "STATUS_ACCESS_DENIED", "Access denied. FreeRDP reports ERRCONNECT_ACCESS_DENIED; mstsc has no dedicated SSL_ERR code for it.", &["The account is not allowed to log on to this server", "Remote Credential Guard / Restricted Admin refused"], &[USER_RIGHT_RDS, USER_RIGHT_NETWORK, SECURITY_4625]),
    CodeInfo::fail(STATUS_NO_LOGON_SERVERS, "STATUS_NO_LOGON_SERVERS", "No logon server (domain controller) was available to process the logon. mstsc likely shows 0x1807 SSL_ERR_NO_AUTHENTICATING_AUTHORITY [inference].", &["Server cannot reach a DC", "DNS for the domain broken on the server"], &["On the server: nltest /dsgetdc:<domain>; check DNS servers point at DCs; Test-NetConnection <dc> -Port 88 / 389."]),
    CodeInfo::fail(STATUS_NO_SUCH_USER, "STATUS_NO_SUCH_USER", "The user name does not exist. mstsc's matching code: 0xA07 SSL_ERR_NO_SUCH_USER.", &["Typo or wrong domain", "Local account without .\\ prefix"], &[USE_NAME_FORMS, SECURITY_4625]),
    CodeInfo::fail(STATUS_WRONG_PASSWORD, "STATUS_WRONG_PASSWORD", "The password is wrong. Servers usually report a generic STATUS_LOGON_FAILURE instead; mstsc then shows 0x807 [inference].", &["Wrong or stale saved password"], &[USE_NAME_FORMS, SECURITY_4625]),
    CodeInfo::fail(STATUS_LOGON_FAILURE, "STATUS_LOGON_FAILURE", "Logon failure: unknown user name or bad password. mstsc's matching code: 0x807 SSL_ERR_LOGON_FAILURE; FreeRDP ERRCONNECT_LOGON_FAILURE.", &["Wrong password or user name, wrong domain", "Stale saved credentials", "NTLM used (connection by IP) where only Kerberos is accepted"], &[USE_NAME_FORMS, SECURITY_4625, KERBEROS_BY_FQDN]),
    CodeInfo::fail(STATUS_ACCOUNT_RESTRICTION, "STATUS_ACCOUNT_RESTRICTION", "An account restriction prevents logon (blank password, logon hours, workstation restrictions, Protected Users). mstsc's matching code: 0xC07 SSL_ERR_ACCOUNT_RESTRICTION.", &["Blank password on a local account", "Account is in Protected Users and NTLM was used"], &["Set a password; check Security Options > \"Accounts: Limit local account use of blank passwords to console logon only\".", KERBEROS_BY_FQDN, SECURITY_4625]),
    CodeInfo::fail(STATUS_INVALID_LOGON_HOURS, "STATUS_INVALID_LOGON_HOURS", "The user may not log on at this time (logon hours restriction).", &["Logon Hours set on the account"], &["ADUC > user > Account > Logon Hours."]),
    CodeInfo::fail(STATUS_INVALID_WORKSTATION, "STATUS_INVALID_WORKSTATION", "The user may not log on from / to this workstation (\"Log On To\" restriction).", &["\"Log On To\" list on the account excludes the target"], &["ADUC > user > Account > Log On To: add the server's NetBIOS name."]),
    CodeInfo::fail(STATUS_PASSWORD_EXPIRED, "STATUS_PASSWORD_EXPIRED", "The password has expired. mstsc's matching code: 0xF07 SSL_ERR_PASSWORD_EXPIRED; FreeRDP ERRCONNECT_PASSWORD_EXPIRED.", &["Password older than the maximum password age"], &["Change the password another way (Ctrl+Alt+Del on a domain PC, SSPR, admin reset), then reconnect.", ADUC_ACCOUNT]),
    CodeInfo::fail(STATUS_ACCOUNT_DISABLED, "STATUS_ACCOUNT_DISABLED", "The account is disabled. mstsc's matching code: 0xB07 SSL_ERR_ACCOUNT_DISABLED.", &["Account disabled in AD or locally"], &["Enable-ADAccount <user>, or ADUC > Account > uncheck \"Account is disabled\"; lusrmgr.msc for local accounts."]),
    CodeInfo::fail(STATUS_NO_SUCH_DOMAIN, "STATUS_NO_SUCH_DOMAIN", "The domain named in the user name does not exist or cannot be found from the server.", &["Typo in the domain part (DOMAIN\\user)", "A NetBIOS domain name the server cannot resolve (no trust, WINS/DNS suffix missing)"], &["Use user@domain.tld (UPN) or the correct NetBIOS domain; on the server check nltest /dsgetdc:<domain> and nltest /domain_trusts."]),
    CodeInfo::fail(STATUS_TIME_DIFFERENCE_AT_DC, "STATUS_TIME_DIFFERENCE_AT_DC", "The clocks of the client, server and DC differ too much for Kerberos.", &["Clock skew above 5 minutes", "Broken time sync in a VM"], &["w32tm /query /status and w32tm /resync on client and server; make the PDC emulator sync from a reliable source."]),
    CodeInfo::fail(STATUS_LOGON_TYPE_NOT_GRANTED, "STATUS_LOGON_TYPE_NOT_GRANTED", "The user has not been granted the requested logon type on this machine (network logon for NLA, or Remote Interactive). FreeRDP ERRCONNECT_LOGON_TYPE_NOT_GRANTED.", &["Missing \"Access this computer from the network\" or \"Allow log on through Remote Desktop Services\"", "A Deny logon right applies"], &[USER_RIGHT_NETWORK, USER_RIGHT_RDS]),
    CodeInfo::fail(STATUS_NO_TRUST_SAM_ACCOUNT, "STATUS_NO_TRUST_SAM_ACCOUNT", "The DC has no computer account for the machine trying to authenticate: the server's (or client's) computer account is missing.", &["Computer account deleted or never created", "Machine restored from an old snapshot with another identity"], &["Rejoin the machine to the domain (Remove-Computer / Add-Computer, or via System Properties), or recreate the account and run Test-ComputerSecureChannel -Repair."]),
    CodeInfo::fail(STATUS_TRUSTED_DOMAIN_FAILURE, "STATUS_TRUSTED_DOMAIN_FAILURE", "The trust relationship between the primary domain and the trusted domain failed (the user comes from another domain).", &["Broken or expired inter-domain trust", "DCs of the trusted domain unreachable"], &["nltest /sc_verify:<trusted domain> on the server's DC; validate the trust in Active Directory Domains and Trusts; Test-NetConnection to the trusted domain's DCs on 88 / 389 / 445."]),
    CodeInfo::fail(STATUS_TRUSTED_RELATIONSHIP_FAILURE, "STATUS_TRUSTED_RELATIONSHIP_FAILURE", "The trust relationship between the server and the domain failed.", &["Broken computer account secure channel", "Broken domain trust"], &["On the server: Test-ComputerSecureChannel -Repair -Credential <admin>; or rejoin the domain."]),
    CodeInfo::fail(STATUS_NETLOGON_NOT_STARTED, "STATUS_NETLOGON_NOT_STARTED", "A logon needed the Netlogon service and it is not running on the machine handling the authentication.", &["Netlogon stopped or disabled (sometimes by hardening scripts)", "Machine still booting"], &["Get-Service Netlogon; Set-Service Netlogon -StartupType Automatic; Start-Service Netlogon (on a domain member or DC)."]),
    CodeInfo::fail(STATUS_ACCOUNT_EXPIRED, "STATUS_ACCOUNT_EXPIRED", "The account has expired. mstsc's matching code: 0xE07 SSL_ERR_ACCOUNT_EXPIRED.", &["Account expiry date passed"], &["ADUC > user > Account > Account expires; Clear-ADAccountExpiration <user>."]),
    CodeInfo::fail(STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT, "STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT", "The account used is a computer (workstation trust) account; computer accounts cannot log on interactively. Usually a wrong user name that matches a computer name, or a machine credential in use.", &["User typed a computer name (NAME$) or the wrong account was picked up"], &["Log on with a user account; check which credentials are saved (cmdkey /list)."]),
    CodeInfo::fail(STATUS_USER_SESSION_DELETED, "STATUS_USER_SESSION_DELETED", "The remote user session was deleted while in use: the logon session behind the connection went away.", &["The session was logged off or reset on the server", "The server restarted or a network interruption tore the session down"], &[LSM_LOG]),
    CodeInfo::fail(STATUS_PASSWORD_MUST_CHANGE, "STATUS_PASSWORD_MUST_CHANGE", "The password must be changed before the first logon. mstsc's matching code: 0x1207 SSL_ERR_PASSWORD_MUST_CHANGE.", &["\"User must change password at next logon\" set; NLA cannot change it"], &["Change the password first, or clear the flag in ADUC; as a temporary workaround disable NLA (less secure)."]),
    CodeInfo::fail(STATUS_ACCOUNT_LOCKED_OUT, "STATUS_ACCOUNT_LOCKED_OUT", "The account is locked out. mstsc's matching code: 0xD07 SSL_ERR_ACCOUNT_LOCKED_OUT.", &["Too many bad passwords (stale saved credentials, other devices, attacks)"], &["Unlock-ADAccount <user>; find the source via event 4740 on the PDC emulator.", "Account Policies > Account Lockout Policy."]),
    CodeInfo::fail(STATUS_MUTUAL_AUTHENTICATION_FAILED, "STATUS_MUTUAL_AUTHENTICATION_FAILED", "Kerberos mutual authentication failed: the server could not prove its identity.", &["Duplicate or wrong SPN, DNS pointing at another machine"], &["setspn -X (duplicates), setspn -L <server>; check the server's DNS A/PTR records."]),
    CodeInfo::fail(STATUS_UNFINISHED_CONTEXT_DELETED, "STATUS_UNFINISHED_CONTEXT_DELETED", "The authentication exchange was abandoned before it finished (the security context was deleted half-way). In Security event 4625 this usually means the client gave up or the connection dropped during NLA, not a wrong password.", &["User cancelled the credential prompt", "Client timed out or the network dropped during NLA", "Client retried with another package after a failure"], &[SECURITY_4625, "Look at the client-side error for the same attempt (mstsc dialog or RDPClient/Operational 1026)."]),
    CodeInfo::fail(STATUS_SMARTCARD_LOGON_REQUIRED, "STATUS_SMARTCARD_LOGON_REQUIRED", "The account requires smart card logon, but a password was used.", &["\"Smart card is required for interactive logon\" set on the account"], &["Log on with the smart card (enable smart card redirection), or clear the flag in ADUC > Account options."]),
    CodeInfo::fail(STATUS_PKINIT_FAILURE, "STATUS_PKINIT_FAILURE", "Kerberos PKINIT (smart card / certificate logon) failed.", &["DC or user certificate problem, missing KDC certificate"], &["Check the DCs' Kerberos Authentication certificates and the NTAuth store (certutil -viewstore -enterprise NTAuth)."]),
    CodeInfo::fail(STATUS_DOWNGRADE_DETECTED, "STATUS_DOWNGRADE_DETECTED", "A security downgrade was detected during authentication negotiation.", &["SPNEGO/Kerberos negotiation tampered with or misconfigured (SPN problems, middlebox)"], &[KERBEROS_BY_FQDN, "Check the System log for Kerberos/LSA events on client and server."]),
    CodeInfo::fail(STATUS_KDC_CERT_REVOKED, "STATUS_KDC_CERT_REVOKED", "The KDC certificate used for smart card logon is revoked.", &["Revoked DC certificate"], &["Re-enrol the domain controllers' Kerberos Authentication certificates; check CRL availability."]),
    CodeInfo::fail(STATUS_AUTHENTICATION_FIREWALL_FAILED, "STATUS_AUTHENTICATION_FIREWALL_FAILED", "Selective authentication on a trust blocked the user from authenticating to this machine.", &["Forest/external trust with selective authentication"], &["Grant \"Allowed to Authenticate\" on the server's computer object for the user's group (ADUC > Security tab)."]),
    CodeInfo::fail(STATUS_NTLM_BLOCKED, "STATUS_NTLM_BLOCKED", "NTLM authentication was refused by policy (\"Network security: Restrict NTLM\" on the client, server or DC).", &["Connection by IP or alias, so Kerberos was impossible and the NTLM fallback is blocked", "Local or workgroup account on a server that restricts NTLM"], &[KERBEROS_BY_FQDN, "Check Computer Configuration > Windows Settings > Security Settings > Local Policies > Security Options > \"Network security: Restrict NTLM: ...\" and the Microsoft-Windows-NTLM/Operational log for the blocked request; add a server exception if NTLM is intended."]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_4625_values() {
        // Values from ntstatus.h (as listed in several public mirrors, e.g.
        // Samba's ntstatus_gen.h and Windows SDK bindings).
        let name = |c| super::super::find(NTSTATUS, c).map(|e| e.name);
        assert_eq!(name(0xC000_0203), Some("STATUS_USER_SESSION_DELETED"));
        assert_eq!(name(0xC000_0192), Some("STATUS_NETLOGON_NOT_STARTED"));
        assert_eq!(name(0xC000_02EE), Some("STATUS_UNFINISHED_CONTEXT_DELETED"));
        assert_eq!(name(0xC000_0418), Some("STATUS_NTLM_BLOCKED"));
        assert_eq!(name(0xC000_018C), Some("STATUS_TRUSTED_DOMAIN_FAILURE"));
        assert_eq!(name(0xC000_00DF), Some("STATUS_NO_SUCH_DOMAIN"));
        // Every value the brief names for 4625 is present.
        for c in [
            STATUS_ACCOUNT_RESTRICTION,
            STATUS_ACCOUNT_LOCKED_OUT,
            STATUS_ACCOUNT_DISABLED,
            STATUS_ACCOUNT_EXPIRED,
            STATUS_PASSWORD_EXPIRED,
            STATUS_PASSWORD_MUST_CHANGE,
            STATUS_INVALID_LOGON_HOURS,
            STATUS_INVALID_WORKSTATION,
            STATUS_LOGON_TYPE_NOT_GRANTED,
            STATUS_NO_SUCH_USER,
            STATUS_WRONG_PASSWORD,
            STATUS_TIME_DIFFERENCE_AT_DC,
            STATUS_NO_LOGON_SERVERS,
            STATUS_TRUSTED_RELATIONSHIP_FAILURE,
            STATUS_DOWNGRADE_DETECTED,
            STATUS_AUTHENTICATION_FIREWALL_FAILED,
            STATUS_USER_SESSION_DELETED,
        ] {
            assert!(super::super::find(NTSTATUS, c).is_some(), "{c:#x}");
        }
    }

    #[test]
    fn freerdp_mapping_targets_exist() {
        for (nt, fr) in NTSTATUS_TO_FREERDP {
            assert!(super::super::find(NTSTATUS, *nt).is_some(), "{nt:#x}");
            assert!(
                super::super::find(super::super::freerdp::ERRCONNECT, *fr).is_some(),
                "{fr:#x}"
            );
        }
    }
}
