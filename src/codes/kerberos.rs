//! Kerberos error codes (KRB-ERROR `error-code`): RFC 4120 section 7.5.9,
//! PKINIT codes from RFC 4556, FAST codes from RFC 6113; MS-KILE uses them
//! unchanged. Windows shows them in hex as the Failure Code of Security event
//! 4771 and the Result Code of 4768 / 4769 on the DC (0x18 = 24 =
//! KDC_ERR_PREAUTH_FAILED), and Wireshark names them in `kerberos.error_code`.
//!
//! For RDP they matter when NLA uses Kerberos: the client asks the DC for a
//! TERMSRV/<server> service ticket before CredSSP can succeed.

use super::CodeInfo;

pub const KDC_ERR_S_PRINCIPAL_UNKNOWN: u32 = 7;
pub const KDC_ERR_PREAUTH_FAILED: u32 = 24;
pub const KDC_ERR_PREAUTH_REQUIRED: u32 = 25;
pub const KRB_AP_ERR_SKEW: u32 = 37;
pub const KRB_ERR_RESPONSE_TOO_BIG: u32 = 52;

const DC_EVENTS: &str = "On a DC, read Security events 4768 (TGT request, Result Code), 4769 (service ticket request) and 4771 (pre-authentication failed, Failure Code) for the user and the time of the attempt; Get-WinEvent -FilterHashtable @{LogName='Security'; Id=4768,4769,4771} -MaxEvents 50.";
const SPN_FIX: &str = "Connect by the server's FQDN. If the name is right, list the server's SPNs (setspn -L <server>) — TERMSRV/<fqdn> and HOST/<fqdn> must be on the server's computer account; add a missing one with setspn -S TERMSRV/<alias-fqdn> <server> (for an alias) and remove duplicates found by setspn -X.";
const CLOCK: &str = "Fix time: w32tm /query /status and w32tm /stripchart /computer:<dc> /samples:3 on client and server; w32tm /resync; make sure the PDC emulator has a reliable source (w32tm /config /manualpeerlist:<ntp> /syncfromflags:manual /update on the PDC).";
const ACCOUNT_STATE: &str = "Get-ADUser <user> -Properties Enabled,LockedOut,AccountExpirationDate,PasswordExpired,PasswordLastSet,LogonHours,msDS-SupportedEncryptionTypes; Search-ADAccount -LockedOut.";
const ETYPES: &str = "Align encryption types: GPO \"Network security: Configure encryption types allowed for Kerberos\" on clients, servers and DCs; msDS-SupportedEncryptionTypes on the user / computer objects; reset passwords of accounts old enough to have no AES keys (krbtgt too, twice, with replication in between).";
const SECURE_CHANNEL: &str = "On the server: Test-ComputerSecureChannel -Verbose; if False, Test-ComputerSecureChannel -Repair -Credential <domain admin> (or Reset-ComputerMachinePassword), then klist purge -li 0x3e7 on the server.";
const PURGE_TICKETS: &str = "On the client: klist purge, then reconnect (klist shows the cached TERMSRV/ ticket and its times).";
const PKINIT: &str = "Check the smart-card PKI: DC certificates (Kerberos Authentication template) valid, issuing CA in NTAuth (certutil -viewstore -enterprise NTAuth), CRLs reachable from DCs and clients (certutil -verify -urlfetch <cert.cer>), and the user certificate mapped to the account (strong mapping, KB5014754).";
const TRUST_FIX: &str = "Check the trust path: nltest /domain_trusts, nltest /sc_verify:<domain>; validate the trust in Active Directory Domains and Trusts (and Name Suffix Routing for forest trusts).";

/// Kerberos KRB-ERROR codes.
pub static KERBEROS: &[CodeInfo] = &[
    CodeInfo::ok(0, "KDC_ERR_NONE", "No error."),
    CodeInfo::fail(1, "KDC_ERR_NAME_EXP", "The client's entry in the KDC database has expired.", &["Expired account"], &[ACCOUNT_STATE, DC_EVENTS]),
    CodeInfo::fail(2, "KDC_ERR_SERVICE_EXP", "The server's entry in the KDC database has expired.", &["Expired service / computer account"], &[DC_EVENTS]),
    CodeInfo::fail(3, "KDC_ERR_BAD_PVNO", "The requested Kerberos protocol version is not supported.", &["Non-Windows Kerberos client misconfigured, or a middlebox altering traffic"], &[DC_EVENTS]),
    CodeInfo::fail(4, "KDC_ERR_C_OLD_MAST_KVNO", "The client's key is encrypted in an old master key.", &["KDC database inconsistency [inference]"], &[DC_EVENTS]),
    CodeInfo::fail(5, "KDC_ERR_S_OLD_MAST_KVNO", "The server's key is encrypted in an old master key.", &["KDC database inconsistency [inference]"], &[DC_EVENTS]),
    CodeInfo::fail(6, "KDC_ERR_C_PRINCIPAL_UNKNOWN", "The client (user) principal is not in the KDC database: the DC does not know this user name.", &["Typo in the user name or wrong domain", "Account deleted, or not yet replicated to the DC that answered", "Local account name sent to a domain KDC"], &["Check the name: Get-ADUser -Filter \"UserPrincipalName -eq '<upn>' -or SamAccountName -eq '<name>'\"; use DOMAIN\\user or user@domain.tld; use .\\user for a local account.", "Check replication if the account is new: repadmin /showrepl."]),
    CodeInfo::fail(KDC_ERR_S_PRINCIPAL_UNKNOWN, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "The server principal (SPN) is not in the KDC database: the DC has no account holding TERMSRV/<name the client dialled>. Typically the client connected by IP address, by a DNS alias / CNAME, or by a name with no SPN; Windows then falls back to NTLM, which policy may forbid.", &["Connection by IP address or alias (no SPN for that name)", "TERMSRV/HOST SPN missing on the server's computer account", "Server in another forest without a trust path"], &[SPN_FIX, DC_EVENTS]),
    CodeInfo::fail(8, "KDC_ERR_PRINCIPAL_NOT_UNIQUE", "Several accounts hold the requested principal name: a duplicate SPN or UPN.", &["The same SPN registered on two accounts (cloned VM, manual setspn)", "Duplicate UPN"], &["setspn -X to find duplicate SPNs and setspn -D <spn> <wrong account> to remove one; Get-ADObject -LDAPFilter \"(userPrincipalName=<upn>)\" for UPN duplicates."]),
    CodeInfo::fail(9, "KDC_ERR_NULL_KEY", "The client or server has a null key (no password set).", &["Account whose password was never set"], &["Reset the account's password."]),
    CodeInfo::fail(10, "KDC_ERR_CANNOT_POSTDATE", "The ticket is not eligible for postdating.", &["Client requested a postdated ticket; unusual for Windows"], &[DC_EVENTS]),
    CodeInfo::fail(11, "KDC_ERR_NEVER_VALID", "The requested start time is later than the end time.", &["Clock problems on the client"], &[CLOCK]),
    CodeInfo::fail(12, "KDC_ERR_POLICY", "The KDC policy rejects the request. On Windows this often means a logon restriction on the account: logon hours, \"Log On To\" workstations, an authentication policy / silo, or smart card required.", &["Logon hours or workstation restrictions", "Authentication Policy Silo restricting where the account may log on", "Smart card required for the account"], &[ACCOUNT_STATE, "Check the account's Logon Hours / Log On To and Get-ADAuthenticationPolicySilo / Get-ADAuthenticationPolicy assignments.", DC_EVENTS]),
    CodeInfo::fail(13, "KDC_ERR_BADOPTION", "The KDC cannot accommodate a requested option. In practice: a delegation request (constrained delegation / S4U) that the account is not allowed to make, or a ticket option refused for the target.", &["Constrained delegation not configured for this target", "User marked \"sensitive and cannot be delegated\" or in Protected Users", "Remote Credential Guard / Restricted Admin requirements not met"], &["Check the Delegation tab of the service or computer account in ADUC (msDS-AllowedToDelegateTo) and the user's delegation flags.", DC_EVENTS]),
    CodeInfo::fail(14, "KDC_ERR_ETYPE_NOSUPP", "The KDC has no support for the encryption type the client requested (no common etype for the user, the service or the KDC).", &["RC4 or DES disabled while the account only has RC4/DES keys", "msDS-SupportedEncryptionTypes mismatch", "Old non-Windows client"], &[ETYPES, DC_EVENTS]),
    CodeInfo::fail(15, "KDC_ERR_SUMTYPE_NOSUPP", "The KDC has no support for the checksum type.", &["Encryption / checksum policy mismatch"], &[ETYPES]),
    CodeInfo::fail(16, "KDC_ERR_PADATA_TYPE_NOSUPP", "The KDC has no support for the pre-authentication data type. Windows clients see it when smart-card (PKINIT) logon is attempted against a DC without a usable KDC certificate.", &["DC has no Kerberos Authentication / Domain Controller certificate", "Unsupported pre-auth type from a non-Windows client"], &[PKINIT, DC_EVENTS]),
    CodeInfo::fail(17, "KDC_ERR_TRTYPE_NOSUPP", "The KDC has no support for the transited type.", &["Cross-realm path type not supported"], &[TRUST_FIX]),
    CodeInfo::fail(18, "KDC_ERR_CLIENT_REVOKED", "The client's credentials have been revoked: on Windows the account is disabled, locked out, or expired (or outside its logon hours).", &["Account locked out after bad passwords (stale saved credentials are a classic source)", "Account disabled or expired"], &[ACCOUNT_STATE, "Unlock-ADAccount <user> / Enable-ADAccount <user>; find the lockout source in event 4740 on the PDC emulator."]),
    CodeInfo::fail(19, "KDC_ERR_SERVICE_REVOKED", "The service's credentials have been revoked (the computer / service account is disabled or locked).", &["Server's computer account disabled"], &["Enable the server's computer account (Get-ADComputer <server> | Enable-ADAccount).", SECURE_CHANNEL]),
    CodeInfo::fail(20, "KDC_ERR_TGT_REVOKED", "The ticket-granting ticket has been revoked (e.g. the user's password or account state changed).", &["Password reset or account disabled after the TGT was issued"], &[PURGE_TICKETS, "Log off and on again on the client."]),
    CodeInfo::fail(21, "KDC_ERR_CLIENT_NOTYET", "The client is not yet valid; try again later.", &["Account with a future validity start"], &[ACCOUNT_STATE]),
    CodeInfo::fail(22, "KDC_ERR_SERVICE_NOTYET", "The server is not yet valid; try again later.", &["Service account not yet valid"], &[DC_EVENTS]),
    CodeInfo::fail(23, "KDC_ERR_KEY_EXPIRED", "The password has expired; it must be changed before a ticket is issued.", &["Password older than the maximum password age", "\"User must change password at next logon\" set (NLA cannot change it)"], &["Change the password (Ctrl+Alt+Del > Change a password on a domain machine, self-service reset, or Set-ADAccountPassword by an admin), then reconnect.", ACCOUNT_STATE]),
    CodeInfo::fail(KDC_ERR_PREAUTH_FAILED, "KDC_ERR_PREAUTH_FAILED", "Pre-authentication failed: the encrypted timestamp did not decrypt with the user's key, i.e. the password is wrong (or a stale password is saved somewhere). Event 4771 with Failure Code 0x18.", &["Wrong password, or an old password saved in Credential Manager / an .rdp file / a mapped drive / a service", "Password recently changed and the client still uses the old one"], &["Retype the password; remove stale saved credentials (cmdkey /list, cmdkey /delete:TERMSRV/<server>; Credential Manager).", "Find the source machine in 4771 (Client Address) on the DC.", ACCOUNT_STATE]),
    CodeInfo::benign(KDC_ERR_PREAUTH_REQUIRED, "KDC_ERR_PREAUTH_REQUIRED", "Not an error: the first AS-REQ went without pre-authentication and the KDC asks for it. Every normal Windows logon shows this once before the real request; ignore it unless no successful AS-REP follows.", &["Normal first step of a Kerberos logon"], &["Nothing to fix; look at the next KRB-ERROR or AS-REP in the capture."]),
    CodeInfo::fail(26, "KDC_ERR_SERVER_NOMATCH", "The requested server and the ticket do not match.", &["SPN / account mismatch"], &[SPN_FIX]),
    CodeInfo::fail(27, "KDC_ERR_MUST_USE_USER2USER", "The server principal is valid for user-to-user only.", &["Target registered as a user account without a usable service key"], &[SPN_FIX]),
    CodeInfo::fail(28, "KDC_ERR_PATH_NOT_ACCEPTED", "KDC policy rejects the transited (cross-realm) path.", &["Cross-forest / cross-realm path not allowed"], &[TRUST_FIX]),
    CodeInfo::fail(29, "KDC_ERR_SVC_UNAVAILABLE", "A service (the KDC) is not available.", &["KDC service stopped or overloaded on the DC", "RODC that cannot forward the request"], &["On the DC: Get-Service Kdc; dcdiag /test:services; try another DC (nltest /dsgetdc:<domain> /force)."]),
    CodeInfo::fail(31, "KRB_AP_ERR_BAD_INTEGRITY", "The integrity check on a decrypted field failed: the ticket was encrypted with a key the server does not have (e.g. a password mismatch between DC and server).", &["Computer account password out of sync (restored VM snapshot, duplicate machine)", "Duplicate SPN, so the ticket was made for another account's key"], &[SECURE_CHANNEL, "setspn -X to find duplicate SPNs.", PURGE_TICKETS]),
    CodeInfo::fail(32, "KRB_AP_ERR_TKT_EXPIRED", "The ticket has expired. Clients normally renew silently; as a final failure it means renewal did not happen or clocks disagree.", &["Clock skew between client and server", "Very long-lived connection or sleep/resume"], &[PURGE_TICKETS, CLOCK]),
    CodeInfo::fail(33, "KRB_AP_ERR_TKT_NYV", "The ticket is not yet valid: the server's clock is behind the ticket's start time.", &["Server clock behind the DC"], &[CLOCK]),
    CodeInfo::fail(34, "KRB_AP_ERR_REPEAT", "The request is a replay: the server has already seen this authenticator.", &["Duplicated packets on the path, a retry bug, or a real replay"], &[PURGE_TICKETS, "If it keeps occurring, capture on both sides to find duplicated traffic."]),
    CodeInfo::fail(35, "KRB_AP_ERR_NOT_US", "The ticket is not for this server: it names another service.", &["DNS resolves the name to a different machine than the SPN's owner", "Load balancer or alias without the matching SPN"], &[SPN_FIX, "Resolve-DnsName <server> must return the machine that owns TERMSRV/<server>."]),
    CodeInfo::fail(36, "KRB_AP_ERR_BADMATCH", "The ticket and the authenticator do not match.", &["Client bug or corrupted ticket cache"], &[PURGE_TICKETS]),
    CodeInfo::fail(KRB_AP_ERR_SKEW, "KRB_AP_ERR_SKEW", "The clock skew is too great: client and server clocks differ by more than the allowed 5 minutes (default).", &["Broken time sync on the server or the client (VM host time, dead CMOS battery, wrong NTP source)"], &[CLOCK]),
    CodeInfo::fail(38, "KRB_AP_ERR_BADADDR", "The network address in the ticket does not match the sender's.", &["Addressed tickets through NAT"], &["Disable addressed tickets on non-Windows clients (noaddresses = true in krb5.conf); Windows does not use them by default."]),
    CodeInfo::fail(39, "KRB_AP_ERR_BADVERSION", "Kerberos protocol version mismatch.", &["Non-Windows implementation incompatibility"], &[DC_EVENTS]),
    CodeInfo::fail(40, "KRB_AP_ERR_MSG_TYPE", "Invalid message type: the server got a Kerberos message it did not expect (sometimes a non-Kerberos token sent where Kerberos was expected).", &["Negotiate mix-up between NTLM and Kerberos", "Client bug"], &[SPN_FIX]),
    CodeInfo::fail(41, "KRB_AP_ERR_MODIFIED", "The message stream was modified, or (much more often) the server could not decrypt the ticket because it was made with another account's key: duplicate SPN, DNS pointing at the wrong machine, or a computer password out of sync.", &["Duplicate SPN (setspn -X)", "DNS / hosts entry sends the client to a different machine than the SPN's owner", "Server's computer account password out of sync"], &["setspn -X; setspn -L <server>; Resolve-DnsName <server> (and check the client's hosts file).", SECURE_CHANNEL, PURGE_TICKETS]),
    CodeInfo::fail(42, "KRB_AP_ERR_BADORDER", "Message out of order.", &["Sequence problem in a KRB-PRIV/KRB-SAFE exchange; unusual for RDP"], &[PURGE_TICKETS]),
    CodeInfo::fail(44, "KRB_AP_ERR_BADKEYVER", "The specified version of the key is not available: the ticket was made with a newer or older password of the server.", &["Server's computer password changed and not yet replicated", "VM restored from an old snapshot"], &[SECURE_CHANNEL, "Check replication: repadmin /showrepl."]),
    CodeInfo::fail(45, "KRB_AP_ERR_NOKEY", "The service key is not available on the server.", &["Server without keys for the ticket's encryption type"], &[SECURE_CHANNEL, ETYPES]),
    CodeInfo::fail(46, "KRB_AP_ERR_MUT_FAIL", "Mutual authentication failed: the server could not prove its identity.", &["Wrong machine answered (DNS), duplicate SPN"], &[SPN_FIX, SECURE_CHANNEL]),
    CodeInfo::fail(47, "KRB_AP_ERR_BADDIRECTION", "Incorrect message direction.", &["Reflected message; client or server bug"], &[PURGE_TICKETS]),
    CodeInfo::fail(48, "KRB_AP_ERR_METHOD", "An alternative authentication method is required.", &["Server requires another method (e.g. smart card)"], &[DC_EVENTS]),
    CodeInfo::fail(49, "KRB_AP_ERR_BADSEQ", "Incorrect sequence number in the message.", &["Lost or reordered messages; client or server bug"], &[PURGE_TICKETS]),
    CodeInfo::fail(50, "KRB_AP_ERR_INAPP_CKSUM", "Inappropriate type of checksum in the message.", &["Encryption / checksum policy mismatch"], &[ETYPES]),
    CodeInfo::fail(51, "KRB_AP_PATH_NOT_ACCEPTED", "The policy rejects the transited path.", &["Cross-realm path not allowed"], &[TRUST_FIX]),
    CodeInfo::benign(KRB_ERR_RESPONSE_TOO_BIG, "KRB_ERR_RESPONSE_TOO_BIG", "Not an error: the reply does not fit in UDP and the client must retry over TCP 88, which Windows does automatically. Only a problem if TCP 88 to the DC is blocked.", &["Large tickets (users in many groups) sent over UDP"], &["Nothing to fix unless the TCP retry fails: then allow TCP 88 to the DCs (Test-NetConnection <dc> -Port 88)."]),
    CodeInfo::fail(60, "KRB_ERR_GENERIC", "Generic Kerberos error; the e-text / e-data field says more (Windows puts an NTSTATUS in e-data, visible in Wireshark).", &["Various: read the NTSTATUS in the KRB-ERROR e-data"], &[DC_EVENTS, "Read the e-data NTSTATUS in the capture and look it up with rdpdiag explain."]),
    CodeInfo::fail(61, "KRB_ERR_FIELD_TOOLONG", "A field is too long for this implementation; over UDP this can also mean the request was too big.", &["Huge tickets / PAC (very many group memberships)"], &["Reduce group memberships, or make sure Kerberos runs over TCP; check MaxTokenSize only on very old systems."]),
    CodeInfo::fail(62, "KDC_ERR_CLIENT_NOT_TRUSTED", "PKINIT: the client's certificate is not trusted (RFC 4120 name KDC_ERROR_CLIENT_NOT_TRUSTED). Smart-card logon fails because the DC does not accept the user's certificate chain.", &["Issuing CA not in NTAuth", "Chain or revocation check failed on the DC", "Strong certificate mapping not satisfied"], &[PKINIT]),
    CodeInfo::fail(63, "KDC_ERR_KDC_NOT_TRUSTED", "PKINIT: the client does not trust the KDC's certificate (RFC 4120 name KDC_ERROR_KDC_NOT_TRUSTED).", &["DC certificate chain not trusted by the client", "DC certificate without the KDC EKU"], &[PKINIT]),
    CodeInfo::fail(64, "KDC_ERR_INVALID_SIG", "PKINIT: the signature is invalid (RFC 4120 name KDC_ERROR_INVALID_SIG).", &["Smart card or middleware problem", "Certificate / key mismatch on the card"], &[PKINIT, "Re-enrol the smart-card certificate; update the card middleware."]),
    CodeInfo::fail(65, "KDC_ERR_KEY_TOO_WEAK", "PKINIT: the key is too weak (RFC 4556 calls 65 KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED).", &["Weak key or Diffie-Hellman parameters on the card"], &[PKINIT]),
    CodeInfo::fail(66, "KDC_ERR_CERTIFICATE_MISMATCH", "PKINIT: the certificate does not match the request.", &["Certificate mapped to another account"], &[PKINIT]),
    CodeInfo::fail(67, "KRB_AP_ERR_NO_TGT", "No TGT is available to validate a user-to-user request.", &["User-to-user Kerberos without a TGT"], &[PURGE_TICKETS]),
    CodeInfo::fail(68, "KDC_ERR_WRONG_REALM", "Wrong realm: the request went to a KDC that does not serve the principal's realm (Windows uses it for referrals; as a final failure the realm could not be resolved).", &["User name with the wrong domain / UPN suffix", "Cross-forest name without name suffix routing"], &["Type the user as user@<real domain>; check UPN suffixes and Name Suffix Routing on forest trusts.", TRUST_FIX]),
    CodeInfo::fail(69, "KRB_AP_ERR_USER_TO_USER_REQUIRED", "The ticket must be for user-to-user.", &["Target account requires user-to-user"], &[SPN_FIX]),
    CodeInfo::fail(70, "KDC_ERR_CANT_VERIFY_CERTIFICATE", "PKINIT: the certificate cannot be verified.", &["Chain building failed on the DC"], &[PKINIT]),
    CodeInfo::fail(71, "KDC_ERR_INVALID_CERTIFICATE", "PKINIT: the certificate is invalid.", &["Malformed or unsuitable certificate (wrong EKU)"], &[PKINIT]),
    CodeInfo::fail(72, "KDC_ERR_REVOKED_CERTIFICATE", "PKINIT: the certificate has been revoked.", &["Revoked user (or DC) certificate"], &["Enrol a new certificate.", PKINIT]),
    CodeInfo::fail(73, "KDC_ERR_REVOCATION_STATUS_UNKNOWN", "PKINIT: the revocation status is unknown.", &["CRL / OCSP does not know the certificate"], &[PKINIT]),
    CodeInfo::fail(74, "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE", "PKINIT: the revocation status is unavailable (CRL or OCSP unreachable).", &["CRL distribution point unreachable from the DC", "Expired CRL"], &[PKINIT]),
    CodeInfo::fail(75, "KDC_ERR_CLIENT_NAME_MISMATCH", "PKINIT: the client name in the certificate does not match the requested principal.", &["Certificate UPN / mapping does not match the account"], &[PKINIT]),
    CodeInfo::fail(76, "KDC_ERR_KDC_NAME_MISMATCH", "PKINIT: the KDC name in its certificate does not match.", &["DC certificate without the right DNS name / KDC identity"], &["Re-enrol the DC certificates from the Kerberos Authentication template.", PKINIT]),
    CodeInfo::fail(90, "KDC_ERR_PREAUTH_EXPIRED", "FAST (RFC 6113): the pre-authentication data has expired.", &["Clock skew or a very slow exchange"], &[CLOCK]),
    CodeInfo::benign(91, "KDC_ERR_MORE_PREAUTH_DATA_REQUIRED", "FAST (RFC 6113): the KDC needs another pre-authentication round; part of a normal multi-step exchange.", &[], &[]),
    CodeInfo::fail(92, "KDC_ERR_PREAUTH_BAD_AUTHENTICATION_SET", "FAST (RFC 6113): the pre-authentication set the client chose cannot be used.", &["Armoring / Kerberos claims policy mismatch"], &["Check the GPO \"KDC support for claims, compound authentication and Kerberos armoring\" and the client-side \"Kerberos client support for claims...\" setting.", DC_EVENTS]),
    CodeInfo::fail(93, "KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS", "FAST (RFC 6113): the KDC does not support a FAST option the client marked critical.", &["Client and DC FAST support mismatch"], &["Update DCs and clients; check the Kerberos armoring policies.", DC_EVENTS]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{find, Outcome};

    #[test]
    fn key_values() {
        // RFC 4120 section 7.5.9 (cross-checked with Wireshark's
        // packet-kerberos error table and MIT krb5 error names).
        let name = |c| find(KERBEROS, c).map(|e| e.name);
        assert_eq!(name(6), Some("KDC_ERR_C_PRINCIPAL_UNKNOWN"));
        assert_eq!(name(7), Some("KDC_ERR_S_PRINCIPAL_UNKNOWN"));
        assert_eq!(name(12), Some("KDC_ERR_POLICY"));
        assert_eq!(name(13), Some("KDC_ERR_BADOPTION"));
        assert_eq!(name(14), Some("KDC_ERR_ETYPE_NOSUPP"));
        assert_eq!(name(16), Some("KDC_ERR_PADATA_TYPE_NOSUPP"));
        assert_eq!(name(18), Some("KDC_ERR_CLIENT_REVOKED"));
        assert_eq!(name(23), Some("KDC_ERR_KEY_EXPIRED"));
        assert_eq!(name(0x18), Some("KDC_ERR_PREAUTH_FAILED"));
        assert_eq!(name(32), Some("KRB_AP_ERR_TKT_EXPIRED"));
        assert_eq!(name(37), Some("KRB_AP_ERR_SKEW"));
        assert_eq!(name(41), Some("KRB_AP_ERR_MODIFIED"));
        assert_eq!(name(62), Some("KDC_ERR_CLIENT_NOT_TRUSTED"));
        assert_eq!(name(68), Some("KDC_ERR_WRONG_REALM"));
        // 30, 43 and 53..59 are not assigned in RFC 4120.
        assert!(find(KERBEROS, 30).is_none());
        assert!(find(KERBEROS, 43).is_none());
    }

    #[test]
    fn normal_steps_are_benign() {
        for c in [KDC_ERR_PREAUTH_REQUIRED, KRB_ERR_RESPONSE_TOO_BIG] {
            assert_eq!(
                find(KERBEROS, c).map(|e| e.outcome),
                Some(Outcome::NotAnError)
            );
        }
        assert_eq!(
            find(KERBEROS, KDC_ERR_PREAUTH_FAILED).map(|e| e.outcome),
            Some(Outcome::Failure)
        );
    }

    #[test]
    fn spn_fix_mentions_fqdn_and_setspn() {
        let fix = find(KERBEROS, KDC_ERR_S_PRINCIPAL_UNKNOWN)
            .map(|e| e.fix.join(" "))
            .unwrap_or_default();
        assert!(fix.contains("FQDN") && fix.contains("setspn"));
        // PowerShell, not wmic (gone from Windows 11 24H2).
        for e in KERBEROS {
            for s in e.fix {
                assert!(!s.to_ascii_lowercase().contains("wmic"), "{}", e.name);
            }
        }
    }
}
