//! rdpdiag: tells exactly why a Remote Desktop connection failed, from packets.
//!
//! Data flows one way, and the module names follow it:
//!
//! ```text
//! capture ──► net ──► flow ──► session ──► attempt ──► rules ──► report / tui
//! (frames)   (IP/TCP) (reassembly,  (protocol   (grouping,   (findings)  (views)
//!                      TCP health)   events)     stages)
//! ```
#![forbid(unsafe_code)]

pub mod cli;
pub mod decrypt;
pub mod flow;
