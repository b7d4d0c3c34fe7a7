//! `iotlabel profile init`.

use iotlabel::profile::skeleton::skeleton;

use super::evaluate_cmd::load_with_scheme_files;
use super::{CliError, CriteriaSource, out};

#[derive(clap::Args)]
pub struct Args {
    /// Scheme(s) the profile is for: `id@version`, `id`, `all`, or a scheme file. Repeatable.
    #[arg(long, required = true, value_name = "ID|PATH")]
    scheme: Vec<String>,
    #[command(flatten)]
    source: CriteriaSource,
}

pub fn run(a: Args) -> Result<(), CliError> {
    let (set, keys) = load_with_scheme_files(&a.source, &a.scheme)?;
    let schemes: Vec<_> = keys.iter().filter_map(|k| set.scheme(k)).collect();
    out(&skeleton(&set.vocab, &schemes));
    Ok(())
}
