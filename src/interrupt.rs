//! SIGINT and SIGTERM as a request to finish: the commands that read
//! without end (`analyze -`, `live`, `tui`) stop reading, report what was
//! read (write the capture, embed its keys, restore the terminal) and exit
//! with 128 + the signal number. A second signal of the same kind ends the
//! process at once, for a run that does not finish.
//!
//! A leaf module: the readers and the engine poll [`requested`].

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

static RECEIVED: OnceLock<Arc<AtomicUsize>> = OnceLock::new();

/// Install the handlers (once per process). Until then the signals keep
/// their default action.
pub fn install() {
    RECEIVED.get_or_init(|| {
        let received = Arc::new(AtomicUsize::new(0));
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // Handlers run in registration order: the first signal arms
            // `again`, so only a second one exits.
            let again = Arc::new(AtomicBool::new(false));
            let _ = signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, again.clone());
            let _ = signal_hook::flag::register(sig, again);
            let _ = signal_hook::flag::register_usize(sig, received.clone(), sig as usize);
        }
        received
    });
}

/// The signal received, if any.
pub fn signal() -> Option<i32> {
    let sig = RECEIVED.get()?.load(Ordering::Relaxed);
    (sig != 0).then_some(sig as i32)
}

/// A signal asked the process to finish.
pub fn requested() -> bool {
    signal().is_some()
}

/// The conventional exit code after a signal: 130 for SIGINT, 143 for SIGTERM.
pub fn exit_code() -> Option<i32> {
    signal().map(|s| 128 + s)
}
