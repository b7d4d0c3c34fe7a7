//! Criteria: the feature and property vocabulary, requirement catalogues, and schemes that build
//! tiers on them. Loading is two-stage (spanned TOML -> validated types) and reports every
//! problem at once; see `criteria/README.md` for the file schema.

mod bundled;
pub mod digest;
mod load;
pub mod model;
pub mod rule;
pub mod vocab;

use std::path::Path;
use std::sync::Arc;

pub use bundled::bundled_files;
pub use load::{identity, load_files};
pub use model::*;

use crate::diag::{Diagnostics, SourceFile};

/// Loads the criteria embedded in the binary (a copy of the repository's `criteria/`).
pub fn load_bundled() -> Result<CriteriaSet, Diagnostics> {
    finish(load_files(&bundled_files()))
}

/// Loads every `*.toml` under a directory (recursively, in path order).
pub fn load_dir(dir: &Path) -> Result<CriteriaSet, LoadDirError> {
    let files = read_dir_files(dir)?;
    finish(load_files(&files)).map_err(LoadDirError::Invalid)
}

/// Reads every `*.toml` file under a directory, sorted by path.
pub fn read_dir_files(dir: &Path) -> Result<Vec<Arc<SourceFile>>, LoadDirError> {
    let mut paths = Vec::new();
    collect(dir, &mut paths).map_err(|e| LoadDirError::Io(dir.display().to_string(), e))?;
    paths.sort();
    let mut files = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(&p)
            .map_err(|e| LoadDirError::Io(p.display().to_string(), e))?;
        files.push(SourceFile::new(p.display().to_string(), text));
    }
    Ok(files)
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Loads `base` with `given` on top: a given file replaces the base file that defines the same
/// thing (same catalogue or scheme `id@version`, or the features / properties file). This is how
/// `iotlabel criteria check FILE` checks one file against the bundled criteria.
pub fn load_overlay(
    base: Vec<Arc<SourceFile>>,
    given: Vec<Arc<SourceFile>>,
) -> (CriteriaSet, Diagnostics) {
    let replaced: Vec<String> = given.iter().filter_map(|f| identity(f)).collect();
    let mut files: Vec<Arc<SourceFile>> = base
        .into_iter()
        .filter(|f| identity(f).is_none_or(|id| !replaced.contains(&id)))
        .collect();
    files.extend(given);
    load_files(&files)
}

fn finish((set, diags): (CriteriaSet, Diagnostics)) -> Result<CriteriaSet, Diagnostics> {
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(set)
    }
}

/// Why a criteria directory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadDirError {
    /// A file or directory could not be read.
    #[error("cannot read {0}: {1}")]
    Io(String, #[source] std::io::Error),
    /// The files have problems.
    #[error("{} problem(s) in the criteria", .0.error_count())]
    Invalid(Diagnostics),
}
