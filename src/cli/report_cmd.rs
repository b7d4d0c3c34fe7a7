//! `iotlabel report html` and `iotlabel report pdf`: an assessment report
//! (`<label-id>.report.json`) as one HTML file or an A4 PDF.

use std::io::Write as _;
use std::path::PathBuf;

use iotlabel::criteria::digest::canonical_json;
use iotlabel::report::html::{Lang, to_html};
use iotlabel::report::pdf::to_pdf;

use super::common::write_file;
use super::{EXIT_INVALID, EXIT_IO};

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

fn read_json(p: &PathBuf) -> Result<(Vec<u8>, serde_json::Value), u8> {
    let bytes = std::fs::read(p).map_err(|e| {
        eprintln!("error: cannot read {}: {e}", p.display());
        EXIT_IO
    })?;
    let v = serde_json::from_slice(&bytes).map_err(|e| {
        eprintln!("error: {}: not JSON: {e}", p.display());
        EXIT_INVALID
    })?;
    Ok((bytes, v))
}

pub fn html(a: HtmlArgs) -> u8 {
    render(a, |r, l, lang| {
        to_html(r, l, lang)
            .map(String::into_bytes)
            .map_err(|e| e.to_string())
    })
}

pub fn pdf(a: PdfArgs) -> u8 {
    render(a, |r, l, lang| {
        to_pdf(r, l, lang).map_err(|e| e.to_string())
    })
}

type Renderer = fn(&serde_json::Value, Option<&serde_json::Value>, Lang) -> Result<Vec<u8>, String>;

fn render(a: HtmlArgs, to_bytes: Renderer) -> u8 {
    let (bytes, report) = match read_json(&a.report) {
        Ok(x) => x,
        Err(c) => return c,
    };
    let label = match &a.label {
        Some(p) => match read_json(p) {
            Ok((_, v)) => Some(v),
            Err(c) => return c,
        },
        None => None,
    };
    let lang = match a.lang {
        LangArg::En => Lang::En,
        LangArg::Ja => Lang::Ja,
    };
    let page = match to_bytes(&report, label.as_ref(), lang) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {}: {e}", a.report.display());
            return EXIT_INVALID;
        }
    };
    if canonical_json(&report).as_bytes() != bytes.trim_ascii_end() {
        eprintln!(
            "note: {} is not in canonical form; the digest shown is of its canonical form",
            a.report.display()
        );
    }
    match &a.out {
        Some(p) => match write_file(p, &page) {
            Ok(()) => 0,
            Err(c) => c,
        },
        None => {
            let mut o = std::io::stdout().lock();
            if o.write_all(&page).and_then(|()| o.flush()).is_err() {
                return EXIT_IO;
            }
            0
        }
    }
}
