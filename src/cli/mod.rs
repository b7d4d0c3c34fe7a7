//! Command-line shell: parse arguments, read files, call the library, choose the exit code.
//!
//! Every command returns `Result<(), CliError>` ([`error`]); [`run`] prints the error in one
//! place and exits with its code. Shared options are clap groups in [`common`]: the one `--at`
//! parser, the roots/trust/status group ([`common::TrustArgs`]), the key options. Library work
//! (batch issuing with the ledger, status state, revocation statements) is in `iotlabel::issue`
//! and `iotlabel::status`.
//!
//! Exit codes: 0 success; 1 invalid input (criteria, profile) with diagnostics on stderr;
//! 2 usage error; 3 a file could not be read.

mod common;
mod criteria_cmd;
mod demo;
mod error;
mod evaluate_cmd;
mod issue_cmd;
mod key_cmd;
mod profile_cmd;
mod render_cmd;
mod report_cmd;
mod serve_cmd;
mod status_cmd;
mod trust_cmd;
mod verify_cmd;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use iotlabel::criteria::{self, CriteriaSet};
use iotlabel::diag::Diagnostics;

pub use error::CliError;

/// Exit code: invalid input.
pub const EXIT_INVALID: u8 = 1;
/// Exit code: usage error (clap uses 2 as well).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: a file could not be read or written.
pub const EXIT_IO: u8 = 3;

#[derive(Parser)]
#[command(
    name = "iotlabel",
    version,
    about = "Consumer-IoT cybersecurity labels: criteria, evaluation, reports"
)]
#[command(
    after_help = "Exit codes: 0 success, 1 invalid input (criteria or profile), 2 usage, 3 I/O error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with criteria files (catalogues and schemes).
    Criteria {
        #[command(subcommand)]
        command: CriteriaCommand,
    },
    /// Evaluate a device profile against one or more schemes.
    #[command(
        after_help = "Example:\n  iotlabel evaluate --scheme cls-like@2 --scheme cls-like@1 \\\n      --profile fixtures/profiles/lock-lab-tested.toml --at 2026-12-01 --format json"
    )]
    Evaluate(evaluate_cmd::Args),
    /// Work with device profiles.
    Profile {
        #[command(subcommand)]
        command: ProfileCommand,
    },
    /// Generate signing keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Manage a scheme owner's trust list.
    Trust {
        #[command(subcommand)]
        command: trust_cmd::TrustCommand,
    },
    /// Render an assessment report.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Evaluate profiles and sign labels under an accredited key.
    #[command(
        after_help = "Example:\n  iotlabel issue --scheme cls-like@1 --profile fixtures/profiles/*.toml --key lab.key \\\n      --trust trust.cose --root root.pub --state issuer/ --out labels/\n\nExit codes: 0 all issued or already issued, 4 some refused (the gap report is printed), 1 invalid input, 3 I/O."
    )]
    Issue(issue_cmd::Args),
    /// Write a signed statement that changes a label's status.
    #[command(
        after_help = "Example:\n  iotlabel revoke --label 0123456789abcdef --to revoked --reason \"default password found\" \\\n      --key lab.key --state issuer/ --out revoke-1.cose"
    )]
    Revoke(status_cmd::RevokeArgs),
    /// Apply revocation statements and sign status lists.
    Status {
        #[command(subcommand)]
        command: status_cmd::StatusCommand,
    },
    /// Verify a label offline (QR text, file or picture): signature, trust list, role, scheme,
    /// URL, status and time.
    #[command(
        after_help = "Example:\n  iotlabel verify --file labels/0123456789abcdef.txt --trust trust.cose --root root.pub --status status.cose\n  iotlabel verify --image photo.jpg --trust trust.cose --root root.pub --status status.cose\n\nExit codes: 0 VALID; 1 no readable QR code in the --image picture; 2 usage; 3 I/O; 10 MALFORMED, 11 TRUST LIST INVALID OR EXPIRED, 12 UNTRUSTED ISSUER,\n13 BAD SIGNATURE, 14 ROLE NOT ALLOWED, 15 WRONG SCHEME, 16 WRONG URL, 17 KEY COMPROMISED, 18 REVOKED,\n19 EXPIRED, 20 SUSPENDED, 21 STATUS UNKNOWN, 22 STATUS STALE.\nSeveral labels in one picture: a report each, and the code of the worst verdict."
    )]
    Verify(verify_cmd::Args),
    /// Draw the artwork (PDF, SVG, PNG) of issued labels again, without re-signing.
    #[command(
        after_help = "Example:\n  iotlabel render labels/*.cose --trust trust.cose --root root.pub --lang ja --formats pdf,svg,png\n  iotlabel render labels/*.cose --trust trust.cose --root root.pub --template sheet-a4 --out print/"
    )]
    Render(render_cmd::RenderArgs),
    /// Check label templates (label-templates/*.toml).
    Template {
        #[command(subcommand)]
        command: TemplateCommand,
    },
    /// Run the registry and consumer verify service (HTTP, SQLite).
    #[command(
        after_help = "Example:\n  iotlabel serve --db registry.sqlite --trust demo/trust/example-agency.cose \\\n      --root demo/trust/scheme-owner.pub --status-key demo/keys/status.key --listen 127.0.0.1:8080\n\nThe verify page is at each scheme's verify path (e.g. /V, any letter case); see docs/api.md.\nExit codes: 0 stopped by a signal, 1 invalid input, 2 usage (e.g. a non-loopback --listen without --allow-remote), 3 I/O."
    )]
    Serve(serve_cmd::Args),
    /// Evaluate every bundled profile against every bundled scheme and print a table.
    #[command(after_help = "Example:\n  iotlabel demo --at 2026-12-01")]
    Demo(demo::Args),
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The canonical JSON report as one self-contained HTML file (inline CSS, no scripts).
    #[command(
        after_help = "Example:\n  iotlabel report html labels/0123456789abcdef.report.json --label labels/0123456789abcdef.json \\\n      --out report.html"
    )]
    Html(report_cmd::HtmlArgs),
    /// The canonical JSON report as an A4 PDF (bundled fonts, extractable text).
    #[command(
        after_help = "Example:\n  iotlabel report pdf labels/0123456789abcdef.report.json --label labels/0123456789abcdef.json \\\n      --out report.pdf"
    )]
    Pdf(report_cmd::PdfArgs),
}

#[derive(Subcommand)]
enum TemplateCommand {
    /// Report every problem in templates (file:line:col), and check that the longest texts
    /// a label may carry fit every box in every language.
    Check(render_cmd::CheckArgs),
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Generate an Ed25519 key pair: PREFIX.key (PKCS#8 PEM, 0600) and PREFIX.pub.
    #[command(
        after_help = "Example:\n  iotlabel key generate --role lab --name \"Example Lab\" --out keys/lab"
    )]
    Generate(key_cmd::GenerateArgs),
}

#[derive(Subcommand)]
enum ProfileCommand {
    /// Print a profile skeleton that asks every question the chosen schemes need.
    #[command(
        after_help = "Example:\n  iotlabel profile init --scheme cls-like@2 --scheme jc-star-like > device.toml"
    )]
    Init(profile_cmd::Args),
}

#[derive(Subcommand)]
enum CriteriaCommand {
    /// Load and validate criteria; print every problem with file:line:col and help.
    #[command(
        after_help = "Examples:\n  iotlabel criteria check                       # the bundled criteria\n  iotlabel criteria check my-scheme.toml        # one file, against the bundled catalogues\n  iotlabel criteria check --criteria ./criteria # a whole tree"
    )]
    Check(criteria_cmd::Args),
    /// Show a scheme's requirements, or one requirement: clause, status, conditions, the rule
    /// in words, its basis (standard, scheme, inferred, policy) and source.
    #[command(
        after_help = "Examples:\n  iotlabel criteria show cls-like@2            # every requirement, one line each\n  iotlabel criteria show cls-like@2 5.2-1      # one requirement in full"
    )]
    Show(criteria_cmd::ShowArgs),
}

/// Where criteria come from: the bundled copy, or a directory.
#[derive(clap::Args, Clone, Default)]
pub struct CriteriaSource {
    /// Load criteria from this directory instead of the copy built into the binary.
    #[arg(long, value_name = "DIR")]
    pub criteria: Option<PathBuf>,
}

impl CriteriaSource {
    /// Loads the criteria: the bundled copy or the directory.
    pub fn load(&self) -> Result<CriteriaSet, CliError> {
        Ok(match &self.criteria {
            None => criteria::load_bundled()?,
            Some(dir) => criteria::load_dir(dir)?,
        })
    }
}

/// Runs the CLI.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    match dispatch(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error::report(&e);
            ExitCode::from(e.exit_code())
        }
    }
}

fn dispatch(command: Command) -> Result<(), CliError> {
    match command {
        Command::Criteria {
            command: CriteriaCommand::Check(a),
        } => criteria_cmd::run(a),
        Command::Criteria {
            command: CriteriaCommand::Show(a),
        } => criteria_cmd::show(a),
        Command::Evaluate(a) => evaluate_cmd::run(a),
        Command::Profile {
            command: ProfileCommand::Init(a),
        } => profile_cmd::run(a),
        Command::Key {
            command: KeyCommand::Generate(a),
        } => key_cmd::generate(a),
        Command::Trust { command } => trust_cmd::run(command),
        Command::Report {
            command: ReportCommand::Html(a),
        } => report_cmd::html(a),
        Command::Report {
            command: ReportCommand::Pdf(a),
        } => report_cmd::pdf(a),
        Command::Issue(a) => issue_cmd::run(a),
        Command::Revoke(a) => status_cmd::revoke(a),
        Command::Status { command } => status_cmd::run(command),
        Command::Verify(a) => verify_cmd::run(a),
        Command::Render(a) => render_cmd::run_render(a),
        Command::Template {
            command: TemplateCommand::Check(a),
        } => render_cmd::run_check(a),
        Command::Serve(a) => serve_cmd::run(a),
        Command::Demo(a) => demo::run(a),
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a panic.
pub fn out(s: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(s.as_bytes());
    let _ = o.flush();
}

/// Prints diagnostics to stderr with source snippets.
pub fn print_diagnostics(d: &Diagnostics) {
    use std::io::IsTerminal as _;
    let theme = if std::io::stderr().is_terminal() {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_context_lines(1);
    let mut s = String::new();
    for diag in &d.0 {
        let mut snippet = String::new();
        if handler
            .render_report(&mut snippet, &iotlabel::diag::Rendered(diag))
            .is_ok()
        {
            s.push_str(&snippet);
        }
        s.push('\n');
    }
    let errors = d.error_count();
    let warnings = d.0.len() - errors;
    s.push_str(&format!("{errors} error(s), {warnings} warning(s)\n"));
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(s.as_bytes());
}
