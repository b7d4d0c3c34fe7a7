//! Writing files safely: never half-written (a temp file in the same directory, synced, then
//! renamed over the target: `tempfile`'s `persist`), with the mode set at creation.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file, directory or other named thing that could not be read, created, written ...: the
/// one shape of the CLI's and the status store's I/O errors.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}: {source}", path.display())]
pub struct FileError {
    /// `read`, `create`, `write` ...
    pub action: &'static str,
    /// The file or directory.
    pub path: PathBuf,
    /// The cause.
    #[source]
    pub source: std::io::Error,
}

impl FileError {
    /// The `map_err` for the step `action` on `path`.
    pub fn on(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> FileError {
        let path = path.into();
        move |source| FileError {
            action,
            path,
            source,
        }
    }
}

/// Writes `bytes` to `path` atomically with unix mode `mode` (replacing an existing file). On
/// any error the temp file is removed and `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    write_replacing(path, bytes, mode, true)
}

/// [`write_atomic`] without the fsync, for the many files of a batch: they are made durable
/// together by one [`sync_filesystem`] at its end, and the ledger can make them again (an fsync
/// per file was most of `issue`'s wall time: 7 files a label).
pub fn write_atomic_unsynced(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    write_replacing(path, bytes, mode, false)
}

/// Flushes every file written on the filesystem that holds `dir` (Linux `syncfs`).
pub fn sync_filesystem(dir: &Path) -> std::io::Result<()> {
    let d = std::fs::File::open(dir)?;
    rustix::fs::syncfs(&d).map_err(std::io::Error::from)
}

fn write_replacing(path: &Path, bytes: &[u8], mode: u32, sync: bool) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = builder.tempfile_in(dir)?;
    file.write_all(bytes)?;
    if sync {
        file.as_file().sync_all()?;
    }
    file.persist(path).map(drop).map_err(|e| e.error)
}
