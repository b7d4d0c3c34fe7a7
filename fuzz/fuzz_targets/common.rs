//! Shared by every fuzz target (included with `#[path]`, so each target stays one file):
//! the demo trust setup of the test vectors (same seed, so their labels verify here), the
//! labels it issues from `fixtures/profiles`, and the oracles every target applies to a
//! VALID verdict.
#![allow(dead_code)]

use std::sync::OnceLock;

use iotlabel::criteria::{CriteriaSet, SchemeKind};
use iotlabel::keys::{Signer, SoftwareKey};
use iotlabel::label::LabelClaims;
use iotlabel::scenario::Scenario;
use iotlabel::trust::VerifiedTrustList;
use iotlabel::verify::{TrustStore, Verdict, VerifyReport};
use jiff::Timestamp;

/// The key seed of `fixtures/vectors/` (`key_seed_hex`): the vectors' labels verify here.
pub const SEED: &[u8] = b"iotlabel test vectors";
/// Issue time of the setup (the tests' date).
pub const AT: i64 = 1_795_996_800; // 2026-12-01T00:00:00Z
/// Verification time: one day later, inside every window.
pub const NOW: i64 = AT + 86_400;

pub fn at() -> Timestamp {
    Timestamp::from_second(AT).expect("valid time")
}

pub fn now() -> Timestamp {
    Timestamp::from_second(NOW).expect("valid time")
}

/// Who signs something the fuzzer wrote (chosen by an input byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Lab,
    IssuingBody,
    Manufacturer,
    Root,
    Status,
}

impl Who {
    pub fn from_byte(b: u8) -> Who {
        match b % 5 {
            0 => Who::Lab,
            1 => Who::IssuingBody,
            2 => Who::Manufacturer,
            3 => Who::Root,
            _ => Who::Status,
        }
    }
}

/// A label the setup issued, VALID at [`NOW`].
pub struct Label {
    pub claims: LabelClaims,
    pub cose: Vec<u8>,
    pub text: String,
    pub signer: Who,
}

pub struct Setup {
    pub set: CriteriaSet,
    pub scenario: Scenario,
    pub verified: Vec<VerifiedTrustList>,
    /// Empty status lists of the three issuer keys, issued at AT for 7 days.
    pub status_lists: Vec<Vec<u8>>,
    pub store: TrustStore,
    pub labels: Vec<Label>,
}

impl Setup {
    pub fn key(&self, who: Who) -> &SoftwareKey {
        let s = &self.scenario;
        match who {
            Who::Lab => &s.lab,
            Who::IssuingBody => &s.issuing_body,
            Who::Manufacturer => &s.manufacturer,
            Who::Root => &s.root,
            Who::Status => &s.status,
        }
    }

    pub fn who_signed(&self, kid: &[u8; 8]) -> Option<Who> {
        [
            Who::Lab,
            Who::IssuingBody,
            Who::Manufacturer,
            Who::Root,
            Who::Status,
        ]
        .into_iter()
        .find(|w| &self.key(*w).kid() == kid)
    }

    /// The key whose kid and the claims' status index give the claims' label id (labels
    /// carry no issuer: the id names the key); the lab's when none does.
    pub fn key_for_label(&self, claims: &LabelClaims) -> &SoftwareKey {
        [Who::IssuingBody, Who::Manufacturer, Who::Lab]
            .into_iter()
            .map(|w| self.key(w))
            .find(|k| iotlabel::label::label_id(&k.kid(), claims.status_index) == claims.label_id)
            .unwrap_or(&self.scenario.lab)
    }
}

/// The profiles the labels are issued from.
pub const PROFILES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/profiles");

pub fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(build_setup)
}

fn build_setup() -> Setup {
    let set = iotlabel::criteria::load_bundled().expect("bundled criteria load");
    let scenario = Scenario::new(&set, SEED, at(), 30).expect("scenario");
    let verified = vec![scenario.verified(at()).expect("trust list verifies")];
    let status_lists = scenario.status_lists(at(), 7).expect("status lists");
    let store = TrustStore::new(
        &scenario.roots(),
        std::slice::from_ref(&scenario.trust_bytes),
        &status_lists,
        at(),
    );
    let mut labels = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(PROFILES_DIR)
        .expect("fixtures/profiles")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut index = 0u32;
    for p in &paths {
        for scheme in set.schemes.iter().filter(|s| s.kind == SchemeKind::Label) {
            index += 1;
            let Ok(Some(issued)) = scenario.issue_file(&set, scheme, p, at(), index) else {
                continue;
            };
            let kid = iotlabel::label::cose::parse(&issued.cose)
                .expect("issued label parses")
                .kid;
            let signer = [Who::Lab, Who::IssuingBody, Who::Manufacturer]
                .into_iter()
                .find(|w| {
                    let k = match w {
                        Who::Lab => &scenario.lab,
                        Who::IssuingBody => &scenario.issuing_body,
                        _ => &scenario.manufacturer,
                    };
                    k.kid() == kid
                })
                .expect("issued by a scenario key");
            let label = Label {
                claims: issued.claims,
                cose: issued.cose,
                text: issued.qr_text,
                signer,
            };
            if store.verify(Some(&label.text), None, now()).verdict == Verdict::Valid {
                labels.push(label);
            }
        }
    }
    assert!(!labels.is_empty(), "the setup issued no VALID label");
    Setup {
        set,
        scenario,
        verified,
        status_lists,
        store,
        labels,
    }
}

/// Characters that must never be in a text a VALID label shows (issue 10: display spoofing).
/// A sample of the classes the product refuses (Cc, Cf, Zl, Zp, Co, non-characters, spaces
/// other than U+0020 and U+3000), enough for the oracle to see the class.
pub fn invisible(c: char) -> bool {
    c.is_control()
        || (c.is_whitespace() && c != ' ' && c != '\u{3000}')
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{E000}'..='\u{F8FF}'
            | '\u{FDD0}'..='\u{FDEF}' | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
        || (c as u32 & 0xFFFE) == 0xFFFE
}

/// What a VALID verdict promises, whatever the input: the policy oracles. Panics (a finding)
/// when one fails.
pub fn check_valid(report: &VerifyReport, claims: Option<&LabelClaims>) {
    if report.verdict != Verdict::Valid {
        return;
    }
    if let Some(d) = &report.device {
        let texts = [&d.manufacturer, &d.model, &d.hardware_version, &d.firmware]
            .into_iter()
            .chain(d.variants.iter());
        for t in texts {
            if let Some(c) = t.chars().find(|c| invisible(*c)) {
                panic!(
                    "VALID label shows invisible/format character U+{:04X} in {t:?}",
                    c as u32
                );
            }
        }
    }
    if let Some(c) = claims {
        assert!(
            c.expires > c.issued_at,
            "VALID label whose expiry {} is not after its issue time {}",
            c.expires,
            c.issued_at
        );
        assert!(
            (c.status_index as usize) < iotlabel::status::STATUS_ENTRIES,
            "VALID label with status index {} beyond the status list",
            c.status_index
        );
    }
}

/// Renders diagnostics as the CLI does (miette, source snippets): every span must lie in its
/// file and every location be printable.
pub fn render_diagnostics(d: &iotlabel::diag::Diagnostics) -> String {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_context_lines(1);
    let mut s = String::new();
    for diag in &d.0 {
        let _ = diag.location();
        let _ = diag.line_col();
        let _ = handler.render_report(&mut s, &iotlabel::diag::Rendered(diag));
    }
    s.push_str(&d.to_string());
    s
}

/// Signs arbitrary payload bytes as a COSE_Sign1 (the strict form), with a size limit.
pub fn sign_payload(payload: &[u8], key: &dyn Signer, max: usize) -> Option<Vec<u8>> {
    iotlabel::label::cose::sign_limited(payload, key, max).ok()
}

/// The repository root (this crate is `fuzz/` in it).
pub const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// Seed corpora are written by the targets themselves, from the same code that defines their
/// input format: with `IOTLABEL_FUZZ_WRITE_SEEDS=DIR` a target writes its seeds to DIR and
/// exits (see `fuzz/seeds.sh`). Called from each target's `init`.
pub fn seeds(make: fn(&Setup) -> Vec<Vec<u8>>) {
    let Ok(dir) = std::env::var("IOTLABEL_FUZZ_WRITE_SEEDS") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("seed dir");
    let mut n = 0;
    for s in make(setup()) {
        use sha2::Digest as _;
        let name = hex::encode(&sha2::Sha256::digest(&s)[..10]);
        std::fs::write(dir.join(name), &s).expect("seed written");
        n += 1;
    }
    eprintln!("wrote {n} seeds to {}", dir.display());
    std::process::exit(0);
}

/// Every `*.toml` under `REPO/rel`, sorted.
pub fn repo_tomls(rel: &str) -> Vec<Vec<u8>> {
    fn walk(d: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "toml") {
                out.push(p);
            }
        }
    }
    let mut paths = Vec::new();
    walk(&std::path::Path::new(REPO).join(rel), &mut paths);
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// The `qr_text` of every vector in fixtures/vectors (valid and not).
pub fn vector_texts() -> Vec<String> {
    repo_tomls("fixtures/vectors")
        .iter()
        .filter_map(|b| {
            let t = String::from_utf8_lossy(b);
            let line = t.lines().find(|l| l.starts_with("qr_text = "))?;
            let v: String = line["qr_text = ".len()..]
                .trim()
                .trim_matches('"')
                .to_string();
            Some(v.replace("\\n", "\n").replace("\\u00A0", "\u{a0}"))
        })
        .collect()
}

/// A QR symbol drawn as a PNG (or JPEG) picture: `px` pixels a module, 4-module quiet zone.
pub fn picture(sym: &iotlabel::label::symbol::QrSymbol, px: u32, jpeg: bool) -> Vec<u8> {
    use image::{ExtendedColorType, GrayImage, ImageEncoder, Luma};
    let quiet = 4;
    let n = sym.size() as u32;
    let side = (n + 2 * quiet) * px;
    let img = GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / px, y / px);
        let dark = mx >= quiet
            && my >= quiet
            && mx < n + quiet
            && my < n + quiet
            && sym.is_dark((mx - quiet) as usize, (my - quiet) as usize);
        Luma([if dark { 0 } else { 255 }])
    });
    let mut out = Vec::new();
    if jpeg {
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .write_image(img.as_raw(), side, side, ExtendedColorType::L8)
            .expect("JPEG encodes");
    } else {
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(img.as_raw(), side, side, ExtendedColorType::L8)
            .expect("PNG encodes");
    }
    out
}

/// The claims bytes (payload) of a COSE_Sign1.
pub fn payload(cose: &[u8]) -> Vec<u8> {
    iotlabel::label::cose::parse_limited(cose, 1 << 20)
        .expect("own COSE parses")
        .payload
}

/// A revocation statement for one of the setup's labels, as CBOR (the signed payload).
pub fn statement_for(
    l: &Label,
    s: &Setup,
    status: iotlabel::status::LabelStatus,
    sequence: u64,
) -> Vec<u8> {
    let st = iotlabel::status::RevocationStatement {
        format: "iotlabel-revocation/1".into(),
        label: l.claims.label_id.into(),
        issuer_kid: s.key(l.signer).kid().into(),
        index: l.claims.status_index,
        status,
        reason: "key material of the device leaked".into(),
        at: NOW,
        sequence,
        successor: (status == iotlabel::status::LabelStatus::Superseded)
            .then(|| s.labels[0].claims.label_id.into()),
    };
    let mut out = Vec::new();
    ciborium::ser::into_writer(&st, &mut out).expect("statement encodes");
    out
}

/// Byte for a signer in the targets' "who" bytes ([`Who::from_byte`]).
pub fn who_byte(w: Who) -> u8 {
    match w {
        Who::Lab => 0,
        Who::IssuingBody => 1,
        Who::Manufacturer => 2,
        Who::Root => 3,
        Who::Status => 4,
    }
}
