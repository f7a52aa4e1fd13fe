//! Set Error Info PDU `errorInfo` codes (MS-RDPBCGR 2.2.5.1.1; FreeRDP
//! `include/freerdp/error.h`).
//!
//! The server sends this PDU (pduType2 0x2F) only if the client advertised
//! RNS_UD_CS_SUPPORT_ERRINFO_PDU, and it must disconnect right after. With
//! TLS/CredSSP the PDU is inside TLS, so it is visible only with a key log or
//! under Standard RDP Security.

use super::common::*;
use super::CodeInfo;

/// FreeRDP-only code, never sent by a server.
pub const ERRINFO_PEER_DISCONNECTED: u32 = 0x1196;

const LIC_FIX: &[&str] = &[LICENSING_DIAG, LICENSING_GPO];
const LIC_CLIENT_FIX: &[&str] = &[CLIENT_MSLICENSING, LICENSING_DIAG];
const BROKER_CONSOLE: &str = "On the RD Connection Broker: Server Manager > Remote Desktop Services > Collections; check the collection's session hosts / VM pool and that they allow new connections.";
const BROKER_FIX: &[&str] = &[
    BROKER_CONSOLE,
    "Read Microsoft-Windows-TerminalServices-SessionBroker (and -SessionBroker-Client) Operational logs on the broker and the hosts.",
];
const VM_FIX: &[&str] = &[
    "Check the pooled/personal VM in Hyper-V Manager (state, integration services, network), and that it registers in DNS.",
    "Read the RD Virtualization Host and Session Broker logs (Microsoft-Windows-TerminalServices-TSV-VmHostAgent, -SessionBroker).",
];
const CRASH_FIX: &[&str] = &[
    "Read the Application and System logs on the server for the crashing process (Event ID 1000/1001) and install cumulative updates.",
    "Check graphics drivers and the GPO ... > Remote Session Environment > \"Use WDDM graphics display driver for Remote Desktop Connections\".",
];
const STACK_FIX: &[&str] = &[
    "Restart TermService (Restart-Service TermService -Force) or the server; check for third-party RDP stack add-ons (RDP Wrapper, screen recorders) and update drivers.",
    RDPCORETS_LOG,
];
const STD_SEC_CAUSES: &[&str] = &[
    "Standard RDP Security (no TLS) in use, with a client/server encryption mismatch or corrupted stream",
];
const STD_SEC_FIX: &[&str] = &[
    "Prefer TLS: set the security layer to SSL or Negotiate.",
    GPO_SECURITY_LAYER,
    "GPO: ... > Remote Desktop Session Host > Security > \"Set client connection encryption level\"; check FIPS (\"System cryptography: Use FIPS compliant algorithms...\").",
];

const fn proto(code: u32, name: &'static str, meaning: &'static str) -> CodeInfo {
    CodeInfo::fail(code, name, meaning, PROTOCOL_CAUSES, PROTOCOL_FIX)
}

/// All ERRINFO codes from MS-RDPBCGR 2.2.5.1.1 (plus FreeRDP's local 0x1196).
pub static ERRINFO: &[CodeInfo] = &[
    CodeInfo::ok(0x0, "ERRINFO_NONE", "No error."),
    CodeInfo::benign(0x1, "ERRINFO_RPC_INITIATED_DISCONNECT", "An administrative tool on the server, in another session, disconnected the session.", &["Admin action (Task Manager, tsdiscon, Remote Desktop Services Manager)"], &[LSM_LOG]),
    CodeInfo::benign(0x2, "ERRINFO_RPC_INITIATED_LOGOFF", "An administrative tool on the server, in another session, forced a logoff.", &["Admin action or a script (logoff, Remove-RDSession)"], &[LSM_LOG]),
    CodeInfo::fail(0x3, "ERRINFO_IDLE_TIMEOUT", "The idle session time limit on the server elapsed.", &["Session Time Limits policy"], &["GPO: ... > Remote Desktop Session Host > Session Time Limits > \"Set time limit for active but idle Remote Desktop Services sessions\"."]),
    CodeInfo::fail(0x4, "ERRINFO_LOGON_TIMEOUT", "The active session time limit on the server elapsed.", &["Session Time Limits policy"], &["GPO: ... > Remote Desktop Session Host > Session Time Limits > \"Set time limit for active Remote Desktop Services sessions\"."]),
    CodeInfo::benign(0x5, "ERRINFO_DISCONNECTED_BY_OTHER_CONNECTION", "Another connection took over the session.", &["Same user connected from elsewhere, or another user took the console"], &["GPO: ... > Remote Desktop Session Host > Connections > \"Restrict Remote Desktop Services users to a single Remote Desktop Services session\"."]),
    CodeInfo::fail(0x6, "ERRINFO_OUT_OF_MEMORY", "The server ran out of memory.", &["Session host memory exhaustion"], &["Check memory on the server; reduce sessions or add memory."]),
    CodeInfo::fail(0x7, "ERRINFO_SERVER_DENIED_CONNECTION", "The server denied the connection.", &["RDP certificate or private key unusable (Schannel 36870) [unverified field reports]", "Security layer / NLA mismatch", "Connections disabled or limited by policy"], &[RDP_CERT_RENEW, MACHINEKEYS_ACL, GPO_SECURITY_LAYER, "GPO: ... > Remote Desktop Session Host > Connections > \"Allow users to connect remotely by using Remote Desktop Services\" / \"Limit number of connections\"."]),
    CodeInfo::fail(0x9, "ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES", "The user lacks the privileges to connect to the server.", &["User not in Remote Desktop Users / lacks the RDS logon right"], &[USER_RIGHT_RDS]),
    CodeInfo::fail(0xA, "ERRINFO_SERVER_FRESH_CREDENTIALS_REQUIRED", "The server does not accept saved credentials; the user must type them for each connection.", &["\"Always prompt for password upon connection\" enabled"], &["Type the password; or GPO ... > Remote Desktop Session Host > Security > \"Always prompt for password upon connection\"."]),
    CodeInfo::benign(0xB, "ERRINFO_RPC_INITIATED_DISCONNECT_BY_USER", "The user disconnected the session with an administrative tool running in the session.", &[], &[]),
    CodeInfo::benign(0xC, "ERRINFO_LOGOFF_BY_USER", "The user logged off.", &[], &[]),
    CodeInfo::fail(0xF, "ERRINFO_CLOSE_STACK_ON_DRIVER_NOT_READY", "The server closed the connection because the display driver was not ready in time.", &["Slow or hung session start; graphics driver problems"], STACK_FIX),
    CodeInfo::fail(0x10, "ERRINFO_SERVER_DWM_CRASH", "The Desktop Window Manager crashed on the server.", &["DWM crash (graphics driver, low resources)"], CRASH_FIX),
    CodeInfo::fail(0x11, "ERRINFO_CLOSE_STACK_ON_DRIVER_FAILURE", "The server closed the connection because the display driver failed to start.", &["Remote display driver failure"], STACK_FIX),
    CodeInfo::fail(0x12, "ERRINFO_CLOSE_STACK_ON_DRIVER_IFACE_FAILURE", "The server closed the connection because the display driver started but its interface failed.", &["Remote display driver interface failure"], STACK_FIX),
    CodeInfo::fail(0x17, "ERRINFO_SERVER_WINLOGON_CRASH", "Winlogon crashed on the server.", &["Winlogon crash (credential providers, third-party logon add-ons)"], CRASH_FIX),
    CodeInfo::fail(0x18, "ERRINFO_SERVER_CSRSS_CRASH", "CSRSS crashed on the server.", &["CSRSS crash"], CRASH_FIX),
    // Licensing.
    CodeInfo::fail(0x100, "ERRINFO_LICENSE_INTERNAL", "Internal error in the server's licensing component.", &["Licensing service problem on the session host"], LIC_FIX),
    CodeInfo::fail(0x101, "ERRINFO_LICENSE_NO_LICENSE_SERVER", "No Remote Desktop license server could be found to issue a licence.", &["License server not configured, not reachable or not activated", "Licensing grace period (120 days) ended"], &[LICENSING_GPO, LICENSING_DIAG, "Make sure the session host can reach the license server (RPC: TCP 135 and dynamic ports)."]),
    CodeInfo::fail(0x102, "ERRINFO_LICENSE_NO_LICENSE", "No Client Access Licences are available for the target.", &["All CALs issued, or CAL type does not match the licensing mode"], LIC_FIX),
    CodeInfo::fail(0x103, "ERRINFO_LICENSE_BAD_CLIENT_MSG", "The server received an invalid licensing message from the client.", &["Client licensing bug or corrupted stream"], LIC_CLIENT_FIX),
    CodeInfo::fail(0x104, "ERRINFO_LICENSE_HWID_DOESNT_MATCH_LICENSE", "The client's stored licence was modified (hardware ID mismatch).", &["Cloned client image, corrupted licence cache"], LIC_CLIENT_FIX),
    CodeInfo::fail(0x105, "ERRINFO_LICENSE_BAD_CLIENT_LICENSE", "The client's stored licence has an invalid format.", &["Corrupted client licence cache"], LIC_CLIENT_FIX),
    CodeInfo::fail(0x106, "ERRINFO_LICENSE_CANT_FINISH_PROTOCOL", "Network problems interrupted the licensing protocol.", &["Packet loss or connection drop during licensing"], &[LICENSING_DIAG, TEST_NETCONNECTION]),
    CodeInfo::fail(0x107, "ERRINFO_LICENSE_CLIENT_ENDED_PROTOCOL", "The client ended the licensing protocol early.", &["Client could not store the licence"], LIC_CLIENT_FIX),
    CodeInfo::fail(0x108, "ERRINFO_LICENSE_BAD_CLIENT_ENCRYPTION", "A licensing message was encrypted incorrectly.", &["Client licensing bug"], LIC_CLIENT_FIX),
    CodeInfo::fail(0x109, "ERRINFO_LICENSE_CANT_UPGRADE_LICENSE", "The client's licence could not be upgraded or renewed.", &["License server unreachable or out of CALs at renewal"], LIC_FIX),
    CodeInfo::fail(0x10A, "ERRINFO_LICENSE_NO_REMOTE_CONNECTIONS", "The server is not licensed to accept remote connections.", &["RD Session Host role without a configured license server after the grace period"], LIC_FIX),
    // Connection broker.
    CodeInfo::fail(0x400, "ERRINFO_CB_DESTINATION_NOT_FOUND", "The connection broker could not find a destination for the user.", &["No session host or VM available in the collection / pool for the user"], BROKER_FIX),
    CodeInfo::fail(0x402, "ERRINFO_CB_LOADING_DESTINATION", "The broker's destination is still loading (e.g. a VM being prepared).", &["Target VM/session host not ready yet"], BROKER_FIX),
    CodeInfo::fail(0x404, "ERRINFO_CB_REDIRECTING_TO_DESTINATION", "The broker is redirecting the connection to its target endpoint. Reported as a disconnect reason, the redirection did not complete [inference].", &["Session host unreachable from the client after redirection (firewall, DNS of the host name)"], BROKER_FIX),
    CodeInfo::fail(0x405, "ERRINFO_CB_SESSION_ONLINE_VM_WAKE", "The broker failed to wake the target VM.", &["VM could not be resumed from saved state"], VM_FIX),
    CodeInfo::fail(0x406, "ERRINFO_CB_SESSION_ONLINE_VM_BOOT", "The broker failed to boot the target VM.", &["VM failed to start (Hyper-V resources, configuration)"], VM_FIX),
    CodeInfo::fail(0x407, "ERRINFO_CB_SESSION_ONLINE_VM_NO_DNS", "The target VM has no DNS name or address the broker can use.", &["VM not registered in DNS / no network"], VM_FIX),
    CodeInfo::fail(0x408, "ERRINFO_CB_DESTINATION_POOL_NOT_FREE", "No free VM is available in the destination pool.", &["Pool exhausted"], BROKER_FIX),
    CodeInfo::benign(0x409, "ERRINFO_CB_CONNECTION_CANCELLED", "The connection was cancelled while the broker was processing it.", &["User cancelled"], &[]),
    CodeInfo::fail(0x410, "ERRINFO_CB_CONNECTION_ERROR_INVALID_SETTINGS", "The connection settings are invalid for the broker (e.g. a bad routing token / load-balance info).", &["Wrong loadbalanceinfo / collection name in the .rdp file"], &["Re-download the .rdp file from RD Web; check the loadbalanceinfo:s:tsv://MS Terminal Services Plugin.1.<collection> line.", BROKER_CONSOLE]),
    CodeInfo::fail(0x411, "ERRINFO_CB_SESSION_ONLINE_VM_BOOT_TIMEOUT", "The target VM did not finish booting in time.", &["Slow VM start, host overloaded"], VM_FIX),
    CodeInfo::fail(0x412, "ERRINFO_CB_SESSION_ONLINE_VM_SESSMON_FAILED", "Session monitoring in the target VM failed.", &["RDS integration components inside the VM not working"], VM_FIX),
    // RDP protocol errors (long tail, compact descriptions).
    proto(0x10C9, "ERRINFO_UNKNOWN_DATA_PDU_TYPE", "Unknown pduType2 in a Share Data Header."),
    proto(0x10CA, "ERRINFO_UNKNOWN_PDU_TYPE", "Unknown pduType in a Share Control Header."),
    proto(0x10CB, "ERRINFO_DATA_PDU_SEQUENCE", "An out-of-sequence slow-path data PDU was received."),
    proto(0x10CD, "ERRINFO_CONTROL_PDU_SEQUENCE", "An out-of-sequence slow-path non-data PDU was received."),
    proto(0x10CE, "ERRINFO_INVALID_CONTROL_PDU_ACTION", "A Control PDU had an invalid action field."),
    proto(0x10CF, "ERRINFO_INVALID_INPUT_PDU_TYPE", "An input event had an invalid messageType/eventCode."),
    proto(0x10D0, "ERRINFO_INVALID_INPUT_PDU_MOUSE", "A mouse input event had invalid pointerFlags."),
    proto(0x10D1, "ERRINFO_INVALID_REFRESH_RECT_PDU", "An invalid Refresh Rect PDU was received."),
    proto(0x10D2, "ERRINFO_CREATE_USER_DATA_FAILED", "The server could not build the GCC Conference Create Response user data."),
    proto(0x10D3, "ERRINFO_CONNECT_FAILED", "The channel connection phase of the connection sequence failed."),
    proto(0x10D4, "ERRINFO_CONFIRM_ACTIVE_HAS_WRONG_SHAREID", "The client's Confirm Active PDU had a wrong shareId."),
    proto(0x10D5, "ERRINFO_CONFIRM_ACTIVE_HAS_WRONG_ORIGINATOR", "The client's Confirm Active PDU had a wrong originatorId."),
    proto(0x10DA, "ERRINFO_PERSISTENT_KEY_PDU_BAD_LENGTH", "Persistent Key List PDU too short."),
    proto(0x10DB, "ERRINFO_PERSISTENT_KEY_PDU_ILLEGAL_FIRST", "A second Persistent Key List PDU was marked as first."),
    proto(0x10DC, "ERRINFO_PERSISTENT_KEY_PDU_TOO_MANY_TOTAL_KEYS", "Persistent Key List PDU announced more than 262144 cache entries."),
    proto(0x10DD, "ERRINFO_PERSISTENT_KEY_PDU_TOO_MANY_CACHE_KEYS", "Persistent Key List PDU announced too many keys for a bitmap cache."),
    proto(0x10DE, "ERRINFO_INPUT_PDU_BAD_LENGTH", "Input Event PDU too short."),
    proto(0x10DF, "ERRINFO_BITMAP_CACHE_ERROR_PDU_BAD_LENGTH", "Bitmap Cache Error PDU too short."),
    proto(0x10E0, "ERRINFO_SECURITY_DATA_TOO_SHORT", "Fast-path input security data (signature/FIPS info) too short."),
    proto(0x10E1, "ERRINFO_VCHANNEL_DATA_TOO_SHORT", "Virtual channel data (network data or channel PDU header) too short."),
    proto(0x10E2, "ERRINFO_SHARE_DATA_TOO_SHORT", "Share control/data header or control/font list data too short."),
    proto(0x10E3, "ERRINFO_BAD_SUPPRESS_OUTPUT_PDU", "Suppress Output PDU too short or invalid."),
    proto(0x10E5, "ERRINFO_CONFIRM_ACTIVE_PDU_TOO_SHORT", "Confirm Active PDU too short."),
    proto(0x10E7, "ERRINFO_CAPABILITY_SET_TOO_SMALL", "A capability set header is too short."),
    proto(0x10E8, "ERRINFO_CAPABILITY_SET_TOO_LARGE", "A capability set's length exceeds the data received."),
    proto(0x10E9, "ERRINFO_NO_CURSOR_CACHE", "The client announced no pointer cache."),
    proto(0x10EA, "ERRINFO_BAD_CAPABILITIES", "The server rejected the client's capabilities in the Confirm Active PDU."),
    proto(0x10EC, "ERRINFO_VIRTUAL_CHANNEL_DECOMPRESSION", "Decompressing a virtual channel PDU failed."),
    proto(0x10ED, "ERRINFO_INVALID_VC_COMPRESSION_TYPE", "A virtual channel PDU named an invalid compression type."),
    proto(0x10EF, "ERRINFO_INVALID_CHANNEL_ID", "A virtual channel PDU used an invalid MCS channel ID."),
    proto(0x10F0, "ERRINFO_VCHANNELS_TOO_MANY", "The client requested more than 31 static virtual channels."),
    CodeInfo::fail(0x10F3, "ERRINFO_REMOTEAPP_NOT_ENABLED", "The server only hosts RemoteApp programs, but the client did not request RemoteApp (INFO_RAIL not set).", &["A full-desktop .rdp file used against a RemoteApp-only collection"], &["Use the RemoteApp .rdp file from RD Web / the feed, or publish a full desktop in the collection."]),
    proto(0x10F4, "ERRINFO_CACHE_CAP_NOT_SET", "Persistent Key List PDU sent without the Revision 2 bitmap cache capability."),
    proto(0x10F5, "ERRINFO_BITMAP_CACHE_ERROR_PDU_BAD_LENGTH2", "Bitmap Cache Error PDU block count inconsistent with its data."),
    proto(0x10F6, "ERRINFO_OFFSCREEN_CACHE_ERROR_PDU_BAD_LENGTH", "Offscreen Bitmap Cache Error PDU too short."),
    proto(0x10F7, "ERRINFO_DRAWNINEGRID_CACHE_ERROR_PDU_BAD_LENGTH", "DrawNineGrid Cache Error PDU too short."),
    proto(0x10F8, "ERRINFO_GDIPLUS_PDU_BAD_LENGTH", "GDI+ Error PDU too short."),
    proto(0x1111, "ERRINFO_SECURITY_DATA_TOO_SHORT2", "Basic Security Header too short."),
    proto(0x1112, "ERRINFO_SECURITY_DATA_TOO_SHORT3", "Non-FIPS/FIPS Security Header too short."),
    proto(0x1113, "ERRINFO_SECURITY_DATA_TOO_SHORT4", "Security Exchange PDU too short."),
    proto(0x1114, "ERRINFO_SECURITY_DATA_TOO_SHORT5", "Info Packet too short (fields and strings)."),
    proto(0x1115, "ERRINFO_SECURITY_DATA_TOO_SHORT6", "Info Packet too short (fixed fields)."),
    proto(0x1116, "ERRINFO_SECURITY_DATA_TOO_SHORT7", "Extended Info Packet too short (clientAddressFamily/cbClientAddress)."),
    proto(0x1117, "ERRINFO_SECURITY_DATA_TOO_SHORT8", "Extended Info Packet too short (clientAddress)."),
    proto(0x1118, "ERRINFO_SECURITY_DATA_TOO_SHORT9", "Extended Info Packet too short (cbClientDir)."),
    proto(0x1119, "ERRINFO_SECURITY_DATA_TOO_SHORT10", "Extended Info Packet too short (clientDir)."),
    proto(0x111A, "ERRINFO_SECURITY_DATA_TOO_SHORT11", "Extended Info Packet too short (clientTimeZone)."),
    proto(0x111B, "ERRINFO_SECURITY_DATA_TOO_SHORT12", "Extended Info Packet too short (clientSessionId)."),
    proto(0x111C, "ERRINFO_SECURITY_DATA_TOO_SHORT13", "Extended Info Packet too short (performanceFlags)."),
    proto(0x111D, "ERRINFO_SECURITY_DATA_TOO_SHORT14", "Extended Info Packet too short (cbAutoReconnectLen)."),
    proto(0x111E, "ERRINFO_SECURITY_DATA_TOO_SHORT15", "Extended Info Packet too short (autoReconnectCookie)."),
    proto(0x111F, "ERRINFO_SECURITY_DATA_TOO_SHORT16", "Extended Info Packet cbAutoReconnectLen larger than 128 bytes."),
    proto(0x1120, "ERRINFO_SECURITY_DATA_TOO_SHORT17", "Extended Info Packet too short (clientAddressFamily/cbClientAddress)."),
    proto(0x1121, "ERRINFO_SECURITY_DATA_TOO_SHORT18", "Extended Info Packet too short (clientAddress)."),
    proto(0x1122, "ERRINFO_SECURITY_DATA_TOO_SHORT19", "Extended Info Packet too short (cbClientDir)."),
    proto(0x1123, "ERRINFO_SECURITY_DATA_TOO_SHORT20", "Extended Info Packet too short (clientDir)."),
    proto(0x1124, "ERRINFO_SECURITY_DATA_TOO_SHORT21", "Extended Info Packet too short (clientTimeZone)."),
    proto(0x1125, "ERRINFO_SECURITY_DATA_TOO_SHORT22", "Extended Info Packet too short (clientSessionId)."),
    proto(0x1126, "ERRINFO_SECURITY_DATA_TOO_SHORT23", "Client Info PDU too short."),
    proto(0x1129, "ERRINFO_BAD_MONITOR_DATA", "Invalid monitorCount in the Client Monitor Data."),
    proto(0x112A, "ERRINFO_VC_DECOMPRESSED_REASSEMBLE_FAILED", "Decompressed virtual channel data invalid or larger than the chunk size."),
    proto(0x112B, "ERRINFO_VC_DATA_TOO_LONG", "A virtual channel PDU exceeded the negotiated chunk size."),
    proto(0x112C, "ERRINFO_BAD_FRAME_ACK_DATA", "Invalid Frame Acknowledge PDU data."),
    CodeInfo::fail(0x112D, "ERRINFO_GRAPHICS_MODE_NOT_SUPPORTED", "The server does not support the graphics mode the client requested.", &["Colour depth / graphics pipeline not supported by the server's configuration or driver"], &["Lower the colour depth in the client; check GPO ... > Remote Session Environment > \"Limit maximum color depth\" and the WDDM driver setting."]),
    CodeInfo::fail(0x112E, "ERRINFO_GRAPHICS_SUBSYSTEM_RESET_FAILED", "The server's graphics subsystem failed to reset.", &["Remote display driver / GPU problem"], CRASH_FIX),
    CodeInfo::fail(0x112F, "ERRINFO_GRAPHICS_SUBSYSTEM_FAILED", "The server's graphics subsystem failed.", &["Remote display driver / GPU problem"], CRASH_FIX),
    proto(0x1130, "ERRINFO_TIMEZONE_KEY_NAME_LENGTH_TOO_SHORT", "Dynamic time zone key name too short."),
    proto(0x1131, "ERRINFO_TIMEZONE_KEY_NAME_LENGTH_TOO_LONG", "Dynamic time zone key name too long."),
    proto(0x1132, "ERRINFO_DYNAMIC_DST_DISABLED_FIELD_MISSING", "The dynamicDaylightTimeDisabled field is missing."),
    proto(0x1133, "ERRINFO_VC_DECODING_ERROR", "Decoding a dynamic virtual channel message failed."),
    CodeInfo::fail(0x1134, "ERRINFO_VIRTUALDESKTOPTOOLARGE", "The requested virtual desktop (all monitors together) is too large for the server.", &["Many or very high-resolution monitors"], &["Use fewer monitors or a lower resolution; check GPO ... > Remote Session Environment > \"Limit maximum display resolution\" / \"Limit number of monitors\"."]),
    CodeInfo::fail(0x1135, "ERRINFO_MONITORGEOMETRYVALIDATIONFAILED", "The client's monitor layout failed validation.", &["Overlapping or unusual monitor geometry"], &["Simplify the monitor layout; disable multimon (use multimon:i:0) as a test."]),
    CodeInfo::fail(0x1136, "ERRINFO_INVALIDMONITORCOUNT", "The client announced an invalid number of monitors.", &["More monitors than the server allows"], &["GPO ... > Remote Session Environment > \"Limit number of monitors\"; reduce monitors on the client."]),
    CodeInfo::fail(0x1191, "ERRINFO_UPDATE_SESSION_KEY_FAILED", "Updating the session keys under Standard RDP Security failed.", STD_SEC_CAUSES, STD_SEC_FIX),
    CodeInfo::fail(0x1192, "ERRINFO_DECRYPT_FAILED", "Decryption (or session key creation) under Standard RDP Security failed.", STD_SEC_CAUSES, STD_SEC_FIX),
    CodeInfo::fail(0x1193, "ERRINFO_ENCRYPT_FAILED", "Encryption under Standard RDP Security failed.", STD_SEC_CAUSES, STD_SEC_FIX),
    CodeInfo::fail(0x1194, "ERRINFO_ENCRYPTION_PACKAGE_MISMATCH", "No usable encryption method in the client's Client Security Data (Standard RDP Security).", &["Encryption level/FIPS requirement on the server that the client does not offer"], STD_SEC_FIX),
    CodeInfo::fail(0x1195, "ERRINFO_DECRYPT_FAILED2", "Unencrypted data arrived where Standard RDP Security encryption was expected.", STD_SEC_CAUSES, STD_SEC_FIX),
    CodeInfo::fail(ERRINFO_PEER_DISCONNECTED, "ERRINFO_PEER_DISCONNECTED", "[FreeRDP only, not in MS-RDPBCGR] FreeRDP's local code for \"the peer disconnected\"; no server sends it.", &["The server or the network closed the connection without a Set Error Info PDU"], &[SCHANNEL_LOG, RDPCORETS_LOG]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_covered() {
        let has = |c: u32| ERRINFO.iter().any(|e| e.code == c);
        for c in 0x100..=0x10A {
            assert!(has(c), "{c:#x}");
        }
        for c in [
            0x400, 0x402, 0x404, 0x405, 0x406, 0x407, 0x408, 0x409, 0x410, 0x411, 0x412,
        ] {
            assert!(has(c), "{c:#x}");
        }
        assert!(has(0x10C9) && has(0x1195));
        // Protocol-range entries all sit within 0x10C9..=0x1196.
        for e in ERRINFO.iter().filter(|e| e.code >= 0x1000) {
            assert!((0x10C9..=0x1196).contains(&e.code));
        }
    }
}
