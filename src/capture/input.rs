//! A latch under the capture reader that turns the first read error into the
//! end of the input, kept for a warning. (Stdin and gzip are read ahead on a
//! thread by `prefetch`, which also ends the input on a signal.)

use std::io::{self, Read};
use std::sync::Arc;

/// The first read error of an input (a gzip stream cut short, with garbage
/// after it or a bad CRC), kept so the frames read before it are analyzed and
/// the error becomes a warning: pcap-parser turns any read error while it
/// starts into "not a capture", and a damaged gzip fails within its first MiB.
#[derive(Clone, Default)]
pub(super) struct ReadErrorLatch(Arc<std::sync::Mutex<Option<io::Error>>>);

impl ReadErrorLatch {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<io::Error>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    pub(super) fn failed(&self) -> bool {
        self.lock().is_some()
    }
    pub(super) fn take(&self) -> Option<io::Error> {
        self.lock().take()
    }
}

/// Reads `inner` until its first error, then reports the end of the input.
pub(super) struct Latched<R> {
    pub(super) inner: R,
    pub(super) latch: ReadErrorLatch,
}

impl<R: Read> Read for Latched<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.latch.failed() {
            return Ok(0);
        }
        loop {
            match self.inner.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    *self.latch.lock() = Some(e);
                    return Ok(0);
                }
                ok => return ok,
            }
        }
    }
}
