//! `iotlabel verify`: offline verification of a label.

use std::path::PathBuf;

use iotlabel::verify::{VerifyInput, verify};

use super::common::{load_roots, read_all};
use super::evaluate_cmd::Format;
use super::{EXIT_IO, EXIT_USAGE, out, resolve_at};

#[derive(clap::Args)]
pub struct Args {
    /// The QR text (`HTTPS://...#BASE32`) or bare base32.
    text: Option<String>,
    /// Or a file: a .txt with the QR text, or the label's .cose bytes.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// Signed trust lists. Repeatable.
    #[arg(long)]
    trust: Vec<PathBuf>,
    /// Scheme owners' root public keys. Repeatable.
    #[arg(long)]
    root: Vec<PathBuf>,
    /// Signed status lists. Repeatable.
    #[arg(long)]
    status: Vec<PathBuf>,
    /// Verification time (default: now). UTC.
    #[arg(long)]
    at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(a: Args) -> u8 {
    let at = match resolve_at(a.at.as_deref()) {
        Ok(t) => t,
        Err(c) => return c,
    };
    let file_bytes = match &a.file {
        Some(p) => match std::fs::read(p) {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", p.display());
                return EXIT_IO;
            }
        },
        None => None,
    };
    // A file that is printable ASCII is QR text; anything else is COSE bytes.
    let file_text = file_bytes
        .as_ref()
        .filter(|b| {
            b.iter()
                .all(|c| c.is_ascii_graphic() || c.is_ascii_whitespace())
        })
        .map(|b| String::from_utf8_lossy(b).trim().to_string());
    let (text, cose) = match (&a.text, &file_bytes, &file_text) {
        (Some(t), None, _) => (Some(t.as_str()), None),
        (None, Some(_), Some(t)) => (Some(t.as_str()), None),
        (None, Some(b), None) => (None, Some(b.as_slice())),
        _ => {
            eprintln!("error: give the QR text, or --file FILE (not both)");
            return EXIT_USAGE;
        }
    };
    let roots = match load_roots(&a.root) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let trust = match read_all(&a.trust, "trust list") {
        Ok(t) => t,
        Err(c) => return c,
    };
    let status = match read_all(&a.status, "status list") {
        Ok(s) => s,
        Err(c) => return c,
    };
    let report = verify(&VerifyInput {
        text,
        cose,
        roots: &roots,
        trust_lists: &trust,
        status_lists: &status,
        at,
    });
    match a.format {
        Format::Text => out(&report.to_text()),
        Format::Json => out(&(serde_json::to_string_pretty(&report).unwrap_or_default() + "\n")),
    }
    report.verdict.exit_code()
}
