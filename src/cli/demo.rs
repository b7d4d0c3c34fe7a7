//! `iotlabel demo`: every bundled profile against every bundled scheme.

use std::path::PathBuf;

use iotlabel::evaluate::evaluate;
use iotlabel::report::{Report, render_summary};

use super::evaluate_cmd::load_profile;
use super::{CriteriaSource, EXIT_IO, out, resolve_at};

#[derive(clap::Args)]
pub struct Args {
    /// Directory of device profiles.
    #[arg(long, value_name = "DIR", default_value = "fixtures/profiles")]
    fixtures: PathBuf,
    /// Evaluation time: YYYY-MM-DD or RFC 3339 (default: now). UTC.
    #[arg(long, value_name = "DATE")]
    at: Option<String>,
    #[command(flatten)]
    source: CriteriaSource,
}

pub fn run(a: Args) -> u8 {
    let at = match resolve_at(a.at.as_deref()) {
        Ok(t) => t,
        Err(c) => return c,
    };
    let set = match a.source.load() {
        Ok(s) => s,
        Err(c) => return c,
    };
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&a.fixtures) {
        Ok(rd) => rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(e) => {
            eprintln!(
                "error: cannot read {}: {e}\n  help: run the demo from the repository root, or pass --fixtures DIR",
                a.fixtures.display()
            );
            return EXIT_IO;
        }
    };
    paths.sort();
    let mut reports = Vec::new();
    for p in &paths {
        let profile = match load_profile(p, &set) {
            Ok(x) => x,
            Err(c) => return c,
        };
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
    }
    let rows: Vec<(String, &Report)> = reports.iter().map(|(n, r)| (n.clone(), r)).collect();
    let mut s = format!(
        "iotlabel demo: {} profile(s) x {} scheme(s), evaluated at {}\n\n",
        paths.len(),
        set.schemes.len(),
        iotlabel::time::format_ts(at)
    );
    s.push_str(&render_summary(&rows));
    s.push_str("\nFull report for one pair: iotlabel evaluate --scheme <SCHEME> --profile fixtures/profiles/<PROFILE>.toml\n");
    out(&s);
    0
}
