//! Windows event IDs that rdpdiag's fixes send people to, kept apart from
//! the code tables on purpose: an event ID (21, 40, 1026 ...) is not a
//! disconnect code, and looking a bare number up in both would only confuse.
//! `rdpdiag explain` reaches this table through an explicit `event` keyword
//! (see [`explain_event`]).
//!
//! Log and provider names are those Event Viewer shows; where an event
//! carries a code (Schannel's TLS alert, RDPClient's decimal Reason, LSM's
//! reason code, Security's NTSTATUS / Kerberos codes) [`EventInfo::carries`]
//! says which table decodes it.

use std::fmt;

use serde::Serialize;

use super::{find, kerberos, mstsc, ntstatus, tls_alert, CodeInfo};

/// Which code table decodes a field of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeFamily {
    /// A TLS alert description (decimal).
    TlsAlert,
    /// An mstsc `discReason`, written in decimal.
    MstscDisconnect,
    /// An mstsc extended disconnect reason.
    MstscExtended,
    /// An NTSTATUS (0xC000xxxx).
    NtStatus,
    /// A Kerberos KRB-ERROR code, written in hex (0x18).
    Kerberos,
}

impl CodeFamily {
    /// Decode a value of this family.
    pub fn decode(self, value: u32) -> Option<&'static CodeInfo> {
        match self {
            CodeFamily::TlsAlert => find(tls_alert::TLS_ALERTS, value),
            CodeFamily::MstscDisconnect => find(mstsc::DISC_REASONS, value),
            CodeFamily::MstscExtended => mstsc::extended(value),
            CodeFamily::NtStatus => find(ntstatus::NTSTATUS, value),
            CodeFamily::Kerberos => find(kerberos::KERBEROS, value),
        }
    }
}

/// A field of an event that holds a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Carried {
    /// The field as Event Viewer shows it.
    pub field: &'static str,
    /// Which table decodes it.
    pub family: CodeFamily,
}

/// One Windows event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EventInfo {
    /// Event ID.
    pub id: u32,
    /// Provider (Event Viewer "Source").
    pub provider: &'static str,
    /// Log (channel) the event is written to.
    pub log: &'static str,
    /// Which machine logs it.
    pub logged_on: &'static str,
    /// Short title, close to the event's message.
    pub title: &'static str,
    /// What it means for an RDP connection.
    pub meaning: &'static str,
    /// Fields that carry a code, and the table that decodes them.
    pub carries: &'static [Carried],
    /// What to look at next.
    pub next: &'static [&'static str],
}

const SCHANNEL: &str = "Schannel";
const SYSTEM: &str = "System";
const RDPCORETS: &str = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS";
const RDPCORETS_LOG: &str = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational";
const RCM: &str = "Microsoft-Windows-TerminalServices-RemoteConnectionManager";
const RCM_LOG: &str = "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational";
const LSM: &str = "Microsoft-Windows-TerminalServices-LocalSessionManager";
const LSM_LOG: &str = "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational";
const CLIENT: &str = "Microsoft-Windows-TerminalServices-ClientActiveXCore";
const CLIENT_LOG: &str = "Microsoft-Windows-TerminalServices-RDPClient/Operational";
const SECURITY_PROVIDER: &str = "Microsoft-Windows-Security-Auditing";
const SECURITY: &str = "Security";
const SERVER: &str = "the RDP server (session host)";
const CLIENT_PC: &str = "the client PC";
const DC: &str = "a domain controller";

const ALERT: &[Carried] = &[Carried {
    field: "alert code (decimal)",
    family: CodeFamily::TlsAlert,
}];
const NTSTATUS_FIELDS: &[Carried] = &[
    Carried {
        field: "Status",
        family: CodeFamily::NtStatus,
    },
    Carried {
        field: "Sub Status",
        family: CodeFamily::NtStatus,
    },
];

const NEXT_CERT: &str = "Check the RDP certificate and its private key: certlm.msc > Remote Desktop > Certificates (expiry, key present); key file permissions under C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys (NETWORK SERVICE needs Read).";
const NEXT_TLS: &str = "Compare enabled TLS versions and cipher suites on both ends: HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols, Get-TlsCipherSuite, and the \"SSL Cipher Suite Order\" GPO.";
const NEXT_CAPTURE: &str = "Capture the attempt (rdpdiag analyze) to see which side sent the alert and at which handshake step.";
const NEXT_SECURITY: &str = "Read the Security log on the server (and on the DC for domain accounts) at the same time: 4625 gives the NTSTATUS reason; 4624 with Logon Type 3 or 10 shows success.";
const NEXT_LSM: &str = "Follow the session in LocalSessionManager/Operational: 21 logon, 22 shell start, 24 disconnect, 25 reconnect, 23 logoff, 39/40 who or why.";
const GET_WINEVENT: &str = "PowerShell: Get-WinEvent -LogName '<log>' -MaxEvents 50 | Where-Object Id -in <ids> | Format-List TimeCreated,Id,Message";

/// The events rdpdiag points to.
pub static EVENTS: &[EventInfo] = &[
    EventInfo { id: 21, provider: LSM, log: LSM_LOG, logged_on: SERVER, title: "Remote Desktop Services: Session logon succeeded", meaning: "A user session logged on (user, session ID, source address). Reaching 21 means authentication and the Windows logon both worked; later problems are in the session, not in NLA.", carries: &[], next: &[NEXT_LSM] },
    EventInfo { id: 22, provider: LSM, log: LSM_LOG, logged_on: SERVER, title: "Remote Desktop Services: Shell start notification received", meaning: "The user's shell (explorer or the RemoteApp host) started. A 21 without a 22 points at a hanging logon: Group Policy, profile or logon scripts.", carries: &[], next: &["If 22 is missing or late: gpresult /h report.html, the User Profile Service and GroupPolicy operational logs.", NEXT_LSM] },
    EventInfo { id: 23, provider: LSM, log: LSM_LOG, logged_on: SERVER, title: "Remote Desktop Services: Session logoff succeeded", meaning: "The session logged off (by the user, an administrator, a timeout policy or a script).", carries: &[], next: &["Look just before it for 24 / 39 / 40 to see what ended the session.", NEXT_LSM] },
    EventInfo { id: 24, provider: LSM, log: LSM_LOG, logged_on: SERVER, title: "Remote Desktop Services: Session has been disconnected", meaning: "The session was disconnected (it keeps running). On its own it does not say why: event 39 or 40 next to it does.", carries: &[], next: &["Read the 39 / 40 logged with it.", NEXT_LSM] },
    EventInfo { id: 25, provider: LSM, log: LSM_LOG, logged_on: SERVER, title: "Remote Desktop Services: Session reconnection succeeded", meaning: "A user reconnected to an existing disconnected session.", carries: &[], next: &[NEXT_LSM] },
    EventInfo { id: 39, provider: LSM, log: LSM_LOG, logged_on: SERVER, title: "Session <X> has been disconnected by session <Y>", meaning: "Another session (Y) disconnected this one: typically the same user connecting from elsewhere (Y is the new session), or an administrator using Task Manager / tsdiscon. Y = 0 means the system did it.", carries: &[], next: &["Find session Y's 21/25 to see who took over; check the \"Restrict Remote Desktop Services users to a single Remote Desktop Services session\" policy.", NEXT_LSM] },
    EventInfo { id: 40, provider: LSM, log: LSM_LOG, logged_on: SERVER, title: "Session <X> has been disconnected, reason code <Z>", meaning: "Why the session was disconnected. The reason code matches the mstsc extended disconnect reasons (0 no information, usually the client or network went away; 5 replaced by another connection; 11 disconnected by the user from inside the session; 12 logoff ...) [inference from field reports; Microsoft does not document the field].", carries: &[Carried { field: "reason code", family: CodeFamily::MstscExtended }], next: &["Decode the reason code: rdpdiag explain 0 <reason> (or look up exDiscReason* in the extended table).", NEXT_LSM] },
    EventInfo { id: 131, provider: RDPCORETS, log: RDPCORETS_LOG, logged_on: SERVER, title: "The server accepted a new TCP connection from client <ip>:<port>", meaning: "A TCP connection reached the RDP listener. If the client failed and no 131 exists for its address, the packets never arrived: firewall, NAT, wrong port or wrong server.", carries: &[], next: &["No 131: Test-NetConnection <server> -Port 3389 from the client; check the Windows Firewall \"Remote Desktop\" rules and any network firewall.", "131 present: continue with Schannel (System log) and Security events for the same time."] },
    EventInfo { id: 140, provider: RDPCORETS, log: RDPCORETS_LOG, logged_on: SERVER, title: "A connection from client <ip> failed because the user name or password is not correct", meaning: "NLA (CredSSP) rejected the credentials. Many of these from unknown addresses are password guessing against an exposed RDP port.", carries: &[], next: &[NEXT_SECURITY, "Many 140s from the internet: do not expose 3389; put it behind an RD Gateway or VPN, and enable account lockout."] },
    EventInfo { id: 261, provider: RCM, log: RCM_LOG, logged_on: SERVER, title: "Listener RDP-Tcp received a connection", meaning: "The RDP listener took the connection (after TCP, before authentication). It shows the listener was up and reachable.", carries: &[], next: &["Then look for 1149 (authentication passed) and LocalSessionManager 21 (logon)."] },
    EventInfo { id: 1024, provider: CLIENT, log: CLIENT_LOG, logged_on: CLIENT_PC, title: "RDP ClientActiveX is trying to connect to the server (<name>)", meaning: "The client started a connection attempt to the named server. Logged for every attempt, successful or not; correlate it with the following 1026 by the Correlation ActivityID.", carries: &[], next: &["Read the 1026 with the same ActivityID for the disconnect reason."] },
    EventInfo { id: 1026, provider: CLIENT, log: CLIENT_LOG, logged_on: CLIENT_PC, title: "RDP ClientActiveX has been disconnected (Reason= <N>)", meaning: "The client's disconnect with its reason. N is the mstsc discReason in DECIMAL (2308 = 0x904, socket closed).", carries: &[Carried { field: "Reason (decimal)", family: CodeFamily::MstscDisconnect }], next: &["Decode it: rdpdiag explain <N> (decimal is accepted; 2308 reads as 0x904).", "For server-side causes, read the server's RdpCoreTS, Schannel and Security events at the same time."] },
    EventInfo { id: 1149, provider: RCM, log: RCM_LOG, logged_on: SERVER, title: "Remote Desktop Services: User authentication succeeded", meaning: "The user passed network-level authentication (user, domain, source address). It does NOT mean the Windows logon succeeded: the session logon is LocalSessionManager 21 / Security 4624 type 10.", carries: &[], next: &["If 1149 is followed by no 21: look at Security 4625 (logon type 10) and the LocalSessionManager log.", NEXT_LSM] },
    EventInfo { id: 4624, provider: SECURITY_PROVIDER, log: SECURITY, logged_on: "the RDP server (and the DC for domain accounts)", title: "An account was successfully logged on", meaning: "A logon succeeded. For RDP: Logon Type 10 (RemoteInteractive) is the session logon, Logon Type 3 (Network) is the NLA check, Logon Type 7 an unlock or reconnect.", carries: &[], next: &["Check Logon Type, Authentication Package (Kerberos vs NTLM) and Source Network Address."] },
    EventInfo { id: 4625, provider: SECURITY_PROVIDER, log: SECURITY, logged_on: "the RDP server (or the DC for domain accounts)", title: "An account failed to log on", meaning: "A logon failed. Status and Sub Status are NTSTATUS values that say why (0xC000006A wrong password, 0xC0000234 locked out, 0xC000015B logon type not granted ...). Logon Type 3 is the NLA check, 10 the session logon.", carries: NTSTATUS_FIELDS, next: &["Decode Status / Sub Status: rdpdiag explain 0xC000006D (the Sub Status is usually the more specific one).", "Check the Authentication Package (NTLM when the client dialled an IP or alias) and Source Network Address."] },
    EventInfo { id: 4768, provider: SECURITY_PROVIDER, log: SECURITY, logged_on: DC, title: "A Kerberos authentication ticket (TGT) was requested", meaning: "The DC handled a ticket-granting-ticket request. Result Code 0x0 is success; otherwise it is a Kerberos error code in hex (0x6 unknown user, 0x12 account disabled / locked / expired, 0x17 password expired, 0x18 wrong password).", carries: &[Carried { field: "Result Code (hex)", family: CodeFamily::Kerberos }], next: &["Decode the Result Code: rdpdiag explain KDC_ERR_... or the hex value.", "Client Address says which machine asked."] },
    EventInfo { id: 4771, provider: SECURITY_PROVIDER, log: SECURITY, logged_on: DC, title: "Kerberos pre-authentication failed", meaning: "Kerberos pre-authentication failed for the user. Failure Code is a Kerberos error in hex: 0x18 (KDC_ERR_PREAUTH_FAILED) is a wrong password, 0x12 a disabled / locked account, 0x25 clock skew.", carries: &[Carried { field: "Failure Code (hex)", family: CodeFamily::Kerberos }], next: &["Client Address shows the machine sending the bad password (a stale saved credential is the usual culprit).", "Decode the Failure Code with rdpdiag explain."] },
    EventInfo { id: 4776, provider: SECURITY_PROVIDER, log: SECURITY, logged_on: "the DC (domain accounts) or the server itself (local accounts)", title: "The computer attempted to validate the credentials for an account", meaning: "NTLM credential validation. Error Code 0x0 is success, otherwise an NTSTATUS (0xC000006A wrong password, 0xC0000064 no such user, 0xC0000234 locked out). Seeing 4776 for RDP means NTLM was used, usually because the client dialled an IP address or an alias.", carries: &[Carried { field: "Error Code", family: CodeFamily::NtStatus }], next: &["Decode the Error Code with rdpdiag explain.", "Connect by FQDN so Kerberos is used; Workstation shows the client."] },
    EventInfo { id: 36870, provider: SCHANNEL, log: SYSTEM, logged_on: SERVER, title: "A fatal error occurred when attempting to access the TLS server credential private key", meaning: "The server cannot use its certificate's private key, so every TLS handshake fails before a ServerHello (the client sees the connection closed; mstsc often reports 0x904 / extended 0x7). The error code in the message (e.g. 0x8009030D) is an SSPI status.", carries: &[], next: &[NEXT_CERT, "Delete the broken self-signed certificate and restart TermService to get a fresh one (Restart-Service TermService -Force)."] },
    EventInfo { id: 36871, provider: SCHANNEL, log: SYSTEM, logged_on: "the machine that failed (server or client)", title: "A fatal error occurred while creating a TLS client/server credential", meaning: "Schannel could not build its credential at all: typically every TLS version / cipher it would use is disabled (hardening, FIPS), or the certificate cannot be used. The internal error state number is for Microsoft support.", carries: &[], next: &[NEXT_TLS, NEXT_CERT] },
    EventInfo { id: 36874, provider: SCHANNEL, log: SYSTEM, logged_on: SERVER, title: "A TLS connection request was received, but none of the cipher suites supported by the client are supported by the server", meaning: "No common cipher suite: the server rejected the ClientHello (usually followed by 36888 with alert 40, handshake_failure).", carries: &[], next: &[NEXT_TLS] },
    EventInfo { id: 36887, provider: SCHANNEL, log: SYSTEM, logged_on: "the machine that RECEIVED the alert", title: "A fatal alert was received from the remote endpoint", meaning: "The peer sent a TLS fatal alert; the message carries the alert number (e.g. 46 certificate_unknown, 48 unknown_ca: the peer rejected this machine's certificate).", carries: ALERT, next: &["Decode the alert: rdpdiag explain <alert code>.", NEXT_CAPTURE] },
    EventInfo { id: 36888, provider: SCHANNEL, log: SYSTEM, logged_on: "the machine that SENT the alert", title: "A fatal alert was generated and sent to the remote endpoint", meaning: "This machine aborted the TLS handshake with a fatal alert; the message carries the alert number (40 handshake_failure: no common version / cipher; 70 protocol_version) and an error state.", carries: ALERT, next: &["Decode the alert: rdpdiag explain <alert code>.", NEXT_TLS, NEXT_CAPTURE] },
];

/// Look an event up by ID.
pub fn find_event(id: u32) -> Option<&'static EventInfo> {
    EVENTS.iter().find(|e| e.id == id)
}

/// Resolve what a user typed after `explain event` (or as `event 4625`,
/// `event:4625`, `eventid=4625`, `id 4625`): a decimal event ID, optionally
/// preceded by such a keyword. Returns `None` for anything else, including
/// IDs this table does not know.
pub fn explain_event(query: &str) -> Option<&'static EventInfo> {
    let q = query.trim().to_ascii_lowercase();
    let mut rest = q.as_str();
    for kw in ["eventid", "event", "evt", "id"] {
        if let Some(r) = rest.strip_prefix(kw) {
            rest = r;
            break;
        }
    }
    let digits =
        rest.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '=' | '#'));
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    find_event(digits.parse().ok()?)
}

impl fmt::Display for EventInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Windows event {} — {}", self.id, self.title)?;
        writeln!(f, "  Log:       {}", self.log)?;
        writeln!(f, "  Source:    {}", self.provider)?;
        writeln!(f, "  Logged on: {}", self.logged_on)?;
        writeln!(f, "  Meaning:   {}", self.meaning)?;
        for c in self.carries {
            writeln!(
                f,
                "  Field \"{}\" decodes with the {:?} table.",
                c.field, c.family
            )?;
        }
        for n in self.next {
            writeln!(f, "  Next: {n}")?;
        }
        writeln!(
            f,
            "  ({})",
            GET_WINEVENT
                .replace("<log>", self.log)
                .replace("<ids>", &self.id.to_string())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn unique_ids_and_text() {
        let mut ids = HashSet::new();
        for e in EVENTS {
            assert!(ids.insert(e.id), "duplicate event {}", e.id);
            assert!(!e.title.trim().is_empty() && !e.meaning.trim().is_empty());
            assert!(!e.log.trim().is_empty() && !e.next.is_empty(), "{}", e.id);
        }
    }

    #[test]
    fn brief_events_present() {
        for id in [
            36870, 36871, 36874, 36887, 36888, 131, 140, 261, 1149, 21, 22, 23, 24, 25, 39, 40,
            1024, 1026, 4624, 4625, 4776, 4771, 4768,
        ] {
            assert!(find_event(id).is_some(), "{id}");
        }
    }

    #[test]
    fn keyword_forms() {
        for q in [
            "4625",
            "event 4625",
            "Event:4625",
            "eventid=4625",
            "id 4625",
            " EVENT #4625 ",
        ] {
            assert_eq!(explain_event(q).map(|e| e.id), Some(4625), "{q}");
        }
        for q in ["", "event", "0x4625", "4625x", "event -1", "99999999999"] {
            assert!(explain_event(q).is_none(), "{q}");
        }
        assert!(explain_event("7").is_none());
    }

    #[test]
    fn carried_codes_decode() {
        // 1026 Reason=2308 is mstsc 0x904; 36888 alert 40 is handshake_failure;
        // 4771 Failure Code 0x18 is KDC_ERR_PREAUTH_FAILED; 4625 0xC0000234 locked out.
        let dec = |id, v| {
            find_event(id)
                .and_then(|e| e.carries.first())
                .and_then(|c| c.family.decode(v))
                .map(|i| i.name)
        };
        assert_eq!(
            dec(1026, 2308),
            Some("disconnectReasonAtClientWinsockFDCLOSE")
        );
        assert_eq!(dec(36888, 40), Some("handshake_failure"));
        assert_eq!(dec(4771, 0x18), Some("KDC_ERR_PREAUTH_FAILED"));
        assert_eq!(dec(4625, 0xC000_0234), Some("STATUS_ACCOUNT_LOCKED_OUT"));
        assert!(dec(40, 5).is_some());
    }

    #[test]
    fn display_names_log() {
        let text = find_event(1026).map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("RDPClient/Operational") && text.contains("DECIMAL"));
    }
}
