//! MCS (T.125) codes rdpdiag prints: the Connect-Response `result`
//! (MS-RDPBCGR 2.2.1.4; T.125 Result) and the Disconnect Provider Ultimatum
//! `reason` (MS-RDPBCGR 2.2.2.3; T.125 Reason). Values are the parser
//! crate's open enums (`mcs::McsResult`, `mcs::DisconnectReason`); a test
//! keeps the names equal to theirs.

use super::CodeInfo;
use rdpdiag_parsers::mcs::{DisconnectReason as R, McsResult as M};

const SERVER_LOG: &str = "Read the server's RemoteDesktopServices-RdpCoreTS and TerminalServices-RemoteConnectionManager event logs at the capture time.";
const ENCRYPTION: &str = "Compare the client's settings with the server's policy: encryption level / FIPS (Remote Desktop Session Host > Security > \"Set client connection encryption level\", \"System cryptography: Use FIPS compliant algorithms\"), and the requested channels.";

/// MCS Connect-Response result.
pub static MCS_RESULTS: &[CodeInfo] = &[
    CodeInfo::ok(M::RT_SUCCESSFUL.0 as u32, "rt-successful", "The server accepted the MCS Connect Initial (client settings)."),
    CodeInfo::fail(M::RT_DOMAIN_MERGING.0 as u32, "rt-domain-merging", "T.125: the domain is merging; not used by RDP servers [inference].", &["A non-Windows MCS peer"], &[SERVER_LOG]),
    CodeInfo::fail(M::RT_DOMAIN_NOT_HIERARCHICAL.0 as u32, "rt-domain-not-hierarchical", "T.125: the domain is not hierarchical; not used by RDP servers [inference].", &["A non-Windows MCS peer"], &[SERVER_LOG]),
    CodeInfo::fail(M::RT_NO_SUCH_CHANNEL.0 as u32, "rt-no-such-channel", "The requested channel does not exist.", &["A channel join for a channel the server did not create"], &[SERVER_LOG]),
    CodeInfo::fail(M::RT_NO_SUCH_DOMAIN.0 as u32, "rt-no-such-domain", "The MCS domain does not exist.", &["Protocol mismatch or a proxy rewriting MCS"], &[SERVER_LOG]),
    CodeInfo::fail(M::RT_NO_SUCH_USER.0 as u32, "rt-no-such-user", "The MCS user id is unknown to the server.", &["Protocol mismatch or a proxy rewriting MCS"], &[SERVER_LOG]),
    CodeInfo::fail(M::RT_NOT_ADMITTED.0 as u32, "rt-not-admitted", "The server did not admit the client to the domain.", &["Server-side policy refusing the connection"], &[SERVER_LOG]),
    CodeInfo::fail(M::RT_OTHER_USER_ID.0 as u32, "rt-other-user-id", "T.125: another user id is expected.", &["Protocol mismatch"], &[SERVER_LOG]),
    CodeInfo::fail(M::RT_PARAMETERS_UNACCEPTABLE.0 as u32, "rt-parameters-unacceptable", "The server refused the client's MCS domain parameters or GCC settings in the Connect Initial (MS-RDPBCGR 3.3.5.3.1: it disconnects when they are unacceptable).", &["Encryption methods the server's policy does not allow (FIPS, High level)", "Unsupported desktop size, colour depth or channel set from an unusual client"], &[ENCRYPTION, SERVER_LOG]),
    CodeInfo::fail(M::RT_TOKEN_NOT_AVAILABLE.0 as u32, "rt-token-not-available", "T.125: the token is not available.", &["Protocol mismatch"], &[SERVER_LOG]),
    CodeInfo::fail(M::RT_TOKEN_NOT_POSSESSED.0 as u32, "rt-token-not-possessed", "T.125: the token is not possessed.", &["Protocol mismatch"], &[SERVER_LOG]),
    CodeInfo::fail(M::RT_TOO_MANY_CHANNELS.0 as u32, "rt-too-many-channels", "The client asked for more channels than the server allows.", &["Too many static virtual channels (redirections, add-ins)"], &["Turn off unneeded redirections (drives, printers, clipboard) or add-ins on the client.", SERVER_LOG]),
    CodeInfo::fail(M::RT_TOO_MANY_TOKENS.0 as u32, "rt-too-many-tokens", "T.125: too many tokens.", &["Protocol mismatch"], &[SERVER_LOG]),
    CodeInfo::fail(M::RT_TOO_MANY_USERS.0 as u32, "rt-too-many-users", "The server admits no more users to the domain.", &["Server at its connection limit"], &["Check the server's connection limit (Remote Desktop Session Host > Connections > \"Limit number of connections\") and existing sessions (qwinsta).", SERVER_LOG]),
    CodeInfo::fail(M::RT_UNSPECIFIED_FAILURE.0 as u32, "rt-unspecified-failure", "The server refused the Connect Initial without naming why.", &["Server-side error"], &[SERVER_LOG]),
    CodeInfo::fail(M::RT_USER_REJECTED.0 as u32, "rt-user-rejected", "The server rejected the user at MCS level.", &["Server-side policy"], &[SERVER_LOG]),
];

/// MCS Disconnect Provider Ultimatum reason.
pub static MCS_REASONS: &[CodeInfo] = &[
    CodeInfo::fail(R::RN_DOMAIN_DISCONNECTED.0 as u32, "rn-domain-disconnected", "The MCS domain was disconnected.", &["The server tore the connection down"], &[SERVER_LOG]),
    CodeInfo::fail(R::RN_PROVIDER_INITIATED.0 as u32, "rn-provider-initiated", "The server (the MCS provider) ended the connection. Windows usually sends a Set Error Info PDU first that names the reason; look for it.", &["The server refused or ended the session (see its Set Error Info)"], &[SERVER_LOG]),
    CodeInfo::fail(R::RN_TOKEN_PURGED.0 as u32, "rn-token-purged", "T.125: a token was purged.", &["Protocol mismatch"], &[SERVER_LOG]),
    CodeInfo::benign(R::RN_USER_REQUESTED.0 as u32, "rn-user-requested", "The sender asked to disconnect: from the client, the user closed the window; from the server before the session, it refused the connection (e.g. an unusable TLS key).", &["The user closed the client", "The server refused the connection before the session started"], &[SERVER_LOG]),
    CodeInfo::fail(R::RN_CHANNEL_PURGED.0 as u32, "rn-channel-purged", "T.125: a channel was purged.", &["Protocol mismatch"], &[SERVER_LOG]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_parsers() {
        for e in MCS_RESULTS {
            assert_eq!(M(e.code as u8).name(), Some(e.name));
        }
        for e in MCS_REASONS {
            assert_eq!(R(e.code as u8).name(), Some(e.name));
        }
    }
}
