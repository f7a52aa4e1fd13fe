//! Post-CredSSP and RDSTLS authentication results.
//!
//! * Early User Authorization Result (MS-RDPBCGR 2.2.10.2): a raw u32 the
//!   server sends right after CredSSP when the client asked for HYBRID_EX.
//! * RDSTLS authentication response result (MS-RDPBCGR 2.2.17.4): a Win32
//!   error code.

use super::common::*;
use super::CodeInfo;

/// Early User Authorization Result values.
pub static EARLY_USER_AUTH: &[CodeInfo] = &[
    CodeInfo::ok(0x0, "AUTHZ_SUCCESS", "The authenticated user is authorized to connect."),
    CodeInfo::fail(
        0x5,
        "AUTHZ_ACCESS_DENIED",
        "The user authenticated correctly but is not permitted to access the server: typically the user lacks the \"Allow log on through Remote Desktop Services\" right. FreeRDP reports ERRCONNECT_ACCESS_DENIED.",
        &[
            "User not in the local Remote Desktop Users group (or another group granted the right)",
            "\"Deny log on through Remote Desktop Services\" applies to the user",
        ],
        &[USER_RIGHT_RDS, LSM_LOG],
    ),
];

/// RDSTLS result codes (Win32 errors), with the NTSTATUS each corresponds to.
pub static RDSTLS_RESULTS: &[CodeInfo] = &[
    CodeInfo::ok(0x0, "ERROR_SUCCESS", "RDSTLS authentication succeeded."),
    CodeInfo::fail(
        0x5,
        "ERROR_ACCESS_DENIED",
        "Access denied (NTSTATUS equivalent: STATUS_ACCESS_DENIED).",
        &["User not allowed to log on to the target"],
        &[USER_RIGHT_RDS],
    ),
    CodeInfo::fail(
        0x52E,
        "ERROR_LOGON_FAILURE",
        "Logon failure: unknown user name or bad password (STATUS_LOGON_FAILURE).",
        &["Wrong or stale credentials in the redirection / AAD flow"],
        &[SECURITY_4625, ADUC_ACCOUNT],
    ),
    CodeInfo::fail(
        0x530,
        "ERROR_INVALID_LOGON_HOURS",
        "The user may not log on at this time (STATUS_INVALID_LOGON_HOURS).",
        &["Logon hours restriction"],
        &["ADUC > user > Account > Logon Hours."],
    ),
    CodeInfo::fail(
        0x532,
        "ERROR_PASSWORD_EXPIRED",
        "The password has expired (STATUS_PASSWORD_EXPIRED).",
        &["Password older than the maximum age"],
        &["Change the password another way, then reconnect."],
    ),
    CodeInfo::fail(
        0x533,
        "ERROR_ACCOUNT_DISABLED",
        "The account is disabled (STATUS_ACCOUNT_DISABLED).",
        &["Account disabled"],
        &[ADUC_ACCOUNT],
    ),
    CodeInfo::fail(
        0x773,
        "ERROR_PASSWORD_MUST_CHANGE",
        "The password must be changed before logon (STATUS_PASSWORD_MUST_CHANGE).",
        &["\"User must change password at next logon\" set"],
        &["Change the password first or clear the flag in ADUC."],
    ),
    CodeInfo::fail(
        0x775,
        "ERROR_ACCOUNT_LOCKED_OUT",
        "The account is locked out (STATUS_ACCOUNT_LOCKED_OUT).",
        &["Too many bad passwords"],
        &["Unlock-ADAccount <user>; find the source via event 4740."],
    ),
];

/// RDSTLS Win32 result → the NTSTATUS with the same meaning.
pub static RDSTLS_TO_NTSTATUS: &[(u32, u32)] = &[
    (0x5, 0xC000_0022),
    (0x52E, 0xC000_006D),
    (0x530, 0xC000_006F),
    (0x532, 0xC000_0071),
    (0x533, 0xC000_0072),
    (0x773, 0xC000_0224),
    (0x775, 0xC000_0234),
];
