//! `iotlabel issue`: evaluate profiles and sign labels under an accredited key.

use std::path::{Path, PathBuf};

use iotlabel::criteria::CriteriaSet;
use iotlabel::issue::ledger::Ledger;
use iotlabel::issue::{IssueError, IssueRequest, Issued, input_digest, issue, profile_digest};
use iotlabel::keys::Signer;
use iotlabel::profile::Profile;
use iotlabel::report::render_text;
use iotlabel::trust::VerifiedTrustList;

use iotlabel::artwork::{self, Format, LabelFacts};
use iotlabel::verify::TrustStore;

use super::common::{KeyArgs, load_roots, load_trust, lock_state, read_all, unix_at, write_file};
use super::evaluate_cmd::load_with_scheme_files;
use super::{CriteriaSource, EXIT_INVALID, EXIT_IO, EXIT_USAGE, out};

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
    #[arg(long)]
    at: Option<String>,
    #[command(flatten)]
    source: CriteriaSource,
    #[command(flatten)]
    art: super::render_cmd::ArtworkArgs,
}

/// A label, the facts its artwork shows and the artwork files drawn for it.
type Drawn = Box<(Issued, LabelFacts, Vec<(Format, Vec<u8>)>)>;

enum Outcome {
    Issued(Drawn),
    Skipped(String),
    Refused(String),
}

/// Readable claims written beside each label.
pub fn claims_json(i: &Issued, set: &CriteriaSet) -> serde_json::Value {
    let c = &i.claims;
    let b = &c.label;
    let scheme = set
        .schemes
        .iter()
        .find(|s| s.id == b.scheme_id && s.version == b.scheme_version);
    let results: Vec<serde_json::Value> = match (scheme, b.result_codes()) {
        (Some(s), Ok(codes)) => s
            .requirements
            .iter()
            .zip(codes)
            .map(|(r, code)| serde_json::json!({ "id": r.id, "result": format!("{code:?}") }))
            .collect(),
        _ => Vec::new(),
    };
    serde_json::json!({
        "label_id": hex::encode(c.label_id),
        // From the trust-list entry of the signing key: the label carries no issuer.
        "issuer": i.issuer,
        "issued_at": iotlabel::time::format_unix(c.issued_at),
        "expires": iotlabel::time::format_unix(c.expires),
        "status_index": c.status_index,
        "scheme": b.scheme_id,
        "scheme_version": b.scheme_version,
        "criteria_digest": hex::encode(b.criteria_digest),
        "manufacturer": b.manufacturer,
        "model": b.model,
        "variants": b.variants,
        "hardware_version": b.hardware_version,
        "firmware": b.firmware,
        "firmware_is_minimum": b.firmware_is_minimum,
        "tier": b.tier,
        "tier_label": i.report.tier.as_ref().map(|t| t.label.clone()),
        "assurance": i.report.tier.as_ref().map(|t| t.assurance.name()),
        "support_end": b.support_end.map(iotlabel::time::format_support_end),
        "evidence_digest": hex::encode(b.evidence_digest),
        "results": results,
        "qr_text": i.qr_text,
    })
}

/// Writes one label's files.
pub fn write_label(dir: &Path, i: &Issued, set: &CriteriaSet) -> Result<(), u8> {
    let id = hex::encode(i.claims.label_id);
    write_file(&dir.join(format!("{id}.cose")), &i.cose)?;
    write_file(
        &dir.join(format!("{id}.txt")),
        format!("{}\n", i.qr_text).as_bytes(),
    )?;
    let claims = serde_json::to_string_pretty(&claims_json(i, set)).unwrap_or_default() + "\n";
    write_file(&dir.join(format!("{id}.json")), claims.as_bytes())?;
    write_file(
        &dir.join(format!("{id}.report.json")),
        i.report_json.as_bytes(),
    )?;
    // The report a lab hands to the manufacturer, drawn from the same canonical JSON whose
    // digest the label carries (confidential: never published by the registry).
    let (Ok(report), Ok(label)) = (
        serde_json::from_str::<serde_json::Value>(&i.report_json),
        serde_json::from_str::<serde_json::Value>(&claims),
    ) else {
        eprintln!("error: label {id}: its report JSON does not read back");
        return Err(EXIT_INVALID);
    };
    let lang = iotlabel::report::html::Lang::En;
    match iotlabel::report::html::to_html(&report, Some(&label), lang) {
        Ok(h) => write_file(&dir.join(format!("{id}.report.html")), h.as_bytes())?,
        Err(e) => {
            eprintln!("error: label {id}: report HTML: {e}");
            return Err(EXIT_INVALID);
        }
    }
    match iotlabel::report::pdf::to_pdf(&report, Some(&label), lang) {
        Ok(p) => write_file(&dir.join(format!("{id}.report.pdf")), &p),
        Err(e) => {
            eprintln!("error: label {id}: report PDF: {e}");
            Err(EXIT_INVALID)
        }
    }
}

/// Verifies a freshly signed label and draws its artwork (in the worker thread).
fn draw(
    i: Issued,
    store: &TrustStore,
    set: &CriteriaSet,
    art: &super::render_cmd::Artwork,
    at: jiff::Timestamp,
) -> Outcome {
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

pub fn run(a: Args) -> u8 {
    let (at, at_unix) = match unix_at(a.at.as_deref()) {
        Ok(x) => x,
        Err(c) => return c,
    };
    let (set, keys) = match load_with_scheme_files(&a.source, std::slice::from_ref(&a.scheme)) {
        Ok(x) => x,
        Err(c) => return c,
    };
    let Some(scheme) = keys.first().and_then(|k| set.scheme(k)) else {
        return EXIT_USAGE;
    };
    let key = match a.key.load() {
        Ok(k) => k,
        Err(c) => return c,
    };
    let roots = match load_roots(std::slice::from_ref(&a.root)) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let trust: Vec<VerifiedTrustList> =
        match load_trust(std::slice::from_ref(&a.trust), &roots, at_unix) {
            Ok(t) => t,
            Err(c) => return c,
        };
    let Some(trust) = trust.into_iter().next() else {
        return EXIT_INVALID;
    };
    let art = match a.art.resolve() {
        Ok(x) => x,
        Err(c) => return c,
    };
    // Every label is verified against the same trust list before its artwork is drawn: the
    // names printed come from the trust list, and a label that does not verify is not printed.
    let store = match read_all(std::slice::from_ref(&a.trust), "trust list") {
        Ok(t) => TrustStore::new(&roots, &t, &[], at),
        Err(c) => return c,
    };
    // Held to the end of the run: the ledger is read, its indices handed out and it is
    // written back as one step against other `issue` runs on the same state.
    let _lock = match lock_state(&a.state) {
        Ok(l) => l,
        Err(c) => return c,
    };
    let mut ledger = match Ledger::load(&a.state) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    let kid = key.kid();
    // Indices below this were handed out by earlier runs (some perhaps to labels a failed run
    // wrote but never recorded): never released.
    let first_free = ledger.next_index.get(&kid.into()).copied().unwrap_or(0);

    // Parse every profile first: bad input stops the run before anything is signed.
    let mut jobs = Vec::new();
    for p in &a.profile {
        let bytes = match std::fs::read(p) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", p.display());
                return EXIT_IO;
            }
        };
        let profile = match Profile::parse(
            &iotlabel::diag::SourceFile::new(
                p.display().to_string(),
                String::from_utf8_lossy(&bytes),
            ),
            &set,
        ) {
            Ok(pr) => pr,
            Err(d) => {
                super::print_diagnostics(&d);
                return EXIT_INVALID;
            }
        };
        let pd = profile_digest(&bytes);
        let input = input_digest(&kid, &scheme.key(), &scheme.digest, &pd);
        let done = ledger.find_input(&input).map(|e| e.label);
        jobs.push((p.clone(), profile, pd, input, done));
    }
    // Status indices are allocated in input order, before the parallel part, so the result
    // does not depend on thread timing.
    let mut indexed = Vec::new();
    for (path, profile, pd, input, done) in jobs {
        match done {
            Some(label) => indexed.push((path, profile, pd, input, None, Some(label))),
            None => match ledger.allocate(kid) {
                Ok(i) => indexed.push((path, profile, pd, input, Some(i), None)),
                Err(e) => {
                    eprintln!("error: {e}");
                    return EXIT_INVALID;
                }
            },
        }
    }
    // The indices are recorded as taken before anything is signed or written: a run that
    // fails later (or is killed) leaves at worst a gap, never an index (and so a label id)
    // that a later run would hand to another label. Unused ones are released at the end.
    if let Err(e) = ledger.save(&a.state) {
        eprintln!("error: {e}");
        return EXIT_IO;
    }
    let bar = indicatif::ProgressBar::new(indexed.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(indexed.len().max(1));
    let chunk = indexed.len().div_ceil(threads).max(1);
    let results: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = indexed
            .chunks(chunk)
            .map(|part| {
                let (set, trust, key, bar, store, art) = (&set, &trust, &key, &bar, &store, &art);
                s.spawn(move || {
                    part.iter()
                        .map(|(_, profile, pd, _, index, done)| {
                            let r = match (index, done) {
                                (_, Some(label)) => {
                                    Outcome::Skipped(format!("already issued as {label}"))
                                }
                                (Some(index), None) => {
                                    let req = IssueRequest {
                                        scheme,
                                        vocab: &set.vocab,
                                        profile,
                                        profile_digest: *pd,
                                        at,
                                        key,
                                        trust,
                                        status_index: *index,
                                    };
                                    match issue(&req) {
                                        Ok(i) => draw(i, store, set, art, at),
                                        Err((e @ IssueError::NoTier { .. }, Some(report))) => {
                                            Outcome::Refused(format!(
                                                "{e}\n\n{}",
                                                render_text(&report)
                                            ))
                                        }
                                        Err((e, _)) => Outcome::Refused(e.to_string()),
                                    }
                                }
                                (None, None) => Outcome::Refused("no status index".into()),
                            };
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

    let mut sheet_labels = Vec::new();
    let mut summary = String::from("PROFILE                            RESULT\n");
    let mut refused = 0;
    let mut issued = 0;
    for ((path, _, _, input, _, _), outcome) in indexed.iter().zip(&results) {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        match outcome {
            Outcome::Issued(drawn) => {
                let (i, facts, files) = &**drawn;
                if let Err(c) = write_label(&a.out, i, &set) {
                    return c;
                }
                if let Err(c) =
                    super::render_cmd::write_artwork_files(&a.out, &i.claims.label_id, files)
                {
                    return c;
                }
                sheet_labels.push(facts.clone());
                ledger.record(i, &kid, input.clone());
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
    // Indices this run reserved for refused profiles are released: only issued labels keep
    // theirs.
    let used: u32 = ledger
        .labels
        .iter()
        .filter(|e| e.kid.0 == kid)
        .map(|e| e.index + 1)
        .max()
        .unwrap_or(0);
    ledger.next_index.insert(kid.into(), used.max(first_free));
    if let Err(e) = ledger.save(&a.state) {
        eprintln!("error: {e}");
        return EXIT_IO;
    }
    match super::render_cmd::write_sheet(&a.out.join("sheet.pdf"), &sheet_labels, &art) {
        Ok(true) => summary.push_str(&format!(
            "\n{} labels on {} ({})",
            sheet_labels.len(),
            a.out.join("sheet.pdf").display(),
            art.template.id
        )),
        Ok(false) => {}
        Err(c) => return c,
    }
    summary.push_str(&format!(
        "\n{issued} issued, {refused} refused, {} skipped; labels in {}\n",
        indexed.len() - issued - refused,
        a.out.display()
    ));
    out(&summary);
    if refused > 0 { EXIT_REFUSED } else { 0 }
}
