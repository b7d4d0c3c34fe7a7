//! Helpers shared by the property-test files.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // not every test file uses all

use iotlabel::time::DateValue;
use iotlabel::value::{PropertyType, SetItem, Value, Version};

/// A value of a property type, derived from a seed (for generated profiles).
pub fn value_for(ty: &PropertyType, seed: u64) -> Value {
    match ty {
        PropertyType::Bool => Value::Bool(seed.is_multiple_of(2)),
        PropertyType::Int { min, max } => {
            let lo = min.unwrap_or(-5);
            let hi = max.unwrap_or(400).max(lo);
            Value::Int(lo + (seed % ((hi - lo) as u64 + 1)) as i64)
        }
        PropertyType::Enum(vals) => Value::Enum((seed % vals.len() as u64) as u16),
        PropertyType::Version => {
            Value::Version(Version(vec![(seed % 4) as u32, ((seed / 4) % 4) as u32]))
        }
        PropertyType::Date => {
            let s = format!("{}-{:02}", 2020 + (seed % 15), 1 + (seed / 15) % 12);
            Value::Date(DateValue::parse(&s).expect("date"))
        }
        PropertyType::Url => Value::Url(format!("https://example.com/{seed}")),
        PropertyType::Text => Value::Text(format!("text {seed}")),
        PropertyType::Set(SetItem::Int) => {
            let mut v: Vec<i64> = [22, 80, 443, 8080, 1883]
                .iter()
                .copied()
                .filter(|p| seed & (1 << (p % 5)) != 0)
                .collect();
            v.sort_unstable();
            v.dedup();
            Value::IntSet(v)
        }
        PropertyType::Set(SetItem::String) => {
            let mut v: Vec<String> = ["ble", "mqtt", "wifi"]
                .iter()
                .filter(|_| !seed.is_multiple_of(3))
                .map(|s| s.to_string())
                .collect();
            v.sort();
            Value::StrSet(v)
        }
    }
}

/// The bundled criteria, loaded once per test binary.
pub fn bundled() -> &'static iotlabel::criteria::CriteriaSet {
    static SET: std::sync::OnceLock<iotlabel::criteria::CriteriaSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| iotlabel::criteria::load_bundled().expect("bundled criteria"))
}

/// The lab's label for the fixture `profile` under `scheme` at 2026-12-01 (throwaway keys
/// from `seed`), after `edit` on the profile.
pub fn lab_issued(
    seed: &[u8],
    profile: &str,
    scheme: &str,
    edit: impl FnOnce(&mut iotlabel::profile::Profile),
) -> iotlabel::issue::Issued {
    use iotlabel::issue::{IssueRequest, issue, profile_digest};
    let set = bundled();
    let at = iotlabel::time::parse_at("2026-12-01").unwrap();
    let sc = iotlabel::scenario::Scenario::new(set, seed, at, 30).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/profiles")
        .join(profile);
    let bytes = std::fs::read(&path).unwrap();
    let mut p = iotlabel::profile::Profile::load(&path, set).unwrap();
    edit(&mut p);
    issue(&IssueRequest {
        scheme: set.scheme(scheme).unwrap(),
        vocab: &set.vocab,
        profile: &p,
        profile_digest: profile_digest(&bytes),
        at,
        key: &sc.lab,
        trust: &sc.verified(at).unwrap(),
        status_index: 0,
    })
    .map_err(|(e, _)| e)
    .unwrap()
}

/// The label's claims file, as `issue` writes it.
pub fn claims_json(i: &iotlabel::issue::Issued) -> serde_json::Value {
    serde_json::to_value(iotlabel::issue::ClaimsFile::new(i, bundled())).unwrap()
}

/// 2026-12-01T00:00:00Z, the time the fixtures are evaluated at.
pub fn t0() -> jiff::Timestamp {
    iotlabel::time::parse_at("2026-12-01T00:00:00Z").unwrap()
}

/// A unix time as a timestamp.
pub fn at(secs: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(secs).unwrap()
}

/// Writes a label's report JSON and claims file into `dir` (as `issue` names them):
/// `(r.report.json, r.json)`.
pub fn report_files(
    dir: &std::path::Path,
    i: &iotlabel::issue::Issued,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let report = dir.join("r.report.json");
    std::fs::write(&report, &i.report_json).unwrap();
    let label = dir.join("r.json");
    std::fs::write(&label, claims_json(i).to_string()).unwrap();
    (report, label)
}

/// Says that a check was skipped, on the process's real stderr rather than the test's captured
/// output, so that `cargo test` shows it even when the test passes; `.ci/run` counts these
/// lines in its closing line (and clears every `IOTLABEL_SKIP_*` variable, so CI skips none).
pub fn skipped(what: &str, why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {what}: {why}");
}

/// Every bundled fixture profile (`fixtures/profiles/*.toml`), sorted by path, loaded against
/// `set`; a fixture that does not load is a test failure naming it.
pub fn fixture_profiles(
    set: &iotlabel::criteria::CriteriaSet,
) -> Vec<(std::path::PathBuf, iotlabel::profile::Profile)> {
    toml_files("fixtures/profiles")
        .into_iter()
        .map(|p| {
            let profile = iotlabel::profile::Profile::load(&p, set).unwrap_or_else(|e| match e {
                iotlabel::profile::ProfileError::Invalid(d) => panic!("{}:\n{d}", p.display()),
                other => panic!("{}: {other}", p.display()),
            });
            (p, profile)
        })
        .collect()
}

/// The `.toml` files in a folder of the repository (a path relative to its root), sorted.
pub fn toml_files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut paths: Vec<std::path::PathBuf> =
        std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
    paths.sort();
    paths
}
