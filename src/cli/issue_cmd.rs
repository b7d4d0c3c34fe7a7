//! `iotlabel issue`: evaluate profiles and sign labels under an accredited key.

use std::path::{Path, PathBuf};

use iotlabel::artwork::{self, Format, LabelFacts};
use iotlabel::criteria::CriteriaSet;
use iotlabel::issue::batch::{self, Batch, Job, Slot};
use iotlabel::issue::ledger::Ledger;
use iotlabel::issue::{ClaimsFile, IssueError, Issued, profile_digest};
use iotlabel::profile::Profile;
use iotlabel::report::render_text;
use iotlabel::verify::TrustStore;

use super::common::{
    KeyArgs, at_or_now, load_roots, load_trust, lock_state, parse_time, read, read_all, write_file,
};
use super::evaluate_cmd::load_with_scheme_files;
use super::render_cmd::{Artwork, ArtworkArgs, write_artwork_files, write_sheet};
use super::{CliError, CriteriaSource, EXIT_USAGE, out};

/// Exit code: at least one profile was refused (no tier, role not allowed ...).
pub const EXIT_REFUSED: u8 = 4;

#[derive(clap::Args)]
pub struct Args {
    /// The scheme (`id@version` or `id`).
    #[arg(long)]
    scheme: String,
    /// Device profiles. Many at once: a manufacturer's whole range in one run.
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    profile: Vec<PathBuf>,
    #[command(flatten)]
    key: KeyArgs,
    /// The signed trust list that names the key.
    #[arg(long)]
    trust: PathBuf,
    /// The scheme owner's root public key.
    #[arg(long)]
    root: PathBuf,
    /// Issuer state: the ledger of labels issued and status indices.
    #[arg(long, value_name = "DIR")]
    state: PathBuf,
    /// Where labels are written: <label-id>.cose, .txt (QR text), .json (claims), .pdf (artwork),
    /// .report.json (the assessment report the label's evidence digest covers), .report.html
    /// and .report.pdf (the same report for people).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Issue time (default: now). UTC.
    #[arg(long, value_parser = parse_time)]
    at: Option<jiff::Timestamp>,
    #[command(flatten)]
    source: CriteriaSource,
    #[command(flatten)]
    art: ArtworkArgs,
}

/// A label, the facts its artwork shows and the artwork files drawn for it.
type Drawn = Box<(Issued, LabelFacts, Vec<(Format, Vec<u8>)>)>;

/// One profile's result, as the summary shows it.
enum Outcome {
    Issued(Drawn),
    Skipped(String),
    Refused(String),
}

/// Writes one label's files: the envelope, QR text, claims file and assessment report (JSON,
/// HTML, PDF).
pub fn write_label(dir: &Path, i: &Issued, set: &CriteriaSet) -> Result<(), CliError> {
    let id = hex::encode(i.claims.label_id);
    let file = |ext: &str| dir.join(format!("{id}.{ext}"));
    write_file(&file("cose"), &i.cose)?;
    write_file(&file("txt"), format!("{}\n", i.qr_text).as_bytes())?;
    let claims = ClaimsFile::new(i, set);
    write_file(&file("json"), claims.to_text().as_bytes())?;
    write_file(&file("report.json"), i.report_json.as_bytes())?;
    // The report a lab hands to the manufacturer, drawn from the same canonical JSON whose
    // digest the label carries (confidential: never published by the registry).
    let bad =
        |what: &str, e: &dyn std::fmt::Display| CliError::invalid(format!("label {id}: {what}{e}"));
    let report = serde_json::from_str::<serde_json::Value>(&i.report_json)
        .map_err(|_| bad("its report JSON does not read back", &""))?;
    let label = serde_json::to_value(&claims).map_err(|e| bad("claims: ", &e))?;
    let lang = iotlabel::report::html::Lang::En;
    let html = iotlabel::report::html::to_html(&report, Some(&label), lang)
        .map_err(|e| bad("report HTML: ", &e))?;
    write_file(&file("report.html"), html.as_bytes())?;
    let pdf = iotlabel::report::pdf::to_pdf(&report, Some(&label), lang)
        .map_err(|e| bad("report PDF: ", &e))?;
    write_file(&file("report.pdf"), &pdf)
}

/// Verifies a freshly signed label and draws its artwork (in the worker thread).
fn draw(
    outcome: batch::Outcome,
    store: &TrustStore,
    set: &CriteriaSet,
    art: &Artwork,
    at: jiff::Timestamp,
) -> Outcome {
    let i = match outcome {
        batch::Outcome::Issued(i) => *i,
        batch::Outcome::Skipped(label) => {
            return Outcome::Skipped(format!("already issued as {label}"));
        }
        batch::Outcome::Refused(e @ IssueError::NoTier { .. }, Some(report)) => {
            return Outcome::Refused(format!("{e}\n\n{}", render_text(&report)));
        }
        batch::Outcome::Refused(e, _) => return Outcome::Refused(e.to_string()),
    };
    let facts = match artwork::facts_for(store, set, &i.cose, Some(&i.qr_text), at) {
        Ok(f) => f,
        Err(e) => return Outcome::Refused(format!("signed, but it does not verify: {e}")),
    };
    let files = if art.template.sheet.is_some() || art.formats.is_empty() {
        Vec::new()
    } else {
        match artwork::render_label(&art.template, &facts, &art.lang, &art.formats) {
            Ok(f) => f,
            Err(e) => return Outcome::Refused(format!("artwork: {e}")),
        }
    };
    Outcome::Issued(Box::new((i, facts, files)))
}

/// Reads and parses every profile: bad input stops the run before anything is signed.
fn read_profiles(
    paths: &[PathBuf],
    set: &CriteriaSet,
) -> Result<Vec<(Profile, [u8; 32])>, CliError> {
    paths
        .iter()
        .map(|p| {
            let bytes = read(p)?;
            let file = iotlabel::diag::SourceFile::new(
                p.display().to_string(),
                String::from_utf8_lossy(&bytes),
            );
            Ok((Profile::parse(&file, set)?, profile_digest(&bytes)))
        })
        .collect()
}

pub fn run(a: Args) -> Result<(), CliError> {
    let at = at_or_now(a.at);
    let (set, keys) = load_with_scheme_files(&a.source, std::slice::from_ref(&a.scheme))?;
    let Some(scheme) = keys.first().and_then(|k| set.scheme(k)) else {
        return Err(CliError::Reported(EXIT_USAGE));
    };
    let key = a.key.load()?;
    let roots = load_roots(std::slice::from_ref(&a.root))?;
    let trust = load_trust(std::slice::from_ref(&a.trust), &roots, at.as_second())?
        .into_iter()
        .next()
        .ok_or_else(|| CliError::invalid("no trust list"))?;
    let art = a.art.resolve()?;
    // Every label is verified against the same trust list before its artwork is drawn: the
    // names printed come from the trust list, and a label that does not verify is not printed.
    let trust_bytes = read_all(std::slice::from_ref(&a.trust), "trust list")?;
    let store = TrustStore::new(&roots, &trust_bytes, &[], at);
    // Held to the end of the run: the ledger is read, its indices handed out and it is
    // written back as one step against other `issue` runs on the same state.
    let _lock = lock_state(&a.state)?;
    let mut batch = Batch::new(Ledger::load(&a.state)?);
    let profiles = read_profiles(&a.profile, &set)?;
    let jobs: Vec<Job<'_>> = profiles
        .iter()
        .map(|(profile, digest)| Job {
            scheme,
            profile,
            profile_digest: *digest,
            key: &key,
        })
        .collect();
    let slots = batch.plan(&jobs)?;
    // The indices are recorded as taken before anything is signed or written: a run that
    // fails later (or is killed) leaves at worst a gap, never an index (and so a label id)
    // that a later run would hand to another label. Unused ones are released at the end.
    batch.ledger().save(&a.state)?;
    let ctx = batch::Context {
        vocab: &set.vocab,
        trust: &trust,
        at,
    };
    let results = issue_and_draw(&jobs, &slots, &ctx, &store, &set, &art);

    let mut sheet_labels = Vec::new();
    let mut summary = String::from("PROFILE                            RESULT\n");
    let (mut refused, mut issued) = (0, 0);
    for (((path, job), slot), outcome) in a.profile.iter().zip(&jobs).zip(&slots).zip(&results) {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        match outcome {
            Outcome::Issued(drawn) => {
                let (i, facts, files) = &**drawn;
                write_label(&a.out, i, &set)?;
                write_artwork_files(&a.out, &i.claims.label_id, files)?;
                sheet_labels.push(facts.clone());
                batch.record(i, job, slot);
                issued += 1;
                summary.push_str(&format!(
                    "{name:<34} issued {} {} ({}), expires {}\n",
                    hex::encode(i.claims.label_id),
                    i.report
                        .tier
                        .as_ref()
                        .map_or(String::new(), |t| t.label.clone()),
                    i.report.tier.as_ref().map_or("", |t| t.assurance.name()),
                    iotlabel::time::format_unix(i.claims.expires)
                ));
            }
            Outcome::Skipped(why) => summary.push_str(&format!("{name:<34} skipped: {why}\n")),
            Outcome::Refused(why) => {
                refused += 1;
                let first = why.lines().next().unwrap_or_default();
                summary.push_str(&format!("{name:<34} REFUSED: {first}\n"));
                eprintln!("{}: refused: {why}\n", path.display());
            }
        }
    }
    batch.finish().save(&a.state)?;
    if write_sheet(&a.out.join("sheet.pdf"), &sheet_labels, &art)? {
        summary.push_str(&format!(
            "\n{} labels on {} ({})",
            sheet_labels.len(),
            a.out.join("sheet.pdf").display(),
            art.template.id
        ));
    }
    summary.push_str(&format!(
        "\n{issued} issued, {refused} refused, {} skipped; labels in {}\n",
        jobs.len() - issued - refused,
        a.out.display()
    ));
    out(&summary);
    if refused > 0 {
        return Err(CliError::Reported(EXIT_REFUSED));
    }
    Ok(())
}

/// Step 2 of the batch for every job, and the artwork of each label, on every core; results in
/// job order.
fn issue_and_draw(
    jobs: &[Job<'_>],
    slots: &[Slot],
    ctx: &batch::Context<'_>,
    store: &TrustStore,
    set: &CriteriaSet,
    art: &Artwork,
) -> Vec<Outcome> {
    let bar = indicatif::ProgressBar::new(jobs.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len().max(1));
    let chunk = jobs.len().div_ceil(threads).max(1);
    let work: Vec<(&Job<'_>, &Slot)> = jobs.iter().zip(slots).collect();
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = work
            .chunks(chunk)
            .map(|part| {
                let bar = &bar;
                s.spawn(move || {
                    part.iter()
                        .map(|(job, slot)| {
                            let r = draw(batch::issue_one(job, slot, ctx), store, set, art, ctx.at);
                            bar.inc(1);
                            r
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    bar.finish_and_clear();
    results
}
