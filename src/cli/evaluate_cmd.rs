//! `iotlabel evaluate`.

use std::path::PathBuf;

use iotlabel::criteria::CriteriaSet;
use iotlabel::evaluate::evaluate;
use iotlabel::profile::Profile;
use iotlabel::report::{Report, render_summary, render_text};

use super::common::{at_or_now, parse_time};
use super::{CliError, CriteriaSource, out};

/// Output format.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// Scheme to evaluate against: `id@version`, `id` (newest version), `all`, or a scheme file
    /// path. Repeatable.
    #[arg(long, required = true, value_name = "ID|PATH")]
    scheme: Vec<String>,
    /// The device profile (TOML).
    #[arg(long, value_name = "FILE")]
    profile: PathBuf,
    /// Evaluation time: YYYY-MM-DD or RFC 3339 (default: now). UTC.
    #[arg(long, value_name = "DATE", value_parser = parse_time)]
    at: Option<jiff::Timestamp>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    source: CriteriaSource,
}

/// Loads criteria plus any scheme files named on the command line.
pub fn load_with_scheme_files(
    source: &CriteriaSource,
    names: &[String],
) -> Result<(CriteriaSet, Vec<String>), CliError> {
    let paths: Vec<&String> = names.iter().filter(|n| n.ends_with(".toml")).collect();
    let mut set = if paths.is_empty() {
        source.load()?
    } else {
        let files = match &source.criteria {
            None => iotlabel::criteria::bundled_files(),
            Some(dir) => iotlabel::criteria::read_dir_files(dir)?,
        };
        let mut given = Vec::new();
        for p in &paths {
            let text = std::fs::read_to_string(p)
                .map_err(|e| CliError::read(std::path::Path::new(p), e))?;
            given.push(iotlabel::diag::SourceFile::new(p.as_str(), text));
        }
        let (set, diags) = iotlabel::criteria::load_overlay(files, given);
        if diags.has_errors() {
            return Err(diags.into());
        }
        set
    };
    let mut keys = Vec::new();
    for n in names {
        if n == "all" {
            keys.extend(set.schemes.iter().map(|s| s.key()));
        } else if n.ends_with(".toml") {
            let id = iotlabel::criteria::identity(&iotlabel::diag::SourceFile::new(
                n.as_str(),
                std::fs::read_to_string(n).unwrap_or_default(),
            ));
            match id.and_then(|i| i.strip_prefix("scheme:").map(str::to_string)) {
                Some(k) => keys.push(k),
                None => return Err(CliError::usage(format!("{n} is not a scheme file"))),
            }
        } else {
            match set.scheme(n) {
                Some(s) => keys.push(s.key()),
                None => {
                    let known: Vec<String> = set.schemes.iter().map(|s| s.key()).collect();
                    return Err(CliError::usage(format!(
                        "unknown scheme `{n}`\n  help: known schemes: {}, or `all`",
                        known.join(", ")
                    )));
                }
            }
        }
    }
    keys.dedup();
    set.schemes
        .sort_by(|a, b| (a.id.as_str(), a.version).cmp(&(b.id.as_str(), b.version)));
    Ok((set, keys))
}

pub fn run(a: Args) -> Result<(), CliError> {
    let at = at_or_now(a.at);
    let (set, keys) = load_with_scheme_files(&a.source, &a.scheme)?;
    let profile = Profile::load(&a.profile, &set)?;
    let reports: Vec<Report> = keys
        .iter()
        .filter_map(|k| set.scheme(k))
        .map(|s| Report::new(s, &set.vocab, &profile, &evaluate(s, &profile, at)))
        .collect();
    match a.format {
        Format::Json => {
            let summary: Vec<_> = reports.iter().map(Report::summary_row).collect();
            let doc = serde_json::json!({ "format": "iotlabel-evaluation/1", "summary": summary, "reports": reports });
            out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            ));
        }
        Format::Text => {
            let mut s = String::new();
            if reports.len() > 1 {
                let name = a
                    .profile
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default();
                let rows: Vec<(String, &Report)> =
                    reports.iter().map(|r| (name.clone(), r)).collect();
                s.push_str(&render_summary(&rows));
                s.push('\n');
            }
            for (i, r) in reports.iter().enumerate() {
                if i > 0 {
                    s.push_str(&format!("\n{}\n\n", "=".repeat(78)));
                }
                s.push_str(&render_text(r));
            }
            out(&s);
        }
    }
    Ok(())
}
