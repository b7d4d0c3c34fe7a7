//! `iotlabel revoke` and `iotlabel status apply|sign|show`.

use std::path::{Path, PathBuf};

use iotlabel::issue::ledger::Ledger;
use iotlabel::label::{LabelClaims, cose};
use iotlabel::status::{
    LabelStatus, RevocationStatement, StatusState, open_statement, open_status_list,
};

use super::common::{
    KeyArgs, days, load_roots, load_trust, lock_state, read_all, unix_at, write_file,
};
use super::{EXIT_INVALID, EXIT_IO, EXIT_USAGE, out};

#[derive(clap::Args)]
pub struct RevokeArgs {
    /// The label id (16 hex digits).
    #[arg(long)]
    label: String,
    /// New status: revoked, suspended, superseded or valid.
    #[arg(long)]
    to: String,
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
    #[arg(long)]
    at: Option<String>,
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
    #[arg(long)]
    at: Option<String>,
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
    #[arg(long)]
    at: Option<String>,
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
    #[arg(long)]
    at: Option<String>,
}

fn state_path(dir: &Path, kid: iotlabel::ids::Kid) -> PathBuf {
    dir.join("status").join(format!("{kid}.json"))
}

/// Loads the status state of an issuer key (empty if none yet).
pub fn load_state(dir: &Path, kid: &[u8; 8]) -> Result<StatusState, u8> {
    let p = state_path(dir, kid.into());
    match std::fs::read_to_string(&p) {
        Ok(t) => serde_json::from_str(&t).map_err(|e| {
            eprintln!("error: {} is not a status state: {e}", p.display());
            EXIT_INVALID
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StatusState::new(kid)),
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", p.display());
            Err(EXIT_IO)
        }
    }
}

/// Saves the status state atomically.
pub fn save_state(dir: &Path, s: &StatusState) -> Result<(), u8> {
    let text = serde_json::to_string_pretty(s).unwrap_or_default() + "\n";
    write_file(&state_path(dir, s.issuer_kid), text.as_bytes())
}

pub fn revoke(a: RevokeArgs) -> u8 {
    let Some(to) = LabelStatus::parse(&a.to) else {
        eprintln!("error: --to must be revoked, suspended, superseded or valid");
        return EXIT_USAGE;
    };
    if to == LabelStatus::Superseded && a.successor.is_none() {
        eprintln!("error: a superseded label must name its successor: --successor LABEL-ID");
        return EXIT_USAGE;
    }
    let label = a.label.to_ascii_lowercase();
    let (kid, index): ([u8; 8], u32) = if let Some(f) = &a.label_file {
        let bytes = match std::fs::read(f) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", f.display());
                return EXIT_IO;
            }
        };
        let parsed = match cose::parse(&bytes) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: {}: {e}", f.display());
                return EXIT_INVALID;
            }
        };
        let claims = LabelClaims::decode(&parsed.payload).map_err(|e| e.to_string());
        // A file whose id is not its key's id at its index is not a label of that key.
        let claims = claims.and_then(|c| {
            iotlabel::label::check_label_id(&parsed.kid, &c)
                .map(|()| c)
                .map_err(|e| e.to_string())
        });
        match claims {
            Ok(c) if hex::encode(c.label_id) == label => (parsed.kid, c.status_index),
            Ok(c) => {
                eprintln!(
                    "error: {} is label {}, not {label}",
                    f.display(),
                    hex::encode(c.label_id)
                );
                return EXIT_USAGE;
            }
            Err(e) => {
                eprintln!("error: {}: {e}", f.display());
                return EXIT_INVALID;
            }
        }
    } else if let Some(dir) = &a.state {
        let ledger = match Ledger::load(dir) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_INVALID;
            }
        };
        let Some(e) = label.parse().ok().and_then(|id| ledger.find_label(id)) else {
            eprintln!(
                "error: label {label} is not in the ledger of {}\n  help: pass --label-file with the label's .cose",
                dir.display()
            );
            return EXIT_USAGE;
        };
        (e.kid.0, e.index)
    } else {
        eprintln!("error: give --state DIR (the issuer's ledger) or --label-file FILE");
        return EXIT_USAGE;
    };
    let sequence = match (a.sequence, &a.state) {
        (Some(s), _) => s,
        (None, Some(dir)) => match load_state(dir, &kid) {
            Ok(s) => s.next_sequence(index),
            Err(c) => return c,
        },
        (None, None) => 1,
    };
    let (_, at) = match unix_at(a.at.as_deref()) {
        Ok(x) => x,
        Err(c) => return c,
    };
    let key = match a.key.load() {
        Ok(k) => k,
        Err(c) => return c,
    };
    let st = RevocationStatement {
        format: "iotlabel-revocation/1".into(),
        label: label.clone(),
        issuer_kid: hex::encode(kid),
        index,
        status: to,
        reason: a.reason.clone(),
        at,
        sequence,
        successor: a.successor.map(|s| s.to_ascii_lowercase()),
    };
    let bytes = match st.sign(&key) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    if let Err(c) = write_file(&a.out, &bytes) {
        return c;
    }
    out(&format!(
        "statement: label {label} -> {} (sequence {sequence}): {}\n",
        to.name(),
        a.out.display()
    ));
    0
}

pub fn run(c: StatusCommand) -> u8 {
    match c {
        StatusCommand::Apply(a) => apply(a),
        StatusCommand::Sign(a) => sign(a),
        StatusCommand::Show(a) => show(a),
    }
}

fn apply(a: ApplyArgs) -> u8 {
    let (_, at) = match unix_at(a.at.as_deref()) {
        Ok(x) => x,
        Err(c) => return c,
    };
    let roots = match load_roots(&a.root) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let trust = match load_trust(&a.trust, &roots, at) {
        Ok(t) => t,
        Err(c) => return c,
    };
    let stmts = match read_all(&a.statements, "statement") {
        Ok(s) => s,
        Err(c) => return c,
    };
    // Each statement's state is read, changed and written back under the state's lock.
    let _lock = match lock_state(&a.state) {
        Ok(l) => l,
        Err(c) => return c,
    };
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
        let Some(kid) = hex::decode(&opened.statement.issuer_kid)
            .ok()
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
        else {
            failed += 1;
            continue;
        };
        let mut state = match load_state(&a.state, &kid) {
            Ok(s) => s,
            Err(c) => return c,
        };
        match state.apply(&opened) {
            Ok(()) => {
                if let Err(c) = save_state(&a.state, &state) {
                    return c;
                }
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
    if failed > 0 { EXIT_INVALID } else { 0 }
}

fn sign(a: SignArgs) -> u8 {
    let Some(kid) = hex::decode(&a.kid)
        .ok()
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
    else {
        eprintln!("error: --kid must be 16 hex digits");
        return EXIT_USAGE;
    };
    let (_, at) = match unix_at(a.at.as_deref()) {
        Ok(x) => x,
        Err(c) => return c,
    };
    if !(1..=31).contains(&a.valid_days) {
        eprintln!("error: --valid-days must be 1 to 31");
        return EXIT_USAGE;
    }
    let state = match load_state(&a.state, &kid) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let key = match a.key.load() {
        Ok(k) => k,
        Err(c) => return c,
    };
    let list = match state.to_list(at, at + days(a.valid_days)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    let bytes = match list.sign(&key) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    if let Err(c) = write_file(&a.out, &bytes) {
        return c;
    }
    out(&format!(
        "signed status list for key {} ({} changed entries, {} bytes), next update {}: {}\n",
        a.kid,
        state.entries.len(),
        bytes.len(),
        iotlabel::time::format_unix(list.expires),
        a.out.display()
    ));
    0
}

fn show(a: ShowArgs) -> u8 {
    let (_, at) = match unix_at(a.at.as_deref()) {
        Ok(x) => x,
        Err(c) => return c,
    };
    let roots = match load_roots(&a.root) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let trust = match load_trust(&a.trust, &roots, at) {
        Ok(t) => t,
        Err(c) => return c,
    };
    let bytes = match std::fs::read(&a.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", a.file.display());
            return EXIT_IO;
        }
    };
    match open_status_list(&bytes, &trust) {
        Ok(l) => {
            let f = iotlabel::time::format_unix;
            let mut s = format!(
                "status list for key {}: issued {}, next update {}{}\n",
                hex::encode(l.issuer_kid),
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
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_INVALID
        }
    }
}
