//! Pure, zero-copy, streaming parsers for the protocol layers an RDP
//! connection crosses. No I/O, no global state, no panics: every entry point
//! takes `&[u8]` and returns [`ParseResult`], with
//! [`ParseError::Incomplete`] when more bytes are needed and
//! [`ParseError::Invalid`] naming the structure and field otherwise.
//!
//! Wire values are open enums (see [`open_enum!`]) so values the spec does
//! not name survive and print as numbers.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod error;
pub use error::{ParseError, ParseResult};

pub mod credssp;
pub mod dns;
pub mod gcc;
pub mod kerberos;
pub mod kkdcp;
pub mod mcs;
pub mod nego;
pub mod ntlm;
pub mod rdg;
pub mod rdp;
pub mod rdpeudp;
pub mod spnego;
pub mod tls;
pub mod tpkt;
pub mod websocket;
pub mod x224;
pub mod x509;
