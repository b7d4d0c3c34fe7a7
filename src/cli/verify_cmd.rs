//! `iotlabel verify`: offline verification of a label, given as QR text, a file, or a picture.

use std::path::{Path, PathBuf};

use iotlabel::scan::{looks_like_label, read_qr_texts};
use iotlabel::verify::{TrustStore, VerifyReport};

use super::common::{TrustArgs, at_or_now, parse_time, read};
use super::evaluate_cmd::Format;
use super::{CliError, EXIT_INVALID, out};

#[derive(clap::Args)]
pub struct Args {
    /// The QR text (`HTTPS://...#BASE32`) or bare base32.
    text: Option<String>,
    /// Or a file: a .txt with the QR text, or the label's .cose bytes. The text is taken as
    /// given except that exactly one trailing newline ("\n" or "\r\n") is dropped; any other
    /// character around the QR text (spaces, tabs, more newlines, U+00A0, U+3000 ...) makes it
    /// MALFORMED.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// Or a picture of the label (PNG or JPEG): every label QR code in it is verified.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["text", "file"])]
    image: Option<PathBuf>,
    #[command(flatten)]
    trusted: TrustArgs<false>,
    /// Verification time (default: now). UTC.
    #[arg(long, value_parser = parse_time)]
    at: Option<jiff::Timestamp>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(a: Args) -> Result<(), CliError> {
    let at = at_or_now(a.at);
    let labels = match &a.image {
        Some(p) => labels_in_picture(p)?.into_iter().map(Label::Text).collect(),
        None => vec![label_from_args(&a)?],
    };
    let files = a.trusted.read()?;
    let store = TrustStore::new(&files.roots, &files.trust, &files.status, at);
    let reports: Vec<VerifyReport> = labels
        .iter()
        .map(|l| match l {
            Label::Text(t) => store.verify(Some(t), None, at),
            Label::Cose(b) => store.verify(None, Some(b), at),
        })
        .collect();
    match (a.format, reports.as_slice()) {
        (Format::Text, [one]) => out(&one.to_text()),
        (Format::Json, [one]) => {
            out(&(serde_json::to_string_pretty(one).unwrap_or_default() + "\n"));
        }
        (Format::Text, many) => {
            for (i, r) in many.iter().enumerate() {
                let sep = if i == 0 { "" } else { "\n" };
                out(&format!(
                    "{sep}QR CODE {} OF {}\n{}",
                    i + 1,
                    many.len(),
                    r.to_text()
                ));
            }
        }
        (Format::Json, many) => {
            out(&(serde_json::to_string_pretty(many).unwrap_or_default() + "\n"));
        }
    }
    // Several labels: the exit code of the worst verdict (the earliest in precedence).
    match reports
        .iter()
        .map(|r| r.verdict)
        .min()
        .map_or(EXIT_INVALID, |v| v.exit_code())
    {
        0 => Ok(()),
        code => Err(CliError::Reported(code)),
    }
}

/// One label to verify.
enum Label {
    Text(String),
    Cose(Vec<u8>),
}

/// The QR text argument, or `--file` (a .txt with the QR text, or the label's .cose bytes).
fn label_from_args(a: &Args) -> Result<Label, CliError> {
    let file_bytes = a.file.as_deref().map(read).transpose()?;
    match (&a.text, file_bytes) {
        (Some(t), None) => Ok(Label::Text(t.clone())),
        // A file that is UTF-8 is QR text (a COSE_Sign1 never is: its 64 signature bytes
        // alone make that practically impossible); anything else is COSE bytes.
        (None, Some(b)) => match String::from_utf8(b) {
            Ok(text) => Ok(Label::Text(file_text(text))),
            Err(e) => Ok(Label::Cose(e.into_bytes())),
        },
        _ => Err(CliError::usage(
            "give the QR text, --file FILE or --image FILE (one of them)",
        )),
    }
}

/// A text file's QR text: exactly one trailing "\n" or "\r\n" dropped (editors add one),
/// nothing else touched, so anything else around the text is seen by the verifier.
fn file_text(mut text: String) -> String {
    if text.ends_with("\r\n") {
        text.truncate(text.len() - 2);
    } else if text.ends_with('\n') {
        text.truncate(text.len() - 1);
    }
    text
}

/// The QR texts in a picture: the label-shaped ones, or, when none is, all of them (so each
/// verifies as MALFORMED with the reason).
fn labels_in_picture(p: &Path) -> Result<Vec<String>, CliError> {
    let texts =
        read_qr_texts(&read(p)?).map_err(|e| CliError::invalid(format!("{}: {e}", p.display())))?;
    let (labels, others): (Vec<String>, Vec<String>) =
        texts.into_iter().partition(|t| looks_like_label(t));
    if labels.is_empty() {
        eprintln!(
            "note: {}: {} QR code(s) read, none holds a label QR text",
            p.display(),
            others.len()
        );
        return Ok(others);
    }
    if !others.is_empty() {
        eprintln!(
            "note: {}: {} other QR code(s) in the picture are not label QR texts; not verified",
            p.display(),
            others.len()
        );
    }
    Ok(labels)
}
