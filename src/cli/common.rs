//! Helpers shared by the commands: the `--at` parser, the trust argument group, reading keys,
//! roots and trust lists, writing files, the issuer state's lock.

use std::path::{Path, PathBuf};

use iotlabel::FileError;
use iotlabel::keys::{SoftwareKey, read_private_key, read_public_key};
use iotlabel::trust::{VerifiedTrustList, open_trust_list};
use jiff::Timestamp;

use super::error::CliError;

/// The one parser of `--at` and every other date option: YYYY-MM-DD or RFC 3339, UTC (a clap
/// value parser, so a bad date is a usage error naming the option).
pub fn parse_time(s: &str) -> Result<Timestamp, String> {
    iotlabel::time::parse_at(s)
}

/// The time given, or now: the only place the CLI reads the clock.
pub fn at_or_now(at: Option<Timestamp>) -> Timestamp {
    at.unwrap_or_else(Timestamp::now)
}

/// Roots, trust lists and status lists: what a verifier trusts (`verify`, `render`, `serve`).
/// With `REQUIRED`, at least one trust list and one root must be given.
#[derive(clap::Args, Clone, Default)]
pub struct TrustArgs<const REQUIRED: bool> {
    /// Signed trust lists (the issuers' names shown come from them). Repeatable.
    #[arg(long, required = REQUIRED)]
    pub trust: Vec<PathBuf>,
    /// Scheme owners' root public keys. Repeatable.
    #[arg(long, required = REQUIRED)]
    pub root: Vec<PathBuf>,
    /// Signed status lists, used as they are (`serve` never re-signs them). Repeatable.
    #[arg(long)]
    pub status: Vec<PathBuf>,
}

/// The files of [`TrustArgs`], read.
pub struct TrustFiles {
    /// Root public keys.
    pub roots: Vec<[u8; 32]>,
    /// Trust lists' bytes.
    pub trust: Vec<Vec<u8>>,
    /// Status lists' bytes.
    pub status: Vec<Vec<u8>>,
}

impl<const REQUIRED: bool> TrustArgs<REQUIRED> {
    /// Reads every file.
    pub fn read(&self) -> Result<TrustFiles, CliError> {
        Ok(TrustFiles {
            roots: load_roots(&self.root)?,
            trust: read_all(&self.trust, "trust list")?,
            status: read_all(&self.status, "status list")?,
        })
    }
}

/// Options for reading a private key.
#[derive(clap::Args, Clone)]
pub struct KeyArgs {
    /// Private key file (PKCS#8 PEM, mode 0600).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Name of an environment variable holding the key's passphrase (never on the command line).
    #[arg(long, value_name = "VAR")]
    pub passphrase_env: Option<String>,
}

impl KeyArgs {
    /// Reads the key.
    pub fn load(&self) -> Result<SoftwareKey, CliError> {
        load_key(&self.key, self.passphrase_env.as_deref())
    }
}

/// Reads a private key, its passphrase from the environment variable `env` if given.
pub fn load_key(path: &Path, env: Option<&str>) -> Result<SoftwareKey, CliError> {
    let pass = env
        .map(|var| {
            std::env::var(var).map_err(|_| {
                CliError::usage(format!(
                    "environment variable {var} (--passphrase-env) is not set"
                ))
            })
        })
        .transpose()?;
    Ok(read_private_key(path, pass.as_deref())?)
}

/// Reads root public keys.
pub fn load_roots(paths: &[PathBuf]) -> Result<Vec<[u8; 32]>, CliError> {
    paths
        .iter()
        .map(|p| {
            read_public_key(p)
                .map_err(|e| CliError::from(e).context(format!("--root {}", p.display())))
        })
        .collect()
}

/// Reads a file's bytes.
pub fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::read(path, e))
}

/// Reads files' bytes; `what` they are names them in an error (`trust list: cannot read ...`).
pub fn read_all(paths: &[PathBuf], what: &str) -> Result<Vec<Vec<u8>>, CliError> {
    paths
        .iter()
        .map(|p| read(p).map_err(|e| e.context(what)))
        .collect()
}

/// Reads and verifies trust lists; any that fails is an error here (issuing, applying status).
pub fn load_trust(
    paths: &[PathBuf],
    roots: &[[u8; 32]],
    at: i64,
) -> Result<Vec<VerifiedTrustList>, CliError> {
    paths
        .iter()
        .zip(read_all(paths, "trust list")?)
        .map(|(p, bytes)| {
            open_trust_list(&bytes, roots, at)
                .map_err(|e| CliError::from(e).context(format!("trust list {}", p.display())))
        })
        .collect()
}

/// Writes a file atomically, creating its directory.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir(dir)?;
    }
    iotlabel::fsutil::write_atomic(path, bytes, 0o644)
        .map_err(FileError::on("write", path))
        .map_err(CliError::Io)
}

/// Creates a directory and its parents.
pub fn create_dir(dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)
        .map_err(FileError::on("create", dir))
        .map_err(CliError::Io)
}

/// Days to seconds.
pub fn days(n: i64) -> i64 {
    n.saturating_mul(86_400)
}

/// Parses a 16-hex-digit key id.
pub fn parse_kid(s: &str) -> Option<iotlabel::ids::Kid> {
    s.parse().ok()
}

/// Takes the issuer state's lock (`DIR/.lock`, created if missing), waiting while another
/// process holds it: `issue`, `revoke --state` and `status apply` read, change and write the
/// ledger and status state, and two runs at once would otherwise both hand out the same status
/// index or statement sequence number (or lose one run's labels from the ledger). Held until
/// the returned file is dropped.
pub fn lock_state(dir: &Path) -> Result<std::fs::File, CliError> {
    create_dir(dir)?;
    let path = dir.join(".lock");
    let io = |action| FileError::on(action, path.clone());
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io("open"))?;
    file.lock().map_err(io("lock"))?;
    Ok(file)
}
