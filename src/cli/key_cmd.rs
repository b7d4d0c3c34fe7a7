//! `iotlabel key generate`.

use std::path::PathBuf;

use iotlabel::keys::{KeyError, Signer, SoftwareKey, write_private_key, write_public_key};
use iotlabel::trust::Role;

use super::{EXIT_INVALID, EXIT_IO, EXIT_USAGE, out};

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// What the key is for: scheme-owner, issuing-body, lab, manufacturer, status.
    #[arg(long)]
    role: String,
    /// Who holds it (shown with the kid; the trust list records it).
    #[arg(long)]
    name: String,
    /// Writes PREFIX.key (private, mode 0600) and PREFIX.pub; never overwrites.
    #[arg(long, value_name = "PREFIX")]
    out: PathBuf,
    /// Encrypt the private key with the passphrase in this environment variable.
    #[arg(long, value_name = "VAR")]
    passphrase_env: Option<String>,
}

pub fn generate(a: GenerateArgs) -> u8 {
    let Some(role) = Role::parse(&a.role) else {
        eprintln!(
            "error: unknown role `{}`\n  help: scheme-owner, issuing-body, lab, manufacturer or status",
            a.role
        );
        return EXIT_USAGE;
    };
    let pass = match &a.passphrase_env {
        Some(v) => match std::env::var(v) {
            Ok(p) if !p.is_empty() => Some(p),
            _ => {
                eprintln!("error: environment variable {v} is not set or empty");
                return EXIT_USAGE;
            }
        },
        None => None,
    };
    let key = SoftwareKey::generate(&mut rand::rngs::OsRng);
    let prefix = a.out.display().to_string();
    let (kpath, ppath) = (
        PathBuf::from(format!("{prefix}.key")),
        PathBuf::from(format!("{prefix}.pub")),
    );
    for p in [&kpath, &ppath] {
        // `symlink_metadata`, not `exists`: a dangling link is a file name in use too (the
        // writer refuses it, and the private half would be left without its public half).
        if std::fs::symlink_metadata(p).is_ok() {
            eprintln!(
                "error: {} exists; key files are never overwritten\n  help: choose another --out prefix",
                p.display()
            );
            return EXIT_INVALID;
        }
    }
    if let Some(dir) = kpath.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return EXIT_IO;
    }
    if let Err(e) = write_private_key(&kpath, &key, pass.as_deref()) {
        eprintln!("error: {e}");
        return key_error_code(&e);
    }
    if let Err(e) = write_public_key(&ppath, &key.public_key()) {
        // Never half a key pair: the private half goes too.
        let _ = std::fs::remove_file(&kpath);
        eprintln!("error: {e}");
        return key_error_code(&e);
    }
    out(&format!(
        "generated {} key for {}\n  kid:     {}\n  private: {} (mode 0600{})\n  public:  {}\n",
        role.name(),
        a.name,
        hex::encode(key.kid()),
        kpath.display(),
        if pass.is_some() {
            ", passphrase-encrypted"
        } else {
            ""
        },
        ppath.display()
    ));
    0
}

/// A file that could not be written is an I/O error (3); anything else is invalid input (1).
fn key_error_code(e: &KeyError) -> u8 {
    match e {
        KeyError::Write { .. } => EXIT_IO,
        _ => EXIT_INVALID,
    }
}
