//! `iotlabel key generate`.

use std::path::PathBuf;

use iotlabel::keys::{Signer, SoftwareKey, write_private_key, write_public_key};
use iotlabel::trust::Role;

use super::common::create_dir;
use super::{CliError, out};

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

pub fn generate(a: GenerateArgs) -> Result<(), CliError> {
    let Some(role) = Role::parse(&a.role) else {
        return Err(CliError::usage(format!(
            "unknown role `{}`\n  help: scheme-owner, issuing-body, lab, manufacturer or status",
            a.role
        )));
    };
    let pass = match &a.passphrase_env {
        Some(v) => match std::env::var(v) {
            Ok(p) if !p.is_empty() => Some(p),
            _ => {
                return Err(CliError::usage(format!(
                    "environment variable {v} is not set or empty"
                )));
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
            return Err(CliError::invalid(format!(
                "{} exists; key files are never overwritten\n  help: choose another --out prefix",
                p.display()
            )));
        }
    }
    if let Some(dir) = kpath.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir(dir)?;
    }
    write_private_key(&kpath, &key, pass.as_deref())?;
    if let Err(e) = write_public_key(&ppath, &key.public_key()) {
        // Never half a key pair: the private half goes too.
        let _ = std::fs::remove_file(&kpath);
        return Err(e.into());
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
    Ok(())
}
