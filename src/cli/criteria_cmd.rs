//! `iotlabel criteria check`.

use std::path::PathBuf;
use std::sync::Arc;

use iotlabel::criteria::{self, LoadDirError};
use iotlabel::diag::SourceFile;

use super::{CriteriaSource, EXIT_INVALID, EXIT_IO, out, print_diagnostics};

#[derive(clap::Args)]
pub struct Args {
    /// Criteria files to check against the base criteria (default: check the base criteria).
    paths: Vec<PathBuf>,
    #[command(flatten)]
    source: CriteriaSource,
}

pub fn run(a: Args) -> u8 {
    let base: Vec<Arc<SourceFile>> = match &a.source.criteria {
        None => criteria::bundled_files(),
        Some(dir) => match criteria::read_dir_files(dir) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_IO;
            }
        },
    };
    let mut given = Vec::new();
    for p in &a.paths {
        match std::fs::read_to_string(p) {
            Ok(t) => given.push(SourceFile::new(p.display().to_string(), t)),
            Err(e) => {
                let err = LoadDirError::Io(p.display().to_string(), e);
                eprintln!("error: {err}");
                return EXIT_IO;
            }
        }
    }
    let count = base.len() + given.len();
    let (set, diags) = criteria::load_overlay(base, given);
    if !diags.0.is_empty() {
        print_diagnostics(&diags);
    }
    if diags.has_errors() {
        return EXIT_INVALID;
    }
    let mut s = String::new();
    s.push_str(&format!(
        "features:   {}\nproperties: {}\n",
        set.vocab.features.len(),
        set.vocab.properties.len()
    ));
    for c in &set.catalogues {
        s.push_str(&format!(
            "catalogue   {:<28} {:>3} requirements  {}\n",
            c.key(),
            c.requirements.len(),
            c.path
        ));
    }
    for sc in &set.schemes {
        s.push_str(&format!(
            "scheme      {:<28} {:>3} requirements, {} tiers, digest {}  {}\n",
            sc.key(),
            sc.requirements.len(),
            sc.tiers.len(),
            sc.digest_hex(),
            sc.path
        ));
    }
    s.push_str(&format!("ok: {} file(s), no errors\n", count));
    out(&s);
    0
}
