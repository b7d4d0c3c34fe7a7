//! Helpers shared by the signing commands: reading keys, roots and trust lists, writing files.

use std::path::{Path, PathBuf};

use iotlabel::keys::{SoftwareKey, read_private_key, read_public_key};
use iotlabel::trust::{VerifiedTrustList, open_trust_list};

use super::{EXIT_INVALID, EXIT_IO};

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
    /// Reads the key, printing a clear error; `Err` is the exit code.
    pub fn load(&self) -> Result<SoftwareKey, u8> {
        let pass = match &self.passphrase_env {
            Some(var) => match std::env::var(var) {
                Ok(p) => Some(p),
                Err(_) => {
                    eprintln!("error: environment variable {var} (--passphrase-env) is not set");
                    return Err(super::EXIT_USAGE);
                }
            },
            None => None,
        };
        read_private_key(&self.key, pass.as_deref()).map_err(|e| {
            eprintln!("error: {e}");
            EXIT_INVALID
        })
    }
}

/// Reads root public keys.
pub fn load_roots(paths: &[PathBuf]) -> Result<Vec<[u8; 32]>, u8> {
    paths
        .iter()
        .map(|p| {
            read_public_key(p).map_err(|e| {
                eprintln!("error: --root {}: {e}", p.display());
                EXIT_INVALID
            })
        })
        .collect()
}

/// Reads files' bytes.
pub fn read_all(paths: &[PathBuf], what: &str) -> Result<Vec<Vec<u8>>, u8> {
    paths
        .iter()
        .map(|p| {
            std::fs::read(p).map_err(|e| {
                eprintln!("error: cannot read {what} {}: {e}", p.display());
                EXIT_IO
            })
        })
        .collect()
}

/// Reads and verifies trust lists; any that fails is an error here (issuing, applying status).
pub fn load_trust(
    paths: &[PathBuf],
    roots: &[[u8; 32]],
    at: i64,
) -> Result<Vec<VerifiedTrustList>, u8> {
    let mut out = Vec::new();
    for (p, bytes) in paths.iter().zip(read_all(paths, "trust list")?) {
        match open_trust_list(&bytes, roots, at) {
            Ok(t) => out.push(t),
            Err(e) => {
                eprintln!("error: trust list {}: {e}", p.display());
                return Err(EXIT_INVALID);
            }
        }
    }
    Ok(out)
}

/// Writes a file atomically, creating its directory.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), u8> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return Err(EXIT_IO);
    }
    iotlabel::fsutil_write(path, bytes).map_err(|e| {
        eprintln!("error: cannot write {}: {e}", path.display());
        EXIT_IO
    })
}

/// Parses a `--at`-style time into unix seconds.
pub fn unix_at(at: Option<&str>) -> Result<(jiff::Timestamp, i64), u8> {
    let t = super::resolve_at(at)?;
    Ok((t, t.as_second()))
}

/// Days to seconds.
pub fn days(n: i64) -> i64 {
    n.saturating_mul(86_400)
}

/// Parses a date argument into unix seconds.
pub fn date_arg(s: &str, what: &str) -> Result<i64, u8> {
    iotlabel::time::parse_at(s)
        .map(|t| t.as_second())
        .map_err(|e| {
            eprintln!("error: {what}: {e}");
            super::EXIT_USAGE
        })
}

/// Takes the issuer state's lock (`DIR/.lock`, created if missing), waiting while another
/// process holds it: `issue` and `status apply` read, change and write the ledger and status
/// state, and two runs at once would otherwise both hand out the same status index (or lose
/// one run's labels from the ledger). Held until the returned file is dropped.
pub fn lock_state(dir: &Path) -> Result<std::fs::File, u8> {
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return Err(EXIT_IO);
    }
    let path = dir.join(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| {
            eprintln!("error: cannot open {}: {e}", path.display());
            EXIT_IO
        })?;
    file.lock().map_err(|e| {
        eprintln!("error: cannot lock {}: {e}", path.display());
        EXIT_IO
    })?;
    Ok(file)
}
