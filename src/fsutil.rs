//! Writing files safely: never half-written (a temp file in the same directory, synced, then
//! renamed over the target: `tempfile`'s `persist`; a batch's new files are written nameless
//! and linked in), with the mode set at creation.

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
///
/// A new file is made nameless (`O_TMPFILE`) and linked in once written: one entry added to the
/// directory instead of a temp name created and then renamed. Both workers of a batch write
/// into one folder, and each entry change holds the folder's lock; on ext4 the inode is also
/// allocated under that lock by a named create, but outside it for a nameless one. Measured by
/// `bench/issue-batch.sh` (see the README's batch figures). Where the name exists already (a
/// re-run) or the filesystem has no `O_TMPFILE`, it falls back to temp + rename.
pub fn write_atomic_unsynced(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    match write_new_nameless(path, bytes, mode) {
        Ok(()) => Ok(()),
        Err(Nameless::Unavailable) => write_replacing(path, bytes, mode, false),
        Err(Nameless::Io(e)) => Err(e),
    }
}

/// Why [`write_new_nameless`] did not write: the fallback applies, or a real error.
enum Nameless {
    /// No `O_TMPFILE` here, or the name is taken: use temp + rename.
    Unavailable,
    Io(std::io::Error),
}

/// Writes `bytes` into a nameless file in `path`'s folder and links it in as `path`, which must
/// not exist. Nothing is visible under `path` until every byte is written; a crash before the
/// link leaves only an unnamed inode, which the filesystem frees.
#[cfg(target_os = "linux")]
fn write_new_nameless(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Nameless> {
    use rustix::fs::{AtFlags, CWD, Mode, OFlags};
    use rustix::io::Errno;
    use std::os::fd::AsRawFd;
    let dir = parent_dir(path);
    let fd = match rustix::fs::openat(
        CWD,
        dir,
        OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC,
        Mode::from_raw_mode(mode),
    ) {
        Ok(fd) => fd,
        // Filesystems without O_TMPFILE say so in one of these ways (open(2)).
        Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL | Errno::NOENT) if dir.is_dir() => {
            return Err(Nameless::Unavailable);
        }
        Err(e) => return Err(Nameless::Io(e.into())),
    };
    let mut file = std::fs::File::from(fd);
    file.write_all(bytes).map_err(Nameless::Io)?;
    // Linking a nameless file through /proc needs no capability (AT_EMPTY_PATH would).
    let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
    match rustix::fs::linkat(CWD, proc_path.as_str(), CWD, path, AtFlags::SYMLINK_FOLLOW) {
        Ok(()) => Ok(()),
        Err(Errno::EXIST | Errno::NOENT) => Err(Nameless::Unavailable),
        Err(e) => Err(Nameless::Io(e.into())),
    }
}

#[cfg(not(target_os = "linux"))]
fn write_new_nameless(_: &Path, _: &[u8], _: u32) -> Result<(), Nameless> {
    Err(Nameless::Unavailable)
}

/// The folder `path` is in ("." for a bare name).
fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Flushes every file written on the filesystem that holds `dir` (Linux `syncfs`).
pub fn sync_filesystem(dir: &Path) -> std::io::Result<()> {
    let d = std::fs::File::open(dir)?;
    rustix::fs::syncfs(&d).map_err(std::io::Error::from)
}

fn write_replacing(path: &Path, bytes: &[u8], mode: u32, sync: bool) -> std::io::Result<()> {
    let dir = parent_dir(path);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn unsynced_writes_make_new_files_and_replace_old_ones_leaving_no_temp_names() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.pdf");
        write_atomic_unsynced(&a, b"first", 0o640).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"first");
        let mode = std::fs::metadata(&a).unwrap().permissions().mode() & 0o777;
        // The umask may clear bits, never add them.
        assert_eq!(mode & !0o640, 0, "mode {mode:o}");
        // The name is taken now: the fallback replaces it whole.
        write_atomic_unsynced(&a, b"second, longer", 0o640).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"second, longer");
        write_atomic_unsynced(&dir.path().join("b"), b"", 0o644).unwrap();
        assert_eq!(names(dir.path()), ["a.pdf", "b"]);
    }

    #[test]
    fn an_unsynced_write_into_a_missing_folder_fails_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-folder");
        let err = write_atomic_unsynced(&missing.join("a"), b"x", 0o644).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        assert!(names(dir.path()).is_empty());
        // A file where the folder should be is refused too.
        std::fs::write(&missing, b"").unwrap();
        assert!(write_atomic_unsynced(&missing.join("a"), b"x", 0o644).is_err());
        assert_eq!(names(dir.path()), ["no-such-folder"]);
    }

    #[test]
    fn a_bare_name_is_written_in_the_current_folder() {
        assert_eq!(parent_dir(Path::new("a.txt")), Path::new("."));
        assert_eq!(parent_dir(Path::new("d/a.txt")), Path::new("d"));
    }
}
