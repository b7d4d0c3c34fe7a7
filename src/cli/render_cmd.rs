//! `iotlabel render` (artwork for issued labels, without re-signing) and `iotlabel template
//! check`, plus the artwork options `issue` shares.

use std::path::{Path, PathBuf};

use iotlabel::artwork::{self, Format, LabelFacts, Template, template};
use iotlabel::criteria::CriteriaSet;
use iotlabel::verify::TrustStore;

use super::common::{load_roots, read_all, unix_at, write_file};
use super::{EXIT_INVALID, EXIT_IO, EXIT_USAGE, out, print_diagnostics};

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
    /// Loads the template and checks the options; `Err` is the exit code (problems printed).
    pub fn resolve(&self) -> Result<Artwork, u8> {
        let template = template::load(&self.template).map_err(|d| {
            print_diagnostics(&d);
            EXIT_INVALID
        })?;
        if let Err(e) = artwork::words(&self.lang) {
            eprintln!("error: {e}");
            return Err(EXIT_USAGE);
        }
        let mut formats = Vec::new();
        if self.formats.trim() != "none" {
            for f in self.formats.split(',') {
                match Format::parse(f) {
                    Some(x) if !formats.contains(&x) => formats.push(x),
                    Some(_) => {}
                    None => {
                        eprintln!(
                            "error: unknown artwork format `{}`; use pdf, svg, png or none",
                            f.trim()
                        );
                        return Err(EXIT_USAGE);
                    }
                }
            }
        }
        if template.sheet.is_some() && formats.iter().any(|f| *f != Format::Pdf) {
            eprintln!("error: a sheet template gives one PDF; use --formats pdf");
            return Err(EXIT_USAGE);
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
pub fn write_label_artwork(dir: &Path, facts: &LabelFacts, a: &Artwork) -> Result<(), u8> {
    if a.template.sheet.is_some() || a.formats.is_empty() {
        return Ok(());
    }
    let files = artwork::render_label(&a.template, facts, &a.lang, &a.formats).map_err(|e| {
        eprintln!("error: label {}: {e}", hex::encode(facts.label_id));
        EXIT_INVALID
    })?;
    write_artwork_files(dir, &facts.label_id, &files)
}

/// Writes drawn artwork as `<dir>/<label-id>.<ext>`, one file per format.
pub fn write_artwork_files(
    dir: &Path,
    label_id: &[u8; 8],
    files: &[(Format, Vec<u8>)],
) -> Result<(), u8> {
    for (f, bytes) in files {
        write_file(
            &dir.join(format!("{}.{}", hex::encode(label_id), f.extension())),
            bytes,
        )?;
    }
    Ok(())
}

/// Writes one sheet PDF of many labels when the template is a sheet.
pub fn write_sheet(path: &Path, labels: &[LabelFacts], a: &Artwork) -> Result<bool, u8> {
    if a.template.sheet.is_none() || labels.is_empty() || a.formats.is_empty() {
        return Ok(false);
    }
    let pdf = artwork::render_sheet(&a.template, labels, &a.lang).map_err(|e| {
        eprintln!("error: sheet: {e}");
        EXIT_INVALID
    })?;
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
) -> Result<LabelFacts, u8> {
    artwork::facts_for(store, set, cose, qr_text, at).map_err(|e| {
        eprintln!("error: {what}: {e}");
        EXIT_INVALID
    })
}

#[derive(clap::Args)]
pub struct RenderArgs {
    /// Issued labels (`<label-id>.cose`).
    #[arg(required = true, num_args = 1.., value_name = "LABEL.cose")]
    labels: Vec<PathBuf>,
    /// Signed trust lists naming the issuers (names on the label come from here).
    #[arg(long, required = true, num_args = 1..)]
    trust: Vec<PathBuf>,
    /// Scheme owners' root public keys.
    #[arg(long, required = true, num_args = 1..)]
    root: Vec<PathBuf>,
    /// Where to write the artwork (default: beside each label).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Check the label as of this time (default: now). UTC.
    #[arg(long)]
    at: Option<String>,
    #[command(flatten)]
    art: ArtworkArgs,
}

/// `iotlabel render`.
pub fn run_render(a: RenderArgs) -> u8 {
    let art = match a.art.resolve() {
        Ok(x) => x,
        Err(c) => return c,
    };
    if art.formats.is_empty() {
        eprintln!("error: --formats none renders nothing");
        return EXIT_USAGE;
    }
    let set = match iotlabel::criteria::load_bundled() {
        Ok(s) => s,
        Err(d) => {
            print_diagnostics(&d);
            return EXIT_INVALID;
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
    // The label must be genuine and current at this time (default: now) to be printed again;
    // the artwork itself does not depend on it.
    let at = match unix_at(a.at.as_deref()) {
        Ok((t, _)) => t,
        Err(c) => return c,
    };
    let store = TrustStore::new(&roots, &trust, &[], at);
    let mut all = Vec::new();
    // Every label is checked before anything is written: one bad label stops the run clean.
    for p in &a.labels {
        let cose = match std::fs::read(p) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", p.display());
                return EXIT_IO;
            }
        };
        let f = match facts(&store, &set, &cose, None, at, &p.display().to_string()) {
            Ok(f) => f,
            Err(c) => return c,
        };
        let dir = a
            .out
            .clone()
            .or_else(|| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        all.push((dir, f));
    }
    for (dir, f) in &all {
        if let Err(c) = write_label_artwork(dir, f, &art) {
            return c;
        }
    }
    if art.template.sheet.is_some() {
        let dir = a.out.clone().unwrap_or_else(|| all[0].0.clone());
        let facts: Vec<LabelFacts> = all.iter().map(|(_, f)| f.clone()).collect();
        let path = dir.join("sheet.pdf");
        if let Err(c) = write_sheet(&path, &facts, &art) {
            return c;
        }
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
    0
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
pub fn run_check(a: CheckArgs) -> u8 {
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
    if bad > 0 { EXIT_INVALID } else { 0 }
}
