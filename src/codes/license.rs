//! Licensing ERROR_ALERT (bMsgType 0xFF) dwErrorCode values (MS-RDPBCGR
//! 2.2.1.12 / MS-RDPELE; FreeRDP `license.c`).
//!
//! STATUS_VALID_CLIENT (0x7) with ST_NO_TRANSITION (0x2) is how a server says
//! "no licence exchange needed": it is **success**, not an error.

use super::common::*;
use super::CodeInfo;

/// The success value.
pub const STATUS_VALID_CLIENT: u32 = 0x7;

const FIX: &[&str] = &[LICENSING_DIAG, LICENSING_GPO];

/// Licensing dwErrorCode values.
pub static LICENSE_ERRORS: &[CodeInfo] = &[
    CodeInfo::fail(0x1, "ERR_INVALID_SERVER_CERTIFICATE", "The client rejected the server's licensing certificate.", &["Corrupt or unusual terminal server licensing certificate"], &["Re-register the session host's licensing certificate (restart TermService; on old servers delete the X509 Certificate values under HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\RCM and reboot).", LICENSING_DIAG]),
    CodeInfo::fail(0x2, "ERR_NO_LICENSE", "The client has no licence to present.", &["First connection or cleared licence cache (normally followed by a new licence request)"], &[CLIENT_MSLICENSING, LICENSING_DIAG]),
    CodeInfo::fail(0x3, "ERR_INVALID_MAC", "A licensing message failed its MAC check.", &["Key mismatch or corrupted licensing exchange"], &[CLIENT_MSLICENSING, LICENSING_DIAG]),
    CodeInfo::fail(0x4, "ERR_INVALID_SCOPE", "The licensing scope is invalid.", &["Licence scope (server/domain) mismatch"], FIX),
    CodeInfo::fail(0x6, "ERR_NO_LICENSE_SERVER", "No license server could be found.", &["License server not configured or unreachable; grace period over"], &[LICENSING_GPO, LICENSING_DIAG, "Make sure the session host can reach the license server (RPC, TCP 135 and dynamic ports)."]),
    CodeInfo::ok(STATUS_VALID_CLIENT, "STATUS_VALID_CLIENT", "SUCCESS: the client is valid and no licence exchange is needed (sent with ST_NO_TRANSITION 0x2). Not an error, despite arriving in an ERROR_ALERT message."),
    CodeInfo::fail(0x8, "ERR_INVALID_CLIENT", "The client is not valid for licensing.", &["Client licence rejected (cloned client, corrupted cache)"], &[CLIENT_MSLICENSING, LICENSING_DIAG]),
    CodeInfo::fail(0xB, "ERR_INVALID_PRODUCTID", "The product ID is invalid.", &["Licence issued for a different product/version"], FIX),
    CodeInfo::fail(0xC, "ERR_INVALID_MESSAGE_LEN", "A licensing message had an invalid length.", &["Implementation bug or corrupted stream"], &[CLIENT_MSLICENSING, RDPCORETS_LOG]),
];
