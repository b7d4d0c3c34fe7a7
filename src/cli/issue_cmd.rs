//! `iotlabel issue`: evaluate profiles and sign labels under an accredited key.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use iotlabel::FileError;
use iotlabel::artwork::{self, LabelFacts};
use iotlabel::criteria::CriteriaSet;
use iotlabel::criteria::model::Scheme;
use iotlabel::ids::{Kid, LabelId};
use iotlabel::issue::batch::{self, Batch, Job, Slot};
use iotlabel::issue::ledger::{Journal, Ledger};
use iotlabel::issue::{ClaimsFile, IssueError, Issued, input_digest, profile_digest};
use iotlabel::keys::Signer;
use iotlabel::profile::Profile;
use iotlabel::report::render_text;
use iotlabel::verify::TrustStore;

use rayon::prelude::*;

use super::common::{
    KeyArgs, at_or_now, create_dir, load_roots, load_trust, lock_state, parse_time, read, read_all,
    write_file,
};
use super::evaluate_cmd::load_with_scheme_files;
use super::render_cmd::{Artwork, ArtworkArgs, write_sheet};
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
    /// Assessment report formats, comma-separated: json, html, pdf. The JSON is always
    /// written (the label's evidence digest covers it).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "json,html,pdf",
        value_name = "LIST"
    )]
    reports: Vec<ReportFormat>,
    /// Parsed profiles kept from the first pass (about 20 KB each): a range of up to this many
    /// is parsed once; the rest are parsed again with their group, so memory is bounded by this
    /// cap, not by the number of profiles. Hidden: tests lower it to cover both paths.
    #[arg(long, default_value_t = 2048, hide = true)]
    keep_parsed: usize,
}

/// Report formats written besides the JSON.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum ReportFormat {
    /// `<id>.report.json`, always written: the label's evidence digest covers it.
    Json,
    /// `<id>.report.html`.
    Html,
    /// `<id>.report.pdf`.
    Pdf,
}

/// A label ready to be written: the label, the facts its artwork shows and every file made for
/// it (name suffix after `<label-id>.`, bytes).
pub struct Prepared {
    issued: Issued,
    /// What its artwork shows (none when no artwork is drawn).
    facts: Option<LabelFacts>,
    files: Vec<(String, Vec<u8>)>,
    /// Made again from the ledger: a killed run recorded it but did not write all its files.
    repaired: bool,
}

/// One profile's result, as the summary shows it.
enum Outcome {
    Issued(Box<Prepared>),
    Skipped(String),
    Refused(String),
}

/// The files of one label: the envelope, QR text, claims file and assessment report (the JSON,
/// and HTML and PDF as asked), in memory.
pub fn label_files(
    i: &Issued,
    set: &CriteriaSet,
    reports: &[ReportFormat],
) -> Result<Vec<(String, Vec<u8>)>, CliError> {
    let id = hex::encode(i.claims.label_id);
    let claims = ClaimsFile::new(i, set);
    let mut files = vec![
        ("cose".to_string(), i.cose.clone()),
        ("txt".to_string(), format!("{}\n", i.qr_text).into_bytes()),
        ("json".to_string(), claims.to_text().into_bytes()),
        (
            "report.json".to_string(),
            i.report_json.clone().into_bytes(),
        ),
    ];
    if !reports.iter().any(|r| *r != ReportFormat::Json) {
        return Ok(files);
    }
    // The report a lab hands to the manufacturer, drawn from the same canonical JSON whose
    // digest the label carries (confidential: never published by the registry).
    let bad =
        |what: &str, e: &dyn std::fmt::Display| CliError::invalid(format!("label {id}: {what}{e}"));
    let read = iotlabel::report::ReadReport::of_issued(
        &i.report,
        &i.report_digest,
        &claims,
        iotlabel::report::html::Lang::En,
    );
    if reports.contains(&ReportFormat::Html) {
        files.push(("report.html".to_string(), read.html().into_bytes()));
    }
    if reports.contains(&ReportFormat::Pdf) {
        let pdf = read.pdf().map_err(|e| bad("report PDF: ", &e))?;
        files.push(("report.pdf".to_string(), pdf));
    }
    Ok(files)
}

/// Writes one label's files (the demo's single-threaded path; each file synced).
pub fn write_label(dir: &Path, i: &Issued, set: &CriteriaSet) -> Result<(), CliError> {
    let id = hex::encode(i.claims.label_id);
    for (ext, bytes) in label_files(i, set, &[ReportFormat::Html, ReportFormat::Pdf])? {
        write_file(&dir.join(format!("{id}.{ext}")), &bytes)?;
    }
    Ok(())
}

/// Writes a prepared label's files, not synced one by one: the batch syncs the filesystem once
/// at its end, and the ledger, committed before, can make them again.
fn write_prepared(dir: &Path, p: &Prepared) -> Result<(), CliError> {
    let id = hex::encode(p.issued.claims.label_id);
    for (ext, bytes) in &p.files {
        let path = dir.join(format!("{id}.{ext}"));
        iotlabel::fsutil::write_atomic_unsynced(&path, bytes, 0o644)
            .map_err(FileError::on("write", &path))?;
    }
    Ok(())
}

/// The file name suffixes every label of this run gets.
fn suffixes(reports: &[ReportFormat], art: &Artwork) -> Vec<String> {
    let mut out: Vec<String> = ["cose", "txt", "json", "report.json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for (r, ext) in [
        (ReportFormat::Html, "report.html"),
        (ReportFormat::Pdf, "report.pdf"),
    ] {
        if reports.contains(&r) {
            out.push(ext.to_string());
        }
    }
    if art.template.sheet.is_none() {
        out.extend(art.formats.iter().map(|f| f.extension().to_string()));
    }
    out
}

/// Whether every file of a label is in `dir` (a killed run may have written only some).
fn complete(dir: &Path, label: LabelId, suffixes: &[String]) -> bool {
    suffixes
        .iter()
        .all(|ext| std::fs::metadata(dir.join(format!("{label}.{ext}"))).is_ok_and(|m| m.len() > 0))
}

/// What a worker needs to prepare a label.
struct Prep<'a> {
    scheme: &'a Scheme,
    key: &'a (dyn Signer + Sync),
    store: &'a TrustStore,
    set: &'a CriteriaSet,
    art: &'a Artwork,
    reports: &'a [ReportFormat],
    suffixes: &'a [String],
    out: &'a Path,
    ctx: batch::Context<'a>,
}

impl Prep<'_> {
    /// Step 2 for one slot (issue, or make again a recorded label whose files are missing),
    /// then verify it and draw its files. `profile` is called only when something is signed.
    fn run<'p>(
        &self,
        slot: &Slot,
        digest: [u8; 32],
        profile: impl FnOnce() -> Result<Cow<'p, Profile>, CliError>,
    ) -> Outcome {
        let again = match (slot, slot.pending()) {
            (_, Some(e)) if !complete(self.out, e.label, self.suffixes) => Some(e),
            (Slot::Done(e), _) => {
                return Outcome::Skipped(format!("already issued as {}", e.label));
            }
            (Slot::Free { .. }, _) => None,
        };
        let profile = match profile() {
            Ok(p) => p,
            Err(e) => return Outcome::Refused(e.to_string()),
        };
        let job = Job {
            scheme: self.scheme,
            profile: &profile,
            profile_digest: digest,
            key: self.key,
        };
        let outcome = match again {
            Some(e) => batch::reissue(&job, e, &self.ctx),
            None => batch::issue_one(&job, slot, &self.ctx),
        };
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
        match self.draw(i, again.is_some()) {
            Ok(p) => Outcome::Issued(Box::new(p)),
            Err(why) => Outcome::Refused(why),
        }
    }

    /// Verifies a freshly signed label (when artwork is drawn: the names printed come from the
    /// trust list, and a label that does not verify is not printed) and makes its files.
    fn draw(&self, i: Issued, repaired: bool) -> Result<Prepared, String> {
        let mut files = label_files(&i, self.set, self.reports).map_err(|e| e.to_string())?;
        let facts = if self.art.formats.is_empty() {
            None
        } else {
            let f =
                artwork::facts_for(self.store, self.set, &i.cose, Some(&i.qr_text), self.ctx.at)
                    .map_err(|e| format!("signed, but it does not verify: {e}"))?;
            if self.art.template.sheet.is_none() {
                let art = artwork::render_label(
                    &self.art.template,
                    &f,
                    &self.art.lang,
                    &self.art.formats,
                )
                .map_err(|e| format!("artwork: {e}"))?;
                files.extend(art.into_iter().map(|(f, b)| (f.extension().to_string(), b)));
            }
            Some(f)
        };
        Ok(Prepared {
            issued: i,
            facts,
            files,
            repaired,
        })
    }
}

/// A checked profile: the digest of its bytes, and the parsed profile while the run keeps it.
type Checked = ([u8; 32], Option<Profile>);

/// Pass 1: reads and validates every profile (on every core). Bad input stops the run before
/// anything is signed (the first bad file in the order given). The first `keep` parsed
/// profiles are kept for pass 2.
fn check_profiles(
    paths: &[PathBuf],
    set: &CriteriaSet,
    keep: usize,
) -> Result<Vec<Checked>, CliError> {
    let checked: Vec<Result<Checked, CliError>> = paths
        .par_iter()
        .enumerate()
        .map(|(k, p)| {
            load_profile(p, set).map(|(profile, digest)| (digest, (k < keep).then_some(profile)))
        })
        .collect();
    checked.into_iter().collect()
}

/// Pass 2 for a profile pass 1 did not keep: parsed again, refused if its bytes changed.
fn parse_again(path: &Path, set: &CriteriaSet, digest: &[u8; 32]) -> Result<Profile, CliError> {
    let (profile, now) = load_profile(path, set)?;
    if now != *digest {
        return Err(CliError::invalid(format!(
            "{}: changed while this run was reading it",
            path.display()
        )));
    }
    Ok(profile)
}

/// Reads and parses one profile, with the digest of its bytes.
fn load_profile(path: &Path, set: &CriteriaSet) -> Result<(Profile, [u8; 32]), CliError> {
    let bytes = read(path)?;
    let file = iotlabel::diag::SourceFile::new(
        path.display().to_string(),
        String::from_utf8_lossy(&bytes),
    );
    Ok((Profile::parse(&file, set)?, profile_digest(&bytes)))
}

/// Labels prepared at once: one journal fsync per group; the group's files are held in memory
/// until written, so memory stays flat however many profiles a run has.
const GROUP: usize = 256;

pub fn run(a: Args) -> Result<(), CliError> {
    let started = std::time::Instant::now();
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
    let checked = check_profiles(&a.profile, &set, a.keep_parsed)?;
    let kid = Kid(key.kid());
    let slots = batch.plan_inputs(
        checked
            .iter()
            .map(|(d, _)| (kid, input_digest(&kid.0, &scheme.key(), &scheme.digest, d))),
    )?;
    // The indices are recorded as taken before anything is signed or written: a run that
    // fails later (or is killed) leaves at worst a gap, never an index (and so a label id)
    // that a later run would hand to another label. Unused ones are released at the end.
    batch.ledger().save(&a.state)?;
    let mut journal = Journal::open(&a.state)?;
    create_dir(&a.out)?;
    let suffixes = suffixes(&a.reports, &art);
    let prep = Prep {
        scheme,
        key: &key,
        store: &store,
        set: &set,
        art: &art,
        reports: &a.reports,
        suffixes: &suffixes,
        out: &a.out,
        ctx: batch::Context {
            vocab: &set.vocab,
            trust: &trust,
            at,
        },
    };

    let bar = progress_bar(slots.len());
    let mut sheet_labels = Vec::new();
    let mut summary = String::from("PROFILE                            RESULT\n");
    let (mut refused, mut issued) = (0, 0);
    let mut written = Vec::new();
    let order: Vec<usize> = (0..slots.len()).collect();
    for group in order.chunks(GROUP) {
        // Step 2 on every core; a profile is parsed again only if it is signed now.
        let outcomes: Vec<Outcome> = group
            .par_iter()
            .map(|&k| {
                let (digest, kept) = &checked[k];
                let o = prep.run(&slots[k], *digest, || match kept {
                    Some(p) => Ok(Cow::Borrowed(p)),
                    None => parse_again(&a.profile[k], &set, digest).map(Cow::Owned),
                });
                bar.inc(1);
                o
            })
            .collect();
        // Step 3: the group's records are durable before any of its files exists.
        let done: Vec<(&Issued, &Slot)> = outcomes
            .iter()
            .zip(group)
            .filter_map(|(o, &k)| match o {
                Outcome::Issued(p) => Some((&p.issued, &slots[k])),
                _ => None,
            })
            .collect();
        batch.commit(&mut journal, kid, &done)?;
        outcomes
            .par_iter()
            .filter_map(|o| match o {
                Outcome::Issued(p) => Some(p),
                _ => None,
            })
            .try_for_each(|p| write_prepared(&a.out, p))?;
        for (outcome, &k) in outcomes.into_iter().zip(group) {
            let path = &a.profile[k];
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            match outcome {
                Outcome::Issued(p) => {
                    let i = &p.issued;
                    issued += 1;
                    written.push(LabelId(i.claims.label_id));
                    summary.push_str(&format!(
                        "{name:<34} {} {} {} ({}), expires {}\n",
                        if p.repaired { "completed" } else { "issued" },
                        hex::encode(i.claims.label_id),
                        i.report
                            .tier
                            .as_ref()
                            .map_or(String::new(), |t| t.label.clone()),
                        i.report.tier.as_ref().map_or("", |t| t.assurance.name()),
                        iotlabel::time::format_unix(i.claims.expires)
                    ));
                    sheet_labels.extend(p.facts);
                }
                Outcome::Skipped(why) => {
                    // A recorded label a killed run left pending, whose files are all there.
                    if let Some(e) = slots[k].pending() {
                        written.push(e.label);
                    }
                    summary.push_str(&format!("{name:<34} skipped: {why}\n"));
                }
                Outcome::Refused(why) => {
                    refused += 1;
                    let first = why.lines().next().unwrap_or_default();
                    summary.push_str(&format!("{name:<34} REFUSED: {first}\n"));
                    eprintln!("{}: refused: {why}\n", path.display());
                }
            }
        }
    }
    bar.finish_and_clear();
    // The label files are durable before the run says they are issued (one flush, not an
    // fsync per file); then the snapshot takes in the journal.
    iotlabel::fsutil::sync_filesystem(&a.out).map_err(FileError::on("sync", &a.out))?;
    batch.settle(&written);
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
        slots.len() - issued - refused,
        a.out.display()
    ));
    out(&summary);
    // Timing goes to stderr: stdout stays the same for the same inputs and --at.
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{issued} labels in {secs:.2} s ({:.0} labels/s)",
        issued as f64 / secs.max(1e-9)
    );
    if refused > 0 {
        return Err(CliError::Reported(EXIT_REFUSED));
    }
    Ok(())
}

/// A progress bar on stderr (drawn only on a terminal).
fn progress_bar(len: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}
