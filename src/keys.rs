//! Ed25519 keys for signing labels: the [`Signer`] seam (a software key today, a hardware or
//! cloud key later), key ids, and PEM key files.
//!
//! - Private keys are PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), or passphrase-encrypted
//!   PKCS#8 (`-----BEGIN ENCRYPTED PRIVATE KEY-----`: PBES2 with scrypt and AES-256-CBC).
//! - Public keys are PEM SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`).
//! - A key id ([`kid_of`]) is the first 8 bytes of SHA-256 over the raw 32-byte public key.
//! - Key files are written once: never over an existing file, never half-written (a temporary
//!   file in the same directory is linked into place), private keys with mode 0600 on unix.
//!   Reading a private key refuses a file that group or others may read or write.
//! - Weak (small-order) public keys are refused wherever a public key is accepted.
//!
//! Nothing here prints private key bytes: [`SoftwareKey`]'s `Debug` shows the key id only.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey, PrivateKeyInfo};
use ed25519_dalek::{SigningKey, VerifyingKey};
use pkcs8::der::{Document, SecretDocument};
use pkcs8::{EncryptedPrivateKeyInfo, SubjectPublicKeyInfoRef};
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// PEM label of an unencrypted PKCS#8 private key.
pub const PRIVATE_KEY_LABEL: &str = "PRIVATE KEY";
/// PEM label of a passphrase-encrypted PKCS#8 private key.
pub const ENCRYPTED_PRIVATE_KEY_LABEL: &str = "ENCRYPTED PRIVATE KEY";
/// PEM label of a SubjectPublicKeyInfo public key.
pub const PUBLIC_KEY_LABEL: &str = "PUBLIC KEY";
/// Key files larger than this are refused before parsing (a PEM Ed25519 key is < 400 bytes).
pub const MAX_KEY_FILE: u64 = 16 * 1024;

/// What a key operation can fail with. `origin` is the file path, or `PEM text` for text
/// parsed in memory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The file could not be read.
    #[error("cannot read key file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error("cannot write key file {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The target already exists; key files are never overwritten.
    #[error("{path} already exists; refusing to overwrite a key file (move it away first)")]
    AlreadyExists {
        /// The existing file.
        path: String,
    },
    /// The path has no file name (`/`, `..`).
    #[error("{path} is not a file path")]
    NotAFilePath {
        /// The path given.
        path: String,
    },
    /// A private key file that group or others may read or write.
    #[error(
        "private key file {path} has mode {mode:04o}: group or others may read or write it; \
         refusing to use it (fix: chmod 600 {path})"
    )]
    InsecurePermissions {
        /// The file.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// The file is larger than any key file.
    #[error("{path} is {len} bytes, too large for a key file (at most {max})")]
    FileTooLarge {
        /// The file.
        path: String,
        /// Its size.
        len: u64,
        /// [`MAX_KEY_FILE`].
        max: u64,
    },
    /// Not PEM, or PEM whose base64 or DER is broken.
    #[error("{origin}: not a valid PEM {expected}: {detail}")]
    BadPem {
        /// Path or `PEM text`.
        origin: String,
        /// What was expected (`private key`, `public key`).
        expected: &'static str,
        /// What the decoder said.
        detail: String,
    },
    /// PEM of the wrong kind (a certificate, an RSA key, a public key where a private key
    /// belongs ...).
    #[error("{origin}: PEM label is `{found}`, expected {expected}")]
    WrongPemLabel {
        /// Path or `PEM text`.
        origin: String,
        /// The label found.
        found: String,
        /// The label(s) expected.
        expected: &'static str,
    },
    /// An encrypted private key was read without a passphrase.
    #[error("{origin}: the private key is encrypted; a passphrase is required")]
    PassphraseRequired {
        /// Path or `PEM text`.
        origin: String,
    },
    /// A passphrase was given for a key that is not encrypted (fail closed: the caller
    /// believed it was protected).
    #[error("{origin}: a passphrase was given but the private key is not encrypted")]
    NotEncrypted {
        /// Path or `PEM text`.
        origin: String,
    },
    /// An empty passphrase.
    #[error("an empty passphrase is not allowed")]
    EmptyPassphrase,
    /// Decryption failed.
    #[error("{origin}: wrong passphrase, or the encrypted private key is corrupt")]
    WrongPassphrase {
        /// Path or `PEM text`.
        origin: String,
    },
    /// A key of another algorithm.
    #[error("{origin}: not an Ed25519 key (algorithm OID {oid}, Ed25519 is 1.3.101.112)")]
    NotEd25519 {
        /// Path or `PEM text`.
        origin: String,
        /// The algorithm OID found.
        oid: String,
    },
    /// An Ed25519 key whose bytes are malformed.
    #[error("{origin}: malformed Ed25519 key: {detail}")]
    Malformed {
        /// Path or `PEM text`.
        origin: String,
        /// Why.
        detail: String,
    },
    /// 32 bytes that are not a point on the curve.
    #[error("public key {public_key} is not a valid Ed25519 point")]
    InvalidPublicKey {
        /// The key, hex.
        public_key: String,
    },
    /// A small-order public key: signatures under it prove nothing.
    #[error("public key {public_key} is a weak (small-order) Ed25519 point; refused")]
    WeakPublicKey {
        /// The key, hex.
        public_key: String,
    },
    /// Serialising a key failed.
    #[error("cannot encode the key: {detail}")]
    Encode {
        /// What the encoder said.
        detail: String,
    },
    /// A signer (software, hardware, cloud) failed to sign.
    #[error("signing failed: {detail}")]
    Signing {
        /// What the signer said.
        detail: String,
    },
}

/// Something that signs with an Ed25519 key: a [`SoftwareKey`] now, a hardware or cloud key
/// later.
pub trait Signer {
    /// The raw 32-byte Ed25519 public key.
    fn public_key(&self) -> [u8; 32];

    /// The key id put in the COSE protected header: by default [`kid_of`] the public key.
    fn kid(&self) -> [u8; 8] {
        kid_of(&self.public_key())
    }

    /// An Ed25519 (RFC 8032, pure) signature over `msg`.
    fn sign(&self, msg: &[u8]) -> Result<[u8; 64], KeyError>;
}

/// The key id of a public key: the first 8 bytes of SHA-256 over its raw 32 bytes.
pub fn kid_of(public_key: &[u8; 32]) -> [u8; 8] {
    let digest = Sha256::digest(public_key);
    let mut kid = [0u8; 8];
    kid.copy_from_slice(&digest[..8]);
    kid
}

/// Accepts 32 bytes as an Ed25519 public key: they must decode to a curve point that is not
/// of small order.
pub fn public_key_from_bytes(bytes: &[u8; 32]) -> Result<VerifyingKey, KeyError> {
    let key = VerifyingKey::from_bytes(bytes).map_err(|_| KeyError::InvalidPublicKey {
        public_key: hex::encode(bytes),
    })?;
    if key.is_weak() {
        return Err(KeyError::WeakPublicKey {
            public_key: hex::encode(bytes),
        });
    }
    Ok(key)
}

/// An Ed25519 private key held in memory (read from a PKCS#8 file, generated, or derived from a
/// seed). Its `Debug` output shows the key id and public key, never the private bytes; the
/// private key is zeroed on drop.
pub struct SoftwareKey {
    key: SigningKey,
}

impl SoftwareKey {
    /// A fresh key from `rng` (the CLI passes `rand::rngs::OsRng`; tests a seeded RNG).
    pub fn generate<R: CryptoRng + RngCore + ?Sized>(rng: &mut R) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        Self::from_seed(&seed)
    }

    /// The key whose RFC 8032 private key (seed) is `seed`.
    ///
    /// Never weak: the public key is a clamped scalar times the base point, which can never be
    /// of small order.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        SoftwareKey {
            key: SigningKey::from_bytes(seed),
        }
    }

    /// The public key as an ed25519-dalek value.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// PKCS#8 PEM text (`PRIVATE KEY`), or encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`, scrypt +
    /// AES-256-CBC, salt and IV from the OS RNG) when a passphrase is given.
    pub fn to_pkcs8_pem(&self, passphrase: Option<&str>) -> Result<Zeroizing<String>, KeyError> {
        let encode = |e: pkcs8::Error| KeyError::Encode {
            detail: e.to_string(),
        };
        match passphrase {
            None => self.key.to_pkcs8_pem(LineEnding::LF).map_err(encode),
            Some("") => Err(KeyError::EmptyPassphrase),
            Some(pass) => self
                .key
                .to_pkcs8_encrypted_pem(rand::rngs::OsRng, pass.as_bytes(), LineEnding::LF)
                .map_err(encode),
        }
    }
}

impl Signer for SoftwareKey {
    fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    fn sign(&self, msg: &[u8]) -> Result<[u8; 64], KeyError> {
        use ed25519_dalek::Signer as _;
        Ok(self.key.sign(msg).to_bytes())
    }
}

impl fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareKey")
            .field("kid", &hex::encode(self.kid()))
            .field("public_key", &hex::encode(self.public_key()))
            .field("private_key", &"<redacted>")
            .finish()
    }
}

/// Public key PEM (SubjectPublicKeyInfo) text of a raw public key; refuses weak keys.
pub fn public_key_pem(public_key: &[u8; 32]) -> Result<String, KeyError> {
    let key = public_key_from_bytes(public_key)?;
    key.to_public_key_pem(LineEnding::LF)
        .map_err(|e| KeyError::Encode {
            detail: e.to_string(),
        })
}

/// Parses private key PEM text: `PRIVATE KEY` with `passphrase` None, or
/// `ENCRYPTED PRIVATE KEY` with the passphrase.
pub fn parse_private_key_pem(
    text: &str,
    passphrase: Option<&str>,
) -> Result<SoftwareKey, KeyError> {
    parse_private_key_from(text, passphrase, "PEM text")
}

/// Parses public key PEM text (`PUBLIC KEY`, SubjectPublicKeyInfo, Ed25519) into raw bytes;
/// refuses weak keys.
pub fn parse_public_key_pem(text: &str) -> Result<[u8; 32], KeyError> {
    parse_public_key_from(text, "PEM text")
}

/// Writes a private key file: PKCS#8 PEM, encrypted when `passphrase` is given. Refuses to
/// overwrite; writes a temporary file (mode 0600 on unix) in the same directory, then links it
/// into place, so the file is either complete or absent.
pub fn write_private_key(
    path: &Path,
    key: &SoftwareKey,
    passphrase: Option<&str>,
) -> Result<(), KeyError> {
    refuse_existing(path)?;
    let pem = key.to_pkcs8_pem(passphrase)?;
    write_new_file(path, pem.as_bytes(), 0o600)
}

/// Writes a public key PEM file (mode 0644 on unix); refuses to overwrite and weak keys.
pub fn write_public_key(path: &Path, public_key: &[u8; 32]) -> Result<(), KeyError> {
    refuse_existing(path)?;
    let pem = public_key_pem(public_key)?;
    write_new_file(path, pem.as_bytes(), 0o644)
}

/// Reads a private key file written by [`write_private_key`] (or `openssl genpkey -algorithm
/// ed25519`). On unix, refuses a file whose mode lets group or others read or write it.
pub fn read_private_key(path: &Path, passphrase: Option<&str>) -> Result<SoftwareKey, KeyError> {
    let shown = path.display().to_string();
    let meta = fs::metadata(path).map_err(|source| KeyError::Read {
        path: shown.clone(),
        source,
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(KeyError::InsecurePermissions { path: shown, mode });
        }
    }
    let text = read_small(path, &meta)?;
    parse_private_key_from(&text, passphrase, &shown)
}

/// Reads a public key PEM file; refuses weak keys.
pub fn read_public_key(path: &Path) -> Result<[u8; 32], KeyError> {
    let shown = path.display().to_string();
    let meta = fs::metadata(path).map_err(|source| KeyError::Read {
        path: shown.clone(),
        source,
    })?;
    let text = read_small(path, &meta)?;
    parse_public_key_from(&text, &shown)
}

fn read_small(path: &Path, meta: &fs::Metadata) -> Result<Zeroizing<String>, KeyError> {
    let shown = path.display().to_string();
    if meta.len() > MAX_KEY_FILE {
        return Err(KeyError::FileTooLarge {
            path: shown,
            len: meta.len(),
            max: MAX_KEY_FILE,
        });
    }
    let bytes = Zeroizing::new(fs::read(path).map_err(|source| KeyError::Read {
        path: shown.clone(),
        source,
    })?);
    match std::str::from_utf8(&bytes) {
        Ok(s) => Ok(Zeroizing::new(s.to_string())),
        Err(e) => Err(KeyError::BadPem {
            origin: shown,
            expected: "key",
            detail: format!("not UTF-8 text ({e})"),
        }),
    }
}

fn pem_label<'a>(text: &'a str, origin: &str, expected: &'static str) -> Result<&'a str, KeyError> {
    pkcs8::der::pem::decode_label(text.trim_start().as_bytes()).map_err(|e| KeyError::BadPem {
        origin: origin.to_string(),
        expected,
        detail: e.to_string(),
    })
}

fn bad_pem(origin: &str, expected: &'static str, e: &dyn fmt::Display) -> KeyError {
    KeyError::BadPem {
        origin: origin.to_string(),
        expected,
        detail: e.to_string(),
    }
}

fn parse_private_key_from(
    text: &str,
    passphrase: Option<&str>,
    origin: &str,
) -> Result<SoftwareKey, KeyError> {
    const EXPECTED: &str = "private key";
    let bad_pem = |e: &dyn fmt::Display| bad_pem(origin, EXPECTED, e);
    let label = pem_label(text, origin, EXPECTED)?;
    let encrypted = match label {
        PRIVATE_KEY_LABEL => false,
        ENCRYPTED_PRIVATE_KEY_LABEL => true,
        other => {
            return Err(KeyError::WrongPemLabel {
                origin: origin.to_string(),
                found: other.to_string(),
                expected: "`PRIVATE KEY` or `ENCRYPTED PRIVATE KEY`",
            });
        }
    };
    let (_, doc) = SecretDocument::from_pem(text.trim_start()).map_err(|e| bad_pem(&e))?;
    let plain: SecretDocument = match (encrypted, passphrase) {
        (false, None) => doc,
        (false, Some(_)) => {
            return Err(KeyError::NotEncrypted {
                origin: origin.to_string(),
            });
        }
        (true, None) => {
            return Err(KeyError::PassphraseRequired {
                origin: origin.to_string(),
            });
        }
        (true, Some("")) => return Err(KeyError::EmptyPassphrase),
        (true, Some(pass)) => {
            let info =
                EncryptedPrivateKeyInfo::try_from(doc.as_bytes()).map_err(|e| bad_pem(&e))?;
            info.decrypt(pass.as_bytes())
                .map_err(|_| KeyError::WrongPassphrase {
                    origin: origin.to_string(),
                })?
        }
    };
    let info = match PrivateKeyInfo::try_from(plain.as_bytes()) {
        Ok(info) => info,
        // Random plaintext from a wrong passphrase can pass the CBC padding check.
        Err(_) if encrypted => {
            return Err(KeyError::WrongPassphrase {
                origin: origin.to_string(),
            });
        }
        Err(e) => return Err(bad_pem(&e)),
    };
    if info.algorithm.oid != ed25519_dalek::pkcs8::ALGORITHM_OID {
        return Err(KeyError::NotEd25519 {
            origin: origin.to_string(),
            oid: info.algorithm.oid.to_string(),
        });
    }
    let key = SigningKey::try_from(info).map_err(|e| KeyError::Malformed {
        origin: origin.to_string(),
        detail: e.to_string(),
    })?;
    Ok(SoftwareKey { key })
}

fn parse_public_key_from(text: &str, origin: &str) -> Result<[u8; 32], KeyError> {
    const EXPECTED: &str = "public key";
    let label = pem_label(text, origin, EXPECTED)?;
    if label != PUBLIC_KEY_LABEL {
        return Err(KeyError::WrongPemLabel {
            origin: origin.to_string(),
            found: label.to_string(),
            expected: "`PUBLIC KEY`",
        });
    }
    let bad_pem = |e: &dyn fmt::Display| bad_pem(origin, EXPECTED, e);
    let (_, doc) = Document::from_pem(text.trim_start()).map_err(|e| bad_pem(&e))?;
    let spki = SubjectPublicKeyInfoRef::try_from(doc.as_bytes()).map_err(|e| bad_pem(&e))?;
    if spki.algorithm.oid != ed25519_dalek::pkcs8::ALGORITHM_OID {
        return Err(KeyError::NotEd25519 {
            origin: origin.to_string(),
            oid: spki.algorithm.oid.to_string(),
        });
    }
    if spki.algorithm.parameters.is_some() {
        return Err(KeyError::Malformed {
            origin: origin.to_string(),
            detail: "Ed25519 algorithm identifier must have no parameters".to_string(),
        });
    }
    let raw = spki.subject_public_key.as_bytes().unwrap_or_default();
    let bytes: [u8; 32] = raw.try_into().map_err(|_| KeyError::Malformed {
        origin: origin.to_string(),
        detail: format!("public key is {} bytes, expected 32", raw.len()),
    })?;
    public_key_from_bytes(&bytes)?;
    Ok(bytes)
}

fn refuse_existing(path: &Path) -> Result<(), KeyError> {
    if fs::symlink_metadata(path).is_ok() {
        return Err(KeyError::AlreadyExists {
            path: path.display().to_string(),
        });
    }
    Ok(())
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `contents` to a new file at `path`: temp file in the same directory (created with
/// `create_new` and `mode`), synced, then hard-linked to `path` (which fails if `path`
/// exists), then the temp name removed.
fn write_new_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), KeyError> {
    let shown = path.display().to_string();
    let write_err = |source| KeyError::Write {
        path: shown.clone(),
        source,
    };
    let Some(name) = path.file_name() else {
        return Err(KeyError::NotAFilePath { path: shown });
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let (tmp, mut file) = {
        let mut attempt = 0;
        loop {
            let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let tmp = dir.join(format!(
                ".{}.{}.{n}.tmp",
                name.to_string_lossy(),
                std::process::id()
            ));
            let mut opts = fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(mode);
            }
            #[cfg(not(unix))]
            let _ = mode;
            match opts.open(&tmp) {
                Ok(file) => break (tmp, file),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => {
                    attempt += 1;
                }
                Err(e) => return Err(write_err(e)),
            }
        }
    };
    let result = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(write_err)
        .and_then(|()| {
            drop(file);
            match fs::hard_link(&tmp, path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    Err(KeyError::AlreadyExists {
                        path: shown.clone(),
                    })
                }
                // File systems without hard links: check, then rename (a small race).
                Err(_) => {
                    refuse_existing(path)?;
                    fs::rename(&tmp, path).map_err(write_err)
                }
            }
        });
    let _ = fs::remove_file(&tmp);
    result?;
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const SEED: [u8; 32] = [7u8; 32];

    #[test]
    fn kid_is_sha256_prefix_of_public_key() {
        let key = SoftwareKey::from_seed(&SEED);
        let pk = key.public_key();
        let full = Sha256::digest(pk);
        assert_eq!(key.kid(), full[..8]);
        assert_eq!(kid_of(&pk), key.kid());
    }

    #[test]
    fn generate_from_seeded_rng_is_deterministic() {
        let mut a = rand::rngs::StdRng::seed_from_u64(42);
        let mut b = rand::rngs::StdRng::seed_from_u64(42);
        let ka = SoftwareKey::generate(&mut a);
        let kb = SoftwareKey::generate(&mut b);
        assert_eq!(ka.public_key(), kb.public_key());
    }

    #[test]
    fn rfc8032_test_vector_1() {
        // RFC 8032 §7.1, TEST 1.
        let seed: [u8; 32] =
            hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap()
                .try_into()
                .unwrap();
        let key = SoftwareKey::from_seed(&seed);
        assert_eq!(
            hex::encode(key.public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let sig = key.sign(b"").unwrap();
        assert_eq!(
            hex::encode(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }

    #[test]
    fn debug_redacts_private_key() {
        let key = SoftwareKey::from_seed(&SEED);
        let shown = format!("{key:?}");
        assert!(shown.contains("<redacted>"));
        assert!(!shown.contains(&hex::encode(SEED)));
        assert!(!shown.contains("7, 7, 7"));
    }

    #[test]
    fn pem_round_trip() {
        let key = SoftwareKey::from_seed(&SEED);
        let pem = key.to_pkcs8_pem(None).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let back = parse_private_key_pem(&pem, None).unwrap();
        assert_eq!(back.public_key(), key.public_key());
        let pub_pem = public_key_pem(&key.public_key()).unwrap();
        assert!(pub_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        assert_eq!(parse_public_key_pem(&pub_pem).unwrap(), key.public_key());
    }

    #[test]
    fn openssl_style_key_parses() {
        // `openssl genpkey -algorithm ed25519` output (PKCS#8 v1, no public key), RFC 8410 §10.3.
        let pem = "-----BEGIN PRIVATE KEY-----\n\
                   MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
                   -----END PRIVATE KEY-----\n";
        let key = parse_private_key_pem(pem, None).unwrap();
        assert_eq!(key.public_key().len(), 32);
    }

    #[test]
    fn passphrase_mismatch_is_refused() {
        let key = SoftwareKey::from_seed(&SEED);
        let plain = key.to_pkcs8_pem(None).unwrap();
        assert!(matches!(
            parse_private_key_pem(&plain, Some("x")),
            Err(KeyError::NotEncrypted { .. })
        ));
        assert!(matches!(
            key.to_pkcs8_pem(Some("")),
            Err(KeyError::EmptyPassphrase)
        ));
    }

    #[test]
    fn wrong_label_and_garbage() {
        let key = SoftwareKey::from_seed(&SEED);
        let pub_pem = public_key_pem(&key.public_key()).unwrap();
        assert!(matches!(
            parse_private_key_pem(&pub_pem, None),
            Err(KeyError::WrongPemLabel { .. })
        ));
        let priv_pem = key.to_pkcs8_pem(None).unwrap();
        assert!(matches!(
            parse_public_key_pem(&priv_pem),
            Err(KeyError::WrongPemLabel { .. })
        ));
        assert!(matches!(
            parse_public_key_pem("hello"),
            Err(KeyError::BadPem { .. })
        ));
    }

    #[test]
    fn weak_and_invalid_public_keys_refused() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(matches!(
            public_key_from_bytes(&identity),
            Err(KeyError::WeakPublicKey { .. })
        ));
        assert!(matches!(
            public_key_from_bytes(&[0u8; 32]),
            Err(KeyError::WeakPublicKey { .. })
        ));
        assert!(public_key_pem(&identity).is_err());
    }
}
