//! Loads a DLL by its full path for the rest of the process and checks that
//! it exports the functions the caller will need.
//!
//! rdpdiag delay-loads `wpcap.dll` (see the root build.rs): the DLL is bound
//! at the first pcap call, by base name. Npcap installs it in
//! `System32\Npcap`, which is not on the DLL search path, and a missing DLL
//! or function at that point is an unhandled exception, not an error value.
//! Loading it here first, by full path, makes the delay-load bind to this
//! already-loaded module (Windows resolves a base name to a loaded module of
//! that name) and turns "not there" or "too old" (WinPcap) into an error the
//! caller can word. `LOAD_WITH_ALTERED_SEARCH_PATH` lets the DLL's own
//! `Packet.dll` be found next to it.
//!
//! This is the only unsafe code of rdpdiag (the main crate forbids it): two
//! kernel32 calls, kept in this crate so that the rest stays
//! `#![forbid(unsafe_code)]`. It has no dependencies.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::path::Path;

/// Why a DLL could not be preloaded.
#[derive(Debug)]
pub enum PreloadError {
    /// The path is not absolute or contains a NUL.
    BadPath,
    /// `LoadLibraryExW` failed (file missing, wrong architecture, a
    /// dependency missing...).
    Load(std::io::Error),
    /// Loaded, but these functions are not exported.
    Missing(Vec<String>),
    /// Not Windows: nothing to load.
    Unsupported,
}

impl std::fmt::Display for PreloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadPath => f.write_str("not an absolute DLL path"),
            Self::Load(e) => write!(f, "cannot load it: {e}"),
            Self::Missing(m) => write!(f, "it lacks {}", m.join(", ")),
            Self::Unsupported => f.write_str("DLL loading is for Windows only"),
        }
    }
}

impl std::error::Error for PreloadError {}

#[cfg(windows)]
mod sys {
    use std::ffi::c_void;

    pub const LOAD_WITH_ALTERED_SEARCH_PATH: u32 = 0x0000_0008;

    #[link(name = "kernel32")]
    extern "system" {
        pub fn LoadLibraryExW(name: *const u16, file: *mut c_void, flags: u32) -> *mut c_void;
        pub fn GetProcAddress(module: *mut c_void, name: *const u8) -> *mut c_void;
    }
}

/// Load the DLL at `path` (absolute) for the life of the process and check
/// that it exports every name in `exports`. The module is never unloaded:
/// the delay-loaded imports bind to it later.
#[cfg(windows)]
pub fn preload(path: &Path, exports: &[&str]) -> Result<(), PreloadError> {
    use std::os::windows::ffi::OsStrExt;
    if !path.is_absolute() {
        return Err(PreloadError::BadPath);
    }
    let wide: Vec<u16> = path.as_os_str().encode_wide().collect();
    if wide.contains(&0) {
        return Err(PreloadError::BadPath);
    }
    let wide: Vec<u16> = wide.into_iter().chain(std::iter::once(0)).collect();
    // SAFETY: `wide` is a NUL-terminated UTF-16 string alive across the call;
    // the file handle argument must be null; the flag is valid for the
    // absolute path checked above. Running the DLL's initialisation is the
    // purpose: it is the capture library the user installed.
    let module = unsafe {
        sys::LoadLibraryExW(
            wide.as_ptr(),
            std::ptr::null_mut(),
            sys::LOAD_WITH_ALTERED_SEARCH_PATH,
        )
    };
    if module.is_null() {
        return Err(PreloadError::Load(std::io::Error::last_os_error()));
    }
    let missing: Vec<String> = exports
        .iter()
        .filter(|name| {
            let Ok(c) = std::ffi::CString::new(**name) else {
                return true;
            };
            // SAFETY: `module` is a loaded module that is never freed; `c` is
            // a NUL-terminated ANSI name alive across the call. The returned
            // address is only compared with null, never called.
            unsafe { sys::GetProcAddress(module, c.as_ptr().cast()) }.is_null()
        })
        .map(|s| (*s).to_string())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(PreloadError::Missing(missing))
    }
}

/// Not Windows: there is no DLL to load.
#[cfg(not(windows))]
pub fn preload(_path: &Path, _exports: &[&str]) -> Result<(), PreloadError> {
    Err(PreloadError::Unsupported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(windows))]
    #[test]
    fn elsewhere_it_says_unsupported() {
        assert!(matches!(
            preload(Path::new("/x/wpcap.dll"), &["pcap_create"]),
            Err(PreloadError::Unsupported)
        ));
    }

    #[cfg(windows)]
    #[test]
    fn kernel32_loads_and_a_missing_export_is_named() {
        let root = std::env::var_os("SystemRoot").unwrap_or_else(|| r"C:\Windows".into());
        let k32 = Path::new(&root).join("System32").join("kernel32.dll");
        assert!(preload(&k32, &["GetProcAddress"]).is_ok());
        match preload(&k32, &["GetProcAddress", "pcap_create"]) {
            Err(PreloadError::Missing(m)) => assert_eq!(m, ["pcap_create"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            preload(Path::new("wpcap.dll"), &[]),
            Err(PreloadError::BadPath)
        ));
    }
}
