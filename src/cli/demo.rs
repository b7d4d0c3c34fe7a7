//! `iotlabel demo`: the whole pipeline on the bundled fixtures.
//!
//! 1. every profile against every scheme, as a table of tiers and gaps;
//! 2. throwaway keys (one scheme owner for the bundled schemes, an issuing body, a lab, a
//!    manufacturer, a status key) and their signed trust list;
//! 3. a label for every profile and label scheme where a tier is reached, signed by the key
//!    whose role fits the tier;
//! 4. one label revoked by a signed statement, and a status list per issuer key;
//! 5. every label verified offline, plus a swapped-URL and a tampered QR, as a table.
//!
//! The folder it leaves (`--out DIR`, else a temporary one) is documented in README.md.

use std::path::{Path, PathBuf};

use iotlabel::FileError;
use iotlabel::artwork::Format;
use iotlabel::criteria::SchemeKind;
use iotlabel::evaluate::evaluate;
use iotlabel::ids::{Kid, LabelId};
use iotlabel::issue::batch::{self, Batch, Job};
use iotlabel::issue::ledger::Ledger;
use iotlabel::issue::profile_digest;
use iotlabel::keys::{Signer, SoftwareKey, public_key_pem};
use iotlabel::profile::Profile;
use iotlabel::report::{Report, render_summary};
use iotlabel::scenario::Scenario;
use iotlabel::status::{LabelStatus, StatementTarget, load_state, open_statement, save_state};
use iotlabel::verify::TrustStore;

use super::common::{at_or_now, parse_time, read, write_file};
use super::issue_cmd::write_label;
use super::{CliError, CriteriaSource, out};

#[derive(clap::Args)]
pub struct Args {
    /// Directory of device profiles.
    #[arg(long, value_name = "DIR", default_value = "fixtures/profiles")]
    fixtures: PathBuf,
    /// Evaluation and issue time: YYYY-MM-DD or RFC 3339 (default: now). UTC.
    #[arg(long, value_name = "DATE", value_parser = parse_time)]
    at: Option<jiff::Timestamp>,
    /// Leave the keys, trust list, labels and status lists here (default: a temporary folder).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Derive the throwaway keys from this seed (hex) so a run can be reproduced; default random.
    #[arg(long, value_name = "HEX")]
    seed: Option<String>,
    #[command(flatten)]
    source: CriteriaSource,
}

pub fn run(a: Args) -> Result<(), CliError> {
    let at = at_or_now(a.at);
    let set = a.source.load()?;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&a.fixtures)
        .map_err(|e| {
            CliError::read(&a.fixtures, e)
                .help("run the demo from the repository root, or pass --fixtures DIR")
        })?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut profiles = Vec::new();
    let mut reports = Vec::new();
    for p in &paths {
        let profile = Profile::load(p, &set)?;
        let name = p
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        for s in &set.schemes {
            reports.push((
                name.clone(),
                Report::new(s, &set.vocab, &profile, &evaluate(s, &profile, at)),
            ));
        }
        profiles.push((p.clone(), name, profile));
    }
    let rows: Vec<(String, &Report)> = reports.iter().map(|(n, r)| (n.clone(), r)).collect();
    let mut s = format!(
        "iotlabel demo: {} profile(s) x {} scheme(s), evaluated at {}\n\n1. EVALUATION\n\n",
        paths.len(),
        set.schemes.len(),
        iotlabel::time::format_ts(at)
    );
    s.push_str(&render_summary(&rows));
    out(&s);

    // A folder for the rest: --out, or a temporary one that lives until the end of the run.
    let tmp;
    let dir: PathBuf = match &a.out {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::tempdir().map_err(FileError::on("create", "a temporary folder"))?;
            tmp.path().to_path_buf()
        }
    };
    let seed = match &a.seed {
        Some(h) => hex::decode(h).map_err(|_| CliError::usage("--seed must be hex"))?,
        None => {
            use rand::RngCore;
            let mut b = vec![0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut b);
            b
        }
    };
    let text = pipeline(&set, &profiles, &dir, &seed, at)?;
    // A temporary folder is gone when the demo ends: do not point at it.
    let text = if a.out.is_some() {
        text
    } else {
        text.split("\nFolder ")
            .next()
            .unwrap_or_default()
            .to_string()
    };
    out(&text);
    if a.out.is_none() {
        out(
            "\n(The folder was temporary; pass --out DIR to keep keys, trust list, labels and status lists.)\n",
        );
    }
    Ok(())
}

/// Labels per page of the bundled A4 sheet.
fn standard_per_sheet() -> Result<usize, CliError> {
    let sheet = load_template("sheet-a4")?;
    Ok(sheet
        .sheet
        .map_or(1, |s| (s.grid.0 * s.grid.1) as usize)
        .max(1))
}

fn load_template(id: &str) -> Result<iotlabel::artwork::Template, CliError> {
    Ok(iotlabel::artwork::template::load_bundled(id)?)
}

fn write_key(dir: &Path, name: &str, k: &SoftwareKey) -> Result<(), CliError> {
    let pem = public_key_pem(&k.public_key())?;
    write_file(&dir.join(format!("{name}.pub")), pem.as_bytes())?;
    let kp = dir.join(format!("{name}.key"));
    if kp.exists() {
        let _ = std::fs::remove_file(&kp);
    }
    Ok(iotlabel::keys::write_private_key(&kp, k, None)?)
}

fn pipeline(
    set: &iotlabel::criteria::CriteriaSet,
    profiles: &[(PathBuf, String, Profile)],
    dir: &Path,
    seed: &[u8],
    at: jiff::Timestamp,
) -> Result<String, CliError> {
    let sc = Scenario::new(set, seed, at, 30).map_err(|e| CliError::invalid(e.0))?;
    let keys = dir.join("keys");
    for (n, k) in [
        ("issuing-body", &sc.issuing_body),
        ("lab", &sc.lab),
        ("manufacturer", &sc.manufacturer),
        ("status", &sc.status),
    ] {
        write_key(&keys, n, k)?;
    }
    write_key(&dir.join("trust"), "scheme-owner", &sc.root)?;
    // The root's private half stays out of trust/: verifiers get only the .pub.
    let _ = std::fs::rename(
        dir.join("trust/scheme-owner.key"),
        keys.join("scheme-owner.key"),
    );
    write_file(&dir.join("trust/example-agency.cose"), &sc.trust_bytes)?;
    let trusted = sc.verified(at).map_err(|e| CliError::invalid(e.0))?;

    // Issue: every profile under every open label scheme where a tier is reached, signed by
    // the key whose role fits the tier.
    let state = dir.join("state");
    let labels_dir = dir.join("labels");
    // A scheme version outside its issuing window is still evaluated (step 1), never issued.
    for scheme in set.schemes.iter().filter(|s| s.kind == SchemeKind::Label) {
        if let Some(e) = iotlabel::issue::outside_window(scheme, at) {
            println!("{}: no labels issued: {e}", scheme.key());
        }
    }
    let mut jobs = Vec::new();
    let mut who = Vec::new();
    for (path, name, profile) in profiles {
        let pd = profile_digest(&read(path)?);
        for scheme in set.schemes.iter().filter(|s| {
            s.kind == SchemeKind::Label && iotlabel::issue::outside_window(s, at).is_none()
        }) {
            let Some(ti) = evaluate(scheme, profile, at).tier else {
                continue;
            };
            let tier = &scheme.tiers[ti];
            let key = sc.signer_for(scheme, tier.rank, tier.assurance);
            jobs.push(Job {
                scheme,
                profile,
                profile_digest: pd,
                key,
            });
            who.push((name, key));
        }
    }
    let mut batch = Batch::new(Ledger::load(&state).unwrap_or_default());
    let slots = batch.plan(&jobs)?;
    let ctx = batch::Context {
        vocab: &set.vocab,
        trust: &trusted,
        at,
    };
    let mut issued = Vec::new();
    for ((job, slot), (name, key)) in jobs.iter().zip(&slots).zip(&who) {
        match batch::issue_one(job, slot, &ctx) {
            batch::Outcome::Issued(i) => {
                write_label(&labels_dir, &i, set)?;
                batch.record(&i, job, slot);
                let signer = sc
                    .entry(key)
                    .map_or(String::new(), |e| e.role.name().to_string());
                issued.push(((*name).clone(), job.scheme.key(), *i, signer));
            }
            batch::Outcome::Skipped(_) => {}
            batch::Outcome::Refused(e, _) => {
                eprintln!("{name} / {}: not issued: {e}", job.scheme.key());
            }
        }
    }
    batch.finish().save(&state)?;

    // Revoke one label: the baby monitor whose declaration a lab contradicted, if issued.
    let revoked = issued
        .iter()
        .position(|(n, ..)| n.contains("contradicted"))
        .or(if issued.is_empty() { None } else { Some(0) });
    if let Some(ri) = revoked {
        let i = &issued[ri].2;
        let target = StatementTarget::from_label(&i.cose, LabelId(i.claims.label_id))
            .map_err(CliError::invalid)?;
        let key = sc
            .issuers()
            .into_iter()
            .find(|k| Kid(k.kid()) == target.kid)
            .ok_or_else(|| CliError::invalid("the revoked label's key is not an issuer's"))?;
        let stmt = target.statement(
            LabelStatus::Revoked,
            "a lab test contradicted the manufacturer's declaration",
            at.as_second(),
            1,
            None,
        );
        let bytes = stmt.sign(key)?;
        write_file(&dir.join("revocations/revoke-1.cose"), &bytes)?;
        let opened = open_statement(&bytes, std::slice::from_ref(&trusted), &sc.roots())?;
        let mut st = load_state(&state, target.kid)?;
        if let Err(e) = st.apply(&opened) {
            // Already applied in an earlier run into the same --out folder.
            eprintln!("note: {e}");
        }
        save_state(&state, &st)?;
    }
    // A status list per issuer key, valid for 7 days.
    let mut status_lists = Vec::new();
    for k in sc.issuers() {
        let st = load_state(&state, Kid(k.kid()))?;
        let list = st.to_list(at.as_second(), at.as_second() + 7 * 86_400)?;
        let bytes = list.sign(&sc.status)?;
        write_file(
            &dir.join(format!("status/{}.cose", hex::encode(k.kid()))),
            &bytes,
        )?;
        status_lists.push(bytes);
    }

    // Artwork: a standard label PDF beside every label (the JC-STAR-like ones in Japanese),
    // one compact label, and an A4 sheet of all labels for a print run.
    let art_store = TrustStore::new(&sc.roots(), std::slice::from_ref(&sc.trust_bytes), &[], at);
    let standard = load_template("standard")?;
    let mut all_facts = Vec::new();
    let mut japanese = 0;
    for (_, scheme, i, _) in &issued {
        let facts = super::render_cmd::facts(
            &art_store,
            set,
            &i.cose,
            Some(&i.qr_text),
            at,
            &hex::encode(i.claims.label_id),
        )?;
        let lang = if scheme.starts_with("jc-star") {
            japanese += 1;
            "ja"
        } else {
            "en"
        };
        let art = super::render_cmd::Artwork {
            template: standard.clone(),
            lang: lang.into(),
            formats: vec![Format::Pdf],
        };
        super::render_cmd::write_label_artwork(&labels_dir, &facts, &art)?;
        all_facts.push(facts);
    }
    if let Some(first) = all_facts.first() {
        let compact = super::render_cmd::Artwork {
            template: load_template("compact")?,
            lang: "en".into(),
            formats: vec![Format::Pdf, Format::Svg, Format::Png],
        };
        super::render_cmd::write_label_artwork(&dir.join("print/compact"), first, &compact)?;
        let sheet = super::render_cmd::Artwork {
            template: load_template("sheet-a4")?,
            lang: "en".into(),
            formats: vec![Format::Pdf],
        };
        super::render_cmd::write_sheet(&dir.join("print/sheet-a4.pdf"), &all_facts, &sheet)?;
    }

    // Verify everything, the next day.
    let when = at
        .checked_add(jiff::SignedDuration::from_hours(24))
        .unwrap_or(at);
    let roots = sc.roots();
    let trust_lists = vec![sc.trust_bytes.clone()];
    let store = TrustStore::new(&roots, &trust_lists, &status_lists, when);
    let check = |text: &str| store.verify(Some(text), None, when);
    let per_sheet = standard_per_sheet()?;
    let mut s = format!(
        "\n2. LABELS: {} issued into {}\n   artwork: a PDF beside every label ({japanese} in Japanese), the assessment report as\n   HTML and PDF, {} labels on {} A4 pages (print/sheet-a4.pdf), one compact label (print/compact/)\n\n3. VERIFICATION at {} (offline: roots, trust list, status lists)\n\n",
        issued.len(),
        labels_dir.display(),
        all_facts.len(),
        all_facts.len().div_ceil(per_sheet),
        iotlabel::time::format_ts(when)
    );
    let w = issued
        .iter()
        .map(|(n, ..)| n.len())
        .max()
        .unwrap_or(7)
        .max(7);
    s.push_str(&format!(
        "{:<16}  {:<w$}  {:<22} {:<22} {:<13} VERDICT\n",
        "LABEL", "PROFILE", "SCHEME", "TIER", "SIGNED BY"
    ));
    for (name, scheme, i, signer) in &issued {
        let r = check(&i.qr_text);
        let tier = r.scheme.as_ref().map_or(String::new(), |x| x.tier.clone());
        s.push_str(&format!(
            "{:<16}  {name:<w$}  {scheme:<22} {tier:<22} {signer:<13} {}\n",
            hex::encode(i.claims.label_id),
            r.verdict.words()
        ));
    }
    if let Some((name, _, i, _)) = issued.iter().find(|(n, ..)| !n.contains("contradicted")) {
        let swapped = i.qr_text.replacen("LBL.EXAMPLE.ORG", "LBL.EXAMPLE.COM", 1);
        let r = check(&swapped);
        s.push_str(&format!(
            "\nSwapped URL ({name}'s genuine label behind another site):\n  {}...\n  -> {}\n",
            &swapped[..40.min(swapped.len())],
            r.verdict.words()
        ));
        let mut tampered: Vec<char> = i.qr_text.chars().collect();
        let pos = tampered.len() - 30;
        tampered[pos] = if tampered[pos] == 'A' { 'B' } else { 'A' };
        let tampered: String = tampered.into_iter().collect();
        let r = check(&tampered);
        s.push_str(&format!(
            "Tampered QR (one character changed): -> {}\n",
            r.verdict.words()
        ));
    }
    s.push_str(&format!(
        "\nFolder {}:\n  keys/*.pub, keys/*.key    throwaway keys (private keys mode 0600)\n  trust/scheme-owner.pub   the root verifiers pass with --root\n  trust/example-agency.cose the signed trust list (--trust)\n  status/<kid>.cose        a status list per issuer key (--status)\n  labels/<id>.{{cose,txt,json,report.json,pdf}}  (JC-STAR-like labels in Japanese)\n  print/sheet-a4.pdf, print/compact/  every label on A4 sheets; one compact label (PDF, SVG, PNG)\n  revocations/, state/     the revocation statement and the issuer's ledger\n\nTry: iotlabel verify --file {}/labels/<id>.txt --trust {}/trust/example-agency.cose --root {}/trust/scheme-owner.pub --status {}/status/*.cose\n",
        dir.display(),
        dir.display(),
        dir.display(),
        dir.display(),
        dir.display()
    ));
    Ok(s)
}
