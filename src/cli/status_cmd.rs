//! `iotlabel revoke` and `iotlabel status apply|sign|show`.

use std::path::PathBuf;

use iotlabel::ids::{IdError, LabelId};
use iotlabel::issue::ledger::Ledger;
use iotlabel::status::{
    LabelStatus, StatementTarget, TargetError, load_state, open_statement, open_status_list,
    save_state,
};
use jiff::Timestamp;

use super::common::{
    KeyArgs, at_or_now, days, load_roots, load_trust, lock_state, parse_kid, parse_time, read,
    read_all, write_file,
};
use super::{CliError, EXIT_INVALID, out};

/// `revoke --to`: the new status.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusArg {
    Revoked,
    Suspended,
    Superseded,
    Valid,
}

impl From<StatusArg> for LabelStatus {
    fn from(s: StatusArg) -> LabelStatus {
        match s {
            StatusArg::Revoked => LabelStatus::Revoked,
            StatusArg::Suspended => LabelStatus::Suspended,
            StatusArg::Superseded => LabelStatus::Superseded,
            StatusArg::Valid => LabelStatus::Valid,
        }
    }
}

#[derive(clap::Args)]
pub struct RevokeArgs {
    /// The label id (16 hex digits).
    #[arg(long)]
    label: String,
    /// New status (superseded: name the successor with --successor).
    #[arg(long, value_enum)]
    to: StatusArg,
    /// Why, in words (shown in the registry).
    #[arg(long)]
    reason: String,
    /// For superseded: the label id that replaces it.
    #[arg(long)]
    successor: Option<String>,
    #[command(flatten)]
    key: KeyArgs,
    /// The signed statement to write.
    #[arg(long)]
    out: PathBuf,
    /// Issuer state (ledger and status state): finds the label's key and index and the next
    /// sequence number.
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// Or: the label file itself (for a scheme owner without the issuer's ledger).
    #[arg(long, value_name = "FILE")]
    label_file: Option<PathBuf>,
    /// Sequence number (default: one above the last applied in --state, else 1).
    #[arg(long)]
    sequence: Option<u64>,
    /// Statement time (default: now).
    #[arg(long, value_parser = parse_time)]
    at: Option<Timestamp>,
}

#[derive(clap::Subcommand)]
pub enum StatusCommand {
    /// Fold signed revocation statements into the issuer key's status state.
    #[command(
        after_help = "Example:\n  iotlabel status apply --state issuer/ --trust trust.cose --root root.pub revoke-1.cose"
    )]
    Apply(ApplyArgs),
    /// Sign the status list of one issuer key with a status key.
    #[command(
        after_help = "Example:\n  iotlabel status sign --state issuer/ --kid 0123456789abcdef --key status.key --out status.cose"
    )]
    Sign(SignArgs),
    /// Show a signed status list's changed entries (verified with --trust and --root).
    #[command(
        after_help = "Example:\n  iotlabel status show status.cose --trust trust.cose --root root.pub"
    )]
    Show(ShowArgs),
}

#[derive(clap::Args)]
pub struct ApplyArgs {
    /// Issuer state directory.
    #[arg(long, value_name = "DIR")]
    state: PathBuf,
    /// Trust lists.
    #[arg(long, required = true)]
    trust: Vec<PathBuf>,
    /// Roots.
    #[arg(long, required = true)]
    root: Vec<PathBuf>,
    /// Signed revocation statements, applied in the order given.
    #[arg(required = true)]
    statements: Vec<PathBuf>,
    /// Time (default: now).
    #[arg(long, value_parser = parse_time)]
    at: Option<Timestamp>,
}

#[derive(clap::Args)]
pub struct SignArgs {
    /// Issuer state directory.
    #[arg(long, value_name = "DIR")]
    state: PathBuf,
    /// The issuer key whose list to sign (hex kid).
    #[arg(long)]
    kid: String,
    #[command(flatten)]
    key: KeyArgs,
    /// The signed status list to write.
    #[arg(long)]
    out: PathBuf,
    /// Days until the next update (the list's exp).
    #[arg(long, default_value_t = 7)]
    valid_days: i64,
    /// Time (default: now).
    #[arg(long, value_parser = parse_time)]
    at: Option<Timestamp>,
}

#[derive(clap::Args)]
pub struct ShowArgs {
    /// A signed status list.
    file: PathBuf,
    /// Trust lists.
    #[arg(long, required = true)]
    trust: Vec<PathBuf>,
    /// Roots.
    #[arg(long, required = true)]
    root: Vec<PathBuf>,
    /// Time (default: now).
    #[arg(long, value_parser = parse_time)]
    at: Option<Timestamp>,
}

pub fn revoke(a: RevokeArgs) -> Result<(), CliError> {
    let to = LabelStatus::from(a.to);
    if to == LabelStatus::Superseded && a.successor.is_none() {
        return Err(CliError::usage(
            "a superseded label must name its successor: --successor LABEL-ID",
        ));
    }
    let label: LabelId = a
        .label
        .parse()
        .map_err(|e: IdError| CliError::usage(format!("--label: {e}")))?;
    let successor = a
        .successor
        .as_deref()
        .map(str::parse::<LabelId>)
        .transpose()
        .map_err(|e| CliError::usage(format!("--successor: {e}")))?;
    let target = match (&a.label_file, &a.state) {
        (Some(f), _) => StatementTarget::from_label(&read(f)?, label).map_err(|e| match e {
            TargetError::OtherLabel { .. } => CliError::usage(format!("{} {e}", f.display())),
            e => CliError::invalid(format!("{}: {e}", f.display())),
        })?,
        (None, Some(dir)) => target_in_ledger(&Ledger::load(dir)?, label, dir)?,
        (None, None) => {
            return Err(CliError::usage(
                "give --state DIR (the issuer's ledger) or --label-file FILE",
            ));
        }
    };
    let at = at_or_now(a.at).as_second();
    let key = a.key.load()?;
    // The sequence number is taken under the state's lock and recorded in the ledger before
    // the statement is signed: two runs at once never sign two statements with one number.
    let _lock = a.state.as_deref().map(lock_state).transpose()?;
    let sequence = match (a.sequence, &a.state) {
        (Some(s), _) => s,
        (None, Some(dir)) => {
            let mut ledger = Ledger::load(dir)?;
            let applied_next = load_state(dir, target.kid)?.next_sequence(target.index);
            let s = ledger.take_sequence(label, applied_next);
            ledger.save(dir)?;
            s
        }
        (None, None) => 1,
    };
    let st = target.statement(to, &a.reason, at, sequence, successor);
    let bytes = st.sign(&key)?;
    write_file(&a.out, &bytes)?;
    out(&format!(
        "statement: label {label} -> {} (sequence {sequence}): {}\n",
        to.name(),
        a.out.display()
    ));
    Ok(())
}

/// The label's key and index, from the issuer's ledger.
fn target_in_ledger(
    ledger: &Ledger,
    label: LabelId,
    dir: &std::path::Path,
) -> Result<StatementTarget, CliError> {
    let Some(e) = ledger.find_label(label) else {
        return Err(CliError::usage(format!(
            "label {label} is not in the ledger of {}\n  help: pass --label-file with the label's .cose",
            dir.display()
        )));
    };
    Ok(StatementTarget {
        label,
        kid: e.kid,
        index: e.index,
    })
}

pub fn run(c: StatusCommand) -> Result<(), CliError> {
    match c {
        StatusCommand::Apply(a) => apply(a),
        StatusCommand::Sign(a) => sign(a),
        StatusCommand::Show(a) => show(a),
    }
}

fn apply(a: ApplyArgs) -> Result<(), CliError> {
    let at = at_or_now(a.at).as_second();
    let roots = load_roots(&a.root)?;
    let trust = load_trust(&a.trust, &roots, at)?;
    let stmts = read_all(&a.statements, "statement")?;
    // Each statement's state is read, changed and written back under the state's lock.
    let _lock = lock_state(&a.state)?;
    let mut failed = 0;
    let mut report = String::new();
    for (p, bytes) in a.statements.iter().zip(stmts) {
        let opened = match open_statement(&bytes, &trust, &roots) {
            Ok(o) => o,
            Err(e) => {
                failed += 1;
                eprintln!("{}: rejected: {e}", p.display());
                continue;
            }
        };
        let mut state = load_state(&a.state, opened.statement.issuer_kid)?;
        match state.apply(&opened) {
            Ok(()) => {
                save_state(&a.state, &state)?;
                report.push_str(&format!(
                    "{}: applied: label {} -> {} (sequence {}, signed by {}{})\n",
                    p.display(),
                    opened.statement.label,
                    opened.statement.status.name(),
                    opened.statement.sequence,
                    opened.signer,
                    if opened.by_owner {
                        ", the scheme owner"
                    } else {
                        ""
                    }
                ));
            }
            Err(e) => {
                failed += 1;
                eprintln!("{}: rejected: {e}", p.display());
            }
        }
    }
    out(&report);
    if failed > 0 {
        return Err(CliError::Reported(EXIT_INVALID));
    }
    Ok(())
}

fn sign(a: SignArgs) -> Result<(), CliError> {
    let kid = parse_kid(&a.kid).ok_or_else(|| CliError::usage("--kid must be 16 hex digits"))?;
    let at = at_or_now(a.at).as_second();
    if !(1..=31).contains(&a.valid_days) {
        return Err(CliError::usage("--valid-days must be 1 to 31"));
    }
    let state = load_state(&a.state, kid)?;
    let key = a.key.load()?;
    let list = state.to_list(at, at + days(a.valid_days))?;
    let bytes = list.sign(&key)?;
    write_file(&a.out, &bytes)?;
    out(&format!(
        "signed status list for key {} ({} changed entries, {} bytes), next update {}: {}\n",
        a.kid,
        state.entries.len(),
        bytes.len(),
        iotlabel::time::format_unix(list.expires),
        a.out.display()
    ));
    Ok(())
}

fn show(a: ShowArgs) -> Result<(), CliError> {
    let at = at_or_now(a.at).as_second();
    let roots = load_roots(&a.root)?;
    let trust = load_trust(&a.trust, &roots, at)?;
    let bytes = read(&a.file)?;
    let l = open_status_list(&bytes, &trust)?;
    let f = iotlabel::time::format_unix;
    let mut s = format!(
        "status list for key {}: issued {}, next update {}{}\n",
        l.issuer_kid,
        f(l.issued_at),
        f(l.expires),
        if at >= l.expires { " (STALE)" } else { "" }
    );
    for i in 0..iotlabel::status::STATUS_ENTRIES as u32 {
        if let Some(st) = l.get(i).filter(|s| *s != LabelStatus::Valid) {
            s.push_str(&format!("  index {i}: {}\n", st.name()));
        }
    }
    out(&s);
    Ok(())
}
