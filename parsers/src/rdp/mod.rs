//! RDP core PDUs carried in MCS Send Data (MS-RDPBCGR):
//! security headers (2.2.8.1.1.2), Security Exchange (2.2.1.10),
//! Client Info when not encrypted (2.2.1.11), licensing preamble and
//! License Error Message (2.2.1.12, MS-RDPELE 2.2.2.7 / 2.2.1.12.1.3),
//! Share Control / Share Data headers (2.2.8.1.1.1.1–2), Demand Active /
//! Confirm Active (2.2.1.13.1–2), Deactivate All (2.2.3.1), Set Error Info
//! (2.2.5.1.1), Status Info (2.2.5.2), Early User Authorization Result
//! (2.2.10.2), RDSTLS (2.2.17), Initiate Multitransport Request / Response
//! (2.2.15.1–2) and the fast-path header (2.2.8.1.2 / 2.2.9.1.2).
//!
//! Whether a PDU carries a security header depends on the negotiated
//! security (Standard RDP Security: always; TLS/CredSSP: only Client Info,
//! licensing and a few others), so callers pick the parser.

mod activation;
mod client_info;
mod early_auth;
mod error_info;
mod fastpath;
mod licensing;
mod multitransport;
mod security;
mod share;

pub use activation::*;
pub use client_info::*;
pub use early_auth::*;
pub use error_info::*;
pub use fastpath::*;
pub use licensing::*;
pub use multitransport::*;
pub use security::*;
pub use share::*;
