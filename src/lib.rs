//! rdpdiag: tells exactly why a Remote Desktop connection failed, from packets.
//!
//! Data flows one way, and the module names follow it:
//!
//! ```text
//! capture ──► net ──► flow ──► session ──► attempt ──► rules ──► report / tui / live
//! (frames)   (IP/TCP) (reassembly,  (protocol   (grouping)  (findings,  (views)
//!                      TCP health)   facts)                  verdicts)
//! ```
//! [`wire`] holds the types every layer shares and [`verdict`] the vocabulary
//! rules produce and views read; [`engine`] ties the first four layers
//! together and [`analysis`] is the service every front end calls; [`app`] is
//! the CLI on top. [`codes`] holds the code tables (mstsc, ERRINFO, NTSTATUS,
//! …) that `explain` and the rules share; [`decrypt`] reads TLS with key logs.
#![forbid(unsafe_code)]

/// `eprintln!` that never panics: a closed or full stderr (`2>&1 | head`,
/// a reader gone) is ignored instead of killing the process with 101.
macro_rules! warn {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `println!` that never panics on a closed or full stdout.
#[allow(unused_macros)]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub mod analysis;
pub mod app;
pub mod attempt;
pub mod capture;
pub mod codes;
pub mod config;
pub mod decrypt;
pub mod engine;
pub mod flow;
pub mod interrupt;
pub mod live;
pub mod live_devices;
pub mod net;
#[cfg(feature = "probe")]
pub mod probe;
pub mod redact;
pub mod regress;
pub mod report;
pub mod rules;
pub mod session;
pub mod tui;
pub mod verdict;
pub mod wire;
