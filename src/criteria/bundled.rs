//! The criteria files embedded at build time (see `build.rs`).

use std::sync::Arc;

use crate::diag::SourceFile;

const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/bundled_criteria.rs"));

/// Every bundled criteria file, by its repository path.
pub fn bundled_files() -> Vec<Arc<SourceFile>> {
    FILES.iter().map(|(p, t)| SourceFile::new(*p, *t)).collect()
}
