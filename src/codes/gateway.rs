//! RD Gateway status codes (MS-TSGU 2.2.6): the E_PROXY_* HRESULTs, their
//! HRESULT_CODE() forms returned by the RPC-over-HTTP pipe methods, and the
//! Win32 codes the gateway uses. The values are the parser crate's
//! `GatewayStatus` constants (the wire constant source); only the prose lives
//! here. SEC_E_LOGON_DENIED, which a gateway also returns, is explained in
//! the SSPI table.

use rdpdiag_parsers::rdg::GatewayStatus as G;

use super::CodeInfo;

const GW_LOG: &str = "On the gateway, read Event Viewer > Applications and Services Logs > Microsoft > Windows > TerminalServices-Gateway > Operational for the user and time: 200 / 201 (RD CAP met / not met), 300 / 301 (RD RAP met / not met), 302 / 303 (connected to / disconnected from the resource), 304 (authorised but could not connect to the resource), 202 (administrator disconnected the user), 203 (connection limit reached); the denial events carry the error text.";
const CAP: &str = "In RD Gateway Manager (tsgateway.msc) > Policies > Connection Authorization Policies (RD CAP): the user (or computer) must be in a user group of an enabled CAP, and the CAP's authentication method (password / smart card) must match what the user uses.";
const RAP: &str = "In RD Gateway Manager > Policies > Resource Authorization Policies (RD RAP): an enabled RAP must list the user's group AND a computer group / AD group containing the target, with port 3389 allowed. The name the client asks for must match what the RAP lists (FQDN vs NetBIOS vs IP: add all forms to an RD Gateway-managed group, or use an AD computer group).";
const GW_TARGET: &str = "From the gateway: Test-NetConnection <target> -Port 3389 and Resolve-DnsName <target>; the gateway resolves and connects to the target itself, so its DNS and firewall path matter, not the client's.";
const GW_AUTH: &str = "Check the gateway's authentication: the IIS site (Default Web Site > RPC / RDWeb) and the TSGateway settings; NTLM or Kerberos must be allowed for the user, and the user must be able to authenticate to the gateway's domain.";
const GW_CERT: &str = "In RD Gateway Manager > Properties > SSL Certificate: a valid certificate with the private key, trusted by the clients, whose name matches the gateway name clients use.";

/// RD Gateway status codes.
pub static GATEWAY: &[CodeInfo] = &[
    CodeInfo::ok(G::S_OK.0, "S_OK", "The gateway step succeeded."),
    CodeInfo::fail(G::ERROR_ACCESS_DENIED.0, "ERROR_ACCESS_DENIED", "Gateway: access denied. Returned when a tunnel / channel call arrives in the wrong state or without a valid context, so it usually follows an earlier failure.", &["An earlier authorisation step failed", "Client and gateway out of step (client bug, proxy dropping a channel)"], &[GW_LOG, "Update the client; check proxies between client and gateway."]),
    CodeInfo::fail(G::ERROR_BAD_ARGUMENTS.0, "ERROR_BAD_ARGUMENTS", "Gateway (RPC-over-HTTP receive pipe): the target server unexpectedly closed its connection to the gateway.", &["Target server dropped the connection (its own security layer / NLA failure, service restart)"], &["Read the target server's RdpCoreTS and Schannel logs for the time of the drop.", GW_LOG]),
    CodeInfo::fail(G::ERROR_OPERATION_ABORTED.0, "ERROR_OPERATION_ABORTED", "Gateway (RPC-over-HTTP): the receive-pipe call arrived after the gateway's connection timer had expired.", &["Very slow client or network between the tunnel and channel steps"], &["Retry; check latency to the gateway; prefer the HTTP transport (current clients use it by default)."]),
    CodeInfo::benign(G::ERROR_GRACEFUL_DISCONNECT.0, "ERROR_GRACEFUL_DISCONNECT", "Not an error: the client closed the channel normally (TsProxyCloseChannel / CloseChannel).", &["User disconnected or logged off"], &[]),
    CodeInfo::fail(G::E_PROXY_CONNECTIONABORTED.0, "E_PROXY_CONNECTIONABORTED", "The gateway ended the connection: an administrator disconnected it (gateway event 202), or (without the idle-timeout capability) the session timeout or a re-authentication / re-authorisation check failed.", &["Admin forced disconnect in RD Gateway Manager > Monitoring", "Gateway session timeout policy", "Periodic re-check of CAP/RAP or credentials failed"], &["Check the RD CAP's Timeouts tab (idle and session timeout, \"Disconnect the session\").", GW_LOG]),
    CodeInfo::fail(G::ERROR_ONLY_IF_CONNECTED.0, "ERROR_ONLY_IF_CONNECTED", "Gateway (RPC-over-HTTP): the client sent data before the pipe to the target was set up.", &["Client and gateway out of step; client bug"], &["Update the client; prefer the HTTP transport."]),
    CodeInfo::fail(G::E_PROXY_INTERNALERROR.0, "E_PROXY_INTERNALERROR", "An unexpected error occurred inside the RD Gateway.", &["Gateway service fault, resource exhaustion, NPS unreachable for policy evaluation"], &[GW_LOG, "On the gateway: Get-Service TSGateway, IAS (NPS); restart TSGateway; check the System log."]),
    CodeInfo::fail(G::E_PROXY_INTERNALERROR_CODE.0, "HRESULT_CODE(E_PROXY_INTERNALERROR)", "The 16-bit code of E_PROXY_INTERNALERROR, as the RPC-over-HTTP pipe methods return it: an unexpected error inside the gateway.", &["Gateway service fault"], &[GW_LOG]),
    CodeInfo::fail(G::E_PROXY_RAP_ACCESSDENIED.0, "E_PROXY_RAP_ACCESSDENIED", "The user is authenticated and allowed through the gateway, but no Resource Authorization Policy (RD RAP) lets them reach this target computer. The gateway logs event 301 for it.", &["Target not in the RAP's computer group, or asked for under another name (IP, short name, alias)", "User not in the RAP's user groups", "Port other than 3389 not allowed by the RAP"], &[RAP, GW_LOG]),
    CodeInfo::fail(G::E_PROXY_NAP_ACCESSDENIED.0, "E_PROXY_NAP_ACCESSDENIED", "The gateway refused the connection on the Connection Authorization Policy (RD CAP): the user or their computer is not in a CAP's groups, or the authentication method does not match (gateway event 201).", &["User not in any CAP user group", "CAP requires smart card and a password was used (or vice versa)", "CAP requires computer group membership"], &[CAP, GW_LOG]),
    CodeInfo::fail(G::E_PROXY_TS_CONNECTFAILED.0, "E_PROXY_TS_CONNECTFAILED", "The gateway authorised the user but could not connect to the target computer (gateway event 304).", &["Target off, RDP disabled, or firewalled from the gateway", "Gateway cannot resolve the target name", "Wrong port in the request"], &[GW_TARGET, GW_LOG]),
    CodeInfo::fail(G::E_PROXY_TS_CONNECTFAILED_CODE.0, "HRESULT_CODE(E_PROXY_TS_CONNECTFAILED)", "The 16-bit code of E_PROXY_TS_CONNECTFAILED (RPC-over-HTTP): the gateway could not connect to the target computer.", &["Target unreachable from the gateway"], &[GW_TARGET]),
    CodeInfo::fail(G::E_PROXY_ALREADYDISCONNECTED.0, "E_PROXY_ALREADYDISCONNECTED", "The tunnel or channel is already disconnected; the call came after the gateway had closed it.", &["An earlier error or timeout closed the tunnel"], &[GW_LOG]),
    CodeInfo::fail(G::E_PROXY_MAXCONNECTIONSREACHED.0, "E_PROXY_MAXCONNECTIONSREACHED", "The gateway refused the connection because its maximum number of connections is reached (gateway event 203).", &["Connection limit in RD Gateway Manager > Properties > General", "Gateway overloaded"], &["Raise or remove the limit (RD Gateway Manager > Properties > General > \"Maximum allowed simultaneous connections\"), or add gateways to the farm."]),
    CodeInfo::fail(G::E_PROXY_NOTSUPPORTED.0, "E_PROXY_NOTSUPPORTED", "The gateway does not support the requested feature or version.", &["Old gateway and new client (or vice versa)"], &["Update the gateway server and the client."]),
    CodeInfo::fail(G::E_PROXY_CAPABILITYMISMATCH.0, "E_PROXY_CAPABILITYMISMATCH", "Client and gateway capabilities do not match: the gateway requires a capability (e.g. health checks / NAP, consent message) the client does not offer.", &["Gateway configured to require client features the client lacks"], &["Update the client; review the gateway's messaging and NAP-related settings."]),
    CodeInfo::fail(G::E_PROXY_QUARANTINE_ACCESSDENIED.0, "E_PROXY_QUARANTINE_ACCESSDENIED", "The gateway's health (quarantine / NAP) check rejected the client computer.", &["Legacy NAP enforcement on the gateway", "Client not compliant with the health policy"], &["Check the NPS health policies used by the gateway (NAP is deprecated; remove the enforcement if not needed)."]),
    CodeInfo::fail(G::E_PROXY_NOCERTAVAILABLE.0, "E_PROXY_NOCERTAVAILABLE", "The gateway has no usable server certificate.", &["No certificate bound, certificate expired, or private key missing"], &[GW_CERT]),
    CodeInfo::fail(G::E_PROXY_SESSIONTIMEOUT.0, "E_PROXY_SESSIONTIMEOUT", "The gateway session timeout was reached and the gateway is configured to disconnect on it.", &["RD CAP session timeout with \"Disconnect the session\""], &["Raise or disable the session timeout on the RD CAP (Timeouts tab), or tell users to reconnect."]),
    CodeInfo::fail(G::E_PROXY_COOKIE_BADPACKET.0, "E_PROXY_COOKIE_BADPACKET", "The authentication cookie (PAA / token-based authentication) sent to the gateway is malformed.", &["Web-access / broker token generation problem", "Custom or third-party pluggable authentication"], &["Check the RD Web Access / pluggable authentication configuration; update the client."]),
    CodeInfo::fail(G::E_PROXY_COOKIE_AUTHENTICATION_ACCESS_DENIED.0, "E_PROXY_COOKIE_AUTHENTICATION_ACCESS_DENIED", "The gateway rejected the authentication cookie (pluggable / token authentication).", &["Expired or invalid token", "Token issuer not trusted by the gateway"], &["Sign in again through the web portal; check the pluggable authentication configuration and clocks.", GW_LOG]),
    CodeInfo::fail(G::E_PROXY_UNSUPPORTED_AUTHENTICATION_METHOD.0, "E_PROXY_UNSUPPORTED_AUTHENTICATION_METHOD", "The gateway does not accept the authentication method the client used.", &["Client sent a method (NTLM, smart card, cookie) the gateway is not configured for", "CAP requires another method"], &[GW_AUTH, CAP]),
    CodeInfo::fail(G::E_PROXY_REAUTH_AUTHN_FAILED.0, "E_PROXY_REAUTH_AUTHN_FAILED", "A periodic re-authentication failed: the user's credentials are no longer valid (password changed, account locked or disabled).", &["Password changed or account disabled during the session"], &["Reconnect with current credentials; check the account state (Get-ADUser <user> -Properties Enabled,LockedOut)."]),
    CodeInfo::fail(G::E_PROXY_REAUTH_CAP_FAILED.0, "E_PROXY_REAUTH_CAP_FAILED", "A periodic re-authorisation failed: the user is no longer allowed through the gateway (RD CAP).", &["User removed from the CAP's group, or the CAP changed"], &[CAP]),
    CodeInfo::fail(G::E_PROXY_REAUTH_RAP_FAILED.0, "E_PROXY_REAUTH_RAP_FAILED", "A periodic re-authorisation failed: the user may no longer reach this target (RD RAP).", &["User or target removed from the RAP's groups"], &[RAP]),
    CodeInfo::fail(G::E_PROXY_SDR_NOT_SUPPORTED_BY_TS.0, "E_PROXY_SDR_NOT_SUPPORTED_BY_TS", "The gateway is set to allow only target servers that can exchange policies with it, and this target cannot.", &["Gateway option requiring policy-capable (newer) target servers", "Old target server"], &["Update the target server, or relax the gateway's setting that restricts connections to servers supporting policy exchange."]),
    CodeInfo::fail(G::E_PROXY_REAUTH_NAP_FAILED.0, "E_PROXY_REAUTH_NAP_FAILED", "A periodic re-check failed because the client computer's health is no longer compliant (NAP).", &["Legacy NAP health enforcement"], &["Check or remove the NAP health policies used by the gateway."]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::find;

    #[test]
    fn key_values() {
        // MS-TSGU 2.2.6 (also FreeRDP libfreerdp/core/gateway/tsg.h).
        let name = |c| find(GATEWAY, c).map(|e| e.name);
        assert_eq!(name(0x8007_59DA), Some("E_PROXY_RAP_ACCESSDENIED"));
        assert_eq!(name(0x8007_59DB), Some("E_PROXY_NAP_ACCESSDENIED"));
        assert_eq!(name(0x8007_59DD), Some("E_PROXY_TS_CONNECTFAILED"));
        assert_eq!(name(0x0000_59E6), Some("E_PROXY_MAXCONNECTIONSREACHED"));
        assert_eq!(name(0x0000_04D4), Some("E_PROXY_CONNECTIONABORTED"));
        assert_eq!(
            name(0x0000_59DD),
            Some("HRESULT_CODE(E_PROXY_TS_CONNECTFAILED)")
        );
        assert_eq!(name(0x0000_5A00), Some("E_PROXY_REAUTH_NAP_FAILED"));
    }

    #[test]
    fn every_named_parser_status_is_explained() {
        // The table and the wire enum must not drift apart: each named
        // GatewayStatus is here, except SEC_E_LOGON_DENIED (SSPI table).
        for (v, label) in G::ALL {
            if *v == G::SEC_E_LOGON_DENIED.0 {
                assert!(find(crate::codes::sspi::SSPI, *v).is_some());
                continue;
            }
            assert_eq!(find(GATEWAY, *v).map(|e| e.name), Some(*label));
        }
        assert_eq!(GATEWAY.len(), G::ALL.len() - 1);
    }
}
