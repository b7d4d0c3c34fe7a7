//! `iotlabel render` (artwork for issued labels, without re-signing) and `iotlabel template
//! check`, plus the artwork options `issue` shares.

use std::path::{Path, PathBuf};

use iotlabel::artwork::{self, Format, LabelFacts, Template, template};
use iotlabel::criteria::CriteriaSet;
use iotlabel::verify::TrustStore;

use super::common::{TrustArgs, at_or_now, parse_time, read, write_file};
use super::{CliError, EXIT_INVALID, out, print_diagnostics};

/// Artwork options of `issue` and `render`.
#[derive(clap::Args, Clone)]
pub struct ArtworkArgs {
    /// Label template: a bundled id (standard, compact, sheet-a4) or a template file. A sheet
    /// template tiles every label of the run into one `sheet.pdf`.
    #[arg(long, default_value = "standard", value_name = "TEMPLATE")]
    pub template: String,
    /// Language of the label texts (en, ja).
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Artwork formats, comma-separated: pdf, svg, png. `none` writes no artwork.
    #[arg(long, default_value = "pdf", value_name = "LIST")]
    pub formats: String,
}

/// What the artwork options resolved to.
pub struct Artwork {
    /// The template.
    pub template: Template,
    /// Language.
    pub lang: String,
    /// Formats (empty: none).
    pub formats: Vec<Format>,
}

impl ArtworkArgs {
    /// Loads the template and checks the options.
    pub fn resolve(&self) -> Result<Artwork, CliError> {
        let template = template::load(&self.template)?;
        artwork::words(&self.lang).map_err(|e| CliError::usage(e.to_string()))?;
        let mut formats = Vec::new();
        if self.formats.trim() != "none" {
            for f in self.formats.split(',') {
                match Format::parse(f) {
                    Some(x) if !formats.contains(&x) => formats.push(x),
                    Some(_) => {}
                    None => {
                        return Err(CliError::usage(format!(
                            "unknown artwork format `{}`; use pdf, svg, png or none",
                            f.trim()
                        )));
                    }
                }
            }
        }
        if template.sheet.is_some() && formats.iter().any(|f| *f != Format::Pdf) {
            return Err(CliError::usage(
                "a sheet template gives one PDF; use --formats pdf",
            ));
        }
        Ok(Artwork {
            template,
            lang: self.lang.clone(),
            formats,
        })
    }
}

/// Writes the artwork of one label beside its files: `<dir>/<label-id>.<ext>`. Sheets are
/// written by [`write_sheet`] instead.
pub fn write_label_artwork(dir: &Path, facts: &LabelFacts, a: &Artwork) -> Result<(), CliError> {
    if a.template.sheet.is_some() || a.formats.is_empty() {
        return Ok(());
    }
    let files = artwork::render_label(&a.template, facts, &a.lang, &a.formats)
        .map_err(|e| CliError::invalid(format!("label {}: {e}", hex::encode(facts.label_id))))?;
    write_artwork_files(dir, &facts.label_id, &files)
}

/// Writes drawn artwork as `<dir>/<label-id>.<ext>`, one file per format.
pub fn write_artwork_files(
    dir: &Path,
    label_id: &[u8; 8],
    files: &[(Format, Vec<u8>)],
) -> Result<(), CliError> {
    for (f, bytes) in files {
        write_file(
            &dir.join(format!("{}.{}", hex::encode(label_id), f.extension())),
            bytes,
        )?;
    }
    Ok(())
}

/// Writes one sheet PDF of many labels when the template is a sheet.
pub fn write_sheet(path: &Path, labels: &[LabelFacts], a: &Artwork) -> Result<bool, CliError> {
    if a.template.sheet.is_none() || labels.is_empty() || a.formats.is_empty() {
        return Ok(false);
    }
    let pdf = artwork::render_sheet(&a.template, labels, &a.lang)
        .map_err(|e| CliError::invalid(format!("sheet: {e}")))?;
    write_file(path, &pdf)?;
    Ok(true)
}

/// The facts of a label, verified against `store`; a label that is not genuine is refused.
pub fn facts(
    store: &TrustStore,
    set: &CriteriaSet,
    cose: &[u8],
    qr_text: Option<&str>,
    at: jiff::Timestamp,
    what: &str,
) -> Result<LabelFacts, CliError> {
    artwork::facts_for(store, set, cose, qr_text, at)
        .map_err(|e| CliError::invalid(format!("{what}: {e}")))
}

#[derive(clap::Args)]
pub struct RenderArgs {
    /// Issued labels (`<label-id>.cose`).
    #[arg(required = true, num_args = 1.., value_name = "LABEL.cose")]
    labels: Vec<PathBuf>,
    /// The trust lists naming the issuers (names on the label come from them) and their roots:
    /// both required.
    #[command(flatten)]
    trusted: TrustArgs<true>,
    /// Where to write the artwork (default: beside each label).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Check the label as of this time (default: now). UTC.
    #[arg(long, value_parser = parse_time)]
    at: Option<jiff::Timestamp>,
    #[command(flatten)]
    art: ArtworkArgs,
}

/// `iotlabel render`.
pub fn run_render(a: RenderArgs) -> Result<(), CliError> {
    let art = a.art.resolve()?;
    if art.formats.is_empty() {
        return Err(CliError::usage("--formats none renders nothing"));
    }
    let set = iotlabel::criteria::load_bundled()?;
    let files = a.trusted.read()?;
    // The label must be genuine and current at this time (default: now) to be printed again;
    // the artwork itself does not depend on it.
    let at = at_or_now(a.at);
    let store = TrustStore::new(&files.roots, &files.trust, &files.status, at);
    let mut all = Vec::new();
    // Every label is checked before anything is written: one bad label stops the run clean.
    for p in &a.labels {
        let f = facts(&store, &set, &read(p)?, None, at, &p.display().to_string())?;
        let dir = a
            .out
            .clone()
            .or_else(|| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        all.push((dir, f));
    }
    for (dir, f) in &all {
        write_label_artwork(dir, f, &art)?;
    }
    if art.template.sheet.is_some() {
        let dir = a.out.clone().unwrap_or_else(|| all[0].0.clone());
        let facts: Vec<LabelFacts> = all.iter().map(|(_, f)| f.clone()).collect();
        let path = dir.join("sheet.pdf");
        write_sheet(&path, &facts, &art)?;
        out(&format!(
            "{} labels on {} ({})\n",
            facts.len(),
            path.display(),
            art.template.id
        ));
    } else {
        for (dir, f) in &all {
            let names: Vec<String> = art
                .formats
                .iter()
                .map(|x| format!("{}.{}", hex::encode(f.label_id), x.extension()))
                .collect();
            out(&format!("{}: {}\n", dir.display(), names.join(", ")));
        }
    }
    Ok(())
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Template files or bundled ids (default: every bundled template).
    templates: Vec<String>,
    /// Bytes of signed label the QR must hold in the check.
    #[arg(long, default_value_t = 260)]
    qr_bytes: usize,
}

/// `iotlabel template check`.
pub fn run_check(a: CheckArgs) -> Result<(), CliError> {
    let names: Vec<String> = if a.templates.is_empty() {
        template::bundled_ids()
            .into_iter()
            .map(String::from)
            .collect()
    } else {
        a.templates
    };
    let mut bad = 0;
    for n in &names {
        match template::load(n) {
            Err(d) => {
                print_diagnostics(&d);
                bad += 1;
            }
            Ok(t) => {
                let problems = artwork::check_template(&t, a.qr_bytes);
                if problems.is_empty() {
                    out(&format!("{n}: ok: {}\n", t.description));
                } else {
                    bad += 1;
                    for p in problems {
                        eprintln!("error[{}]: {p}", p.code());
                    }
                    eprintln!(
                        "  help: enlarge the box, allow more lines or a smaller min_size; the check uses the longest texts a label may carry\n"
                    );
                }
            }
        }
    }
    if bad > 0 {
        return Err(CliError::Reported(EXIT_INVALID));
    }
    Ok(())
}
