//! `iotlabel report html` and `iotlabel report pdf`: an assessment report
//! (`<label-id>.report.json`) as one HTML file or an A4 PDF.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use iotlabel::FileError;
use iotlabel::criteria::digest::canonical_json;
use iotlabel::report::html::{Lang, to_html};
use iotlabel::report::pdf::to_pdf;

use super::CliError;
use super::common::{read, write_file};

#[derive(clap::Args)]
pub struct HtmlArgs {
    /// The canonical JSON report (`<label-id>.report.json` from `iotlabel issue`).
    report: PathBuf,
    /// Write here (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The label's claims file (`<label-id>.json`): shows issuer, dates and whether its evidence
    /// digest matches the report.
    #[arg(long, value_name = "FILE")]
    label: Option<PathBuf>,
    /// Language of the headings.
    #[arg(long, value_enum, default_value = "en")]
    lang: LangArg,
}

/// `report pdf` takes the same arguments.
pub type PdfArgs = HtmlArgs;

#[derive(Clone, Copy, clap::ValueEnum)]
enum LangArg {
    En,
    Ja,
}

fn read_json(p: &Path) -> Result<(Vec<u8>, serde_json::Value), CliError> {
    let bytes = read(p)?;
    let v = serde_json::from_slice(&bytes)
        .map_err(|e| CliError::invalid(format!("{}: not JSON: {e}", p.display())))?;
    Ok((bytes, v))
}

pub fn html(a: HtmlArgs) -> Result<(), CliError> {
    render(a, |r, l, lang| {
        to_html(r, l, lang)
            .map(String::into_bytes)
            .map_err(|e| e.to_string())
    })
}

pub fn pdf(a: PdfArgs) -> Result<(), CliError> {
    render(a, |r, l, lang| {
        to_pdf(r, l, lang).map_err(|e| e.to_string())
    })
}

type Renderer = fn(&serde_json::Value, Option<&serde_json::Value>, Lang) -> Result<Vec<u8>, String>;

fn render(a: HtmlArgs, to_bytes: Renderer) -> Result<(), CliError> {
    let (bytes, report) = read_json(&a.report)?;
    let label = a
        .label
        .as_deref()
        .map(read_json)
        .transpose()?
        .map(|(_, v)| v);
    let lang = match a.lang {
        LangArg::En => Lang::En,
        LangArg::Ja => Lang::Ja,
    };
    let page = to_bytes(&report, label.as_ref(), lang)
        .map_err(|e| CliError::invalid(format!("{}: {e}", a.report.display())))?;
    if canonical_json(&report).as_bytes() != bytes.trim_ascii_end() {
        eprintln!(
            "note: {} is not in canonical form; the digest shown is of its canonical form",
            a.report.display()
        );
    }
    match &a.out {
        Some(p) => write_file(p, &page),
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(&page)
                .and_then(|()| o.flush())
                .map_err(FileError::on("write", "stdout"))
                .map_err(CliError::Io)
        }
    }
}
