//! `iotlabel trust init|add|retire|compromise|sign|show`: a scheme owner's trust list. The
//! draft is JSON (readable, reviewable in version control); `sign` produces the COSE edition
//! that verifiers take with `--trust`.

use std::path::{Path, PathBuf};

use iotlabel::keys::read_public_key;
use iotlabel::trust::{
    NewKey, Role, TrustList, add_key, compromise_key, new_draft, open_trust_list, peek_trust_list,
    retire_key,
};

use jiff::Timestamp;

use super::common::{KeyArgs, at_or_now, days, load_roots, parse_time, read, write_file};
use super::{CliError, CriteriaSource, out};

#[derive(clap::Subcommand)]
pub enum TrustCommand {
    /// Start a draft trust list for a scheme owner.
    #[command(
        after_help = "Example:\n  iotlabel trust init --owner example-agency --name \"Example Agency\" \\\n      --scheme cls-like@2=HTTPS://VERIFY.EXAMPLE.ORG/L --out trust.json"
    )]
    Init(InitArgs),
    /// Add a key (issuing body, lab, manufacturer or status) to a draft.
    #[command(
        after_help = "Example:\n  iotlabel trust add --draft trust.json --public-key lab.pub --role lab --issuer LAB1 \\\n      --name \"Example Lab\" --scheme cls-like --max-tier 3"
    )]
    Add(AddArgs),
    /// Retire a key: it signs nothing from now on; its labels stay valid to their expiry.
    #[command(
        after_help = "Example:\n  iotlabel trust retire --draft trust.json --kid 0123456789abcdef && iotlabel trust sign ..."
    )]
    Retire(RetireArgs),
    /// Mark a key compromised: every label it signed becomes invalid, except those allowed.
    #[command(
        after_help = "Example:\n  iotlabel trust compromise --draft trust.json --kid 0123456789abcdef --since 2026-11-01 \\\n      --allow 89abcdef01234567"
    )]
    Compromise(CompromiseArgs),
    /// Sign the draft with the owner's root key into the edition verifiers use.
    #[command(
        after_help = "Example:\n  iotlabel trust sign --draft trust.json --key root.key --out trust.cose --valid-days 30"
    )]
    Sign(SignArgs),
    /// Show a draft or a signed trust list (verified when --root is given).
    #[command(after_help = "Example:\n  iotlabel trust show trust.cose --root root.pub")]
    Show(ShowArgs),
}

#[derive(clap::Args)]
pub struct InitArgs {
    /// Owner id.
    #[arg(long)]
    owner: String,
    /// Owner name.
    #[arg(long)]
    name: String,
    /// A governed scheme and its verify URL: `ID@VERSION=URL`. Repeatable.
    #[arg(long, value_name = "ID@V=URL")]
    scheme: Vec<String>,
    /// The draft to write (refuses to overwrite).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    source: CriteriaSource,
}

#[derive(clap::Args)]
pub struct AddArgs {
    /// The draft.
    #[arg(long)]
    draft: PathBuf,
    /// The key's public half (PEM).
    #[arg(long, value_name = "PUB")]
    public_key: PathBuf,
    /// issuing-body, lab, manufacturer or status.
    #[arg(long)]
    role: String,
    /// Short issuer id, shown as the issuer of the labels the key signs (A-Z, a-z, 0-9, -, _;
    /// at most 32).
    #[arg(long)]
    issuer: String,
    /// Issuer name shown to people.
    #[arg(long)]
    name: String,
    /// A scheme id it may sign for. Repeatable.
    #[arg(long)]
    scheme: Vec<String>,
    /// Highest tier rank (labs).
    #[arg(long)]
    max_tier: Option<u32>,
    /// Issuer ids whose status lists it signs (status keys). Repeatable.
    #[arg(long)]
    status_for: Vec<String>,
    /// Valid from (default: now).
    #[arg(long, value_name = "DATE", value_parser = parse_time)]
    not_before: Option<Timestamp>,
    /// Signs nothing from this date (default: one year after not-before).
    #[arg(long, value_name = "DATE", value_parser = parse_time)]
    sign_until: Option<Timestamp>,
    /// Its signatures verify until (default: four years after not-before).
    #[arg(long, value_name = "DATE", value_parser = parse_time)]
    valid_until: Option<Timestamp>,
}

#[derive(clap::Args)]
pub struct RetireArgs {
    /// The draft.
    #[arg(long)]
    draft: PathBuf,
    /// Key id (hex).
    #[arg(long)]
    kid: String,
    /// Retire as of (default: now).
    #[arg(long, value_parser = parse_time)]
    at: Option<Timestamp>,
}

#[derive(clap::Args)]
pub struct CompromiseArgs {
    /// The draft.
    #[arg(long)]
    draft: PathBuf,
    /// Key id (hex).
    #[arg(long)]
    kid: String,
    /// Compromised since.
    #[arg(long, value_name = "DATE", value_parser = parse_time)]
    since: Timestamp,
    /// Label ids (hex) the owner still vouches for. Repeatable.
    #[arg(long, value_name = "LABEL-ID")]
    allow: Vec<String>,
}

#[derive(clap::Args)]
pub struct SignArgs {
    /// The draft.
    #[arg(long)]
    draft: PathBuf,
    #[command(flatten)]
    key: KeyArgs,
    /// The signed trust list to write.
    #[arg(long)]
    out: PathBuf,
    /// Issue time (default: now).
    #[arg(long, value_parser = parse_time)]
    at: Option<Timestamp>,
    /// Days until verifiers need a new edition.
    #[arg(long, default_value_t = 30)]
    valid_days: i64,
}

#[derive(clap::Args)]
pub struct ShowArgs {
    /// A draft (.json) or a signed list (.cose).
    file: PathBuf,
    /// Verify against this root.
    #[arg(long)]
    root: Vec<PathBuf>,
    /// Verification time (default: now).
    #[arg(long, value_parser = parse_time)]
    at: Option<Timestamp>,
}

fn read_draft(p: &Path) -> Result<TrustList, CliError> {
    let bytes = read(p)?;
    let t: TrustList = serde_json::from_slice(&bytes).map_err(|e| {
        CliError::invalid(format!("{} is not a trust-list draft: {e}", p.display()))
    })?;
    check_draft_text(p, &t)?;
    Ok(t)
}

/// Every text of a draft holds allowed characters only (names are shown to people).
fn check_draft_text(p: &Path, t: &TrustList) -> Result<(), CliError> {
    t.check_text()
        .map_err(|e| CliError::invalid(format!("{}: {e}", p.display())))
}

fn write_draft(p: &Path, t: &TrustList) -> Result<(), CliError> {
    // Refused before anything is written.
    check_draft_text(p, t)?;
    let text = serde_json::to_string_pretty(t).unwrap_or_default() + "\n";
    write_file(p, text.as_bytes())
}

pub fn run(c: TrustCommand) -> Result<(), CliError> {
    match c {
        TrustCommand::Init(a) => init(a),
        TrustCommand::Add(a) => add(a),
        TrustCommand::Retire(a) => edit(&a.draft, |t| {
            retire_key(t, &a.kid, at_or_now(a.at).as_second()).map_err(CliError::invalid)
        }),
        TrustCommand::Compromise(a) => edit(&a.draft, |t| {
            compromise_key(t, &a.kid, a.since.as_second(), a.allow.clone())
                .map_err(CliError::invalid)
        }),
        TrustCommand::Sign(a) => sign(a),
        TrustCommand::Show(a) => show(a),
    }
}

fn edit(p: &Path, f: impl FnOnce(&mut TrustList) -> Result<(), CliError>) -> Result<(), CliError> {
    let mut t = read_draft(p)?;
    f(&mut t)?;
    write_draft(p, &t)?;
    out(&format!("updated {}\n", p.display()));
    Ok(())
}

fn init(a: InitArgs) -> Result<(), CliError> {
    if a.out.exists() {
        return Err(CliError::invalid(format!(
            "{} exists; pass another --out",
            a.out.display()
        )));
    }
    let set = a.source.load()?;
    let mut t = new_draft(&a.owner, &a.name, 0, 0);
    for s in &a.scheme {
        let Some((key, url)) = s.split_once('=') else {
            return Err(CliError::usage(format!(
                "--scheme `{s}` must be ID@VERSION=URL"
            )));
        };
        let Some(scheme) = set.scheme(key) else {
            return Err(CliError::usage(format!("unknown scheme `{key}`")));
        };
        if scheme.kind != iotlabel::criteria::SchemeKind::Label {
            return Err(CliError::usage(format!(
                "{key} is a compliance statement, not a label scheme"
            )));
        }
        t.govern(scheme, url)
            .map_err(|e| CliError::usage(e.to_string()))?;
    }
    write_draft(&a.out, &t)?;
    out(&format!(
        "wrote draft trust list {} for {}\n",
        a.out.display(),
        a.owner
    ));
    Ok(())
}

fn add(a: AddArgs) -> Result<(), CliError> {
    let Some(role) = Role::parse(&a.role) else {
        return Err(CliError::usage(format!("unknown role `{}`", a.role)));
    };
    let public_key = read_public_key(&a.public_key)?;
    let nb = at_or_now(a.not_before).as_second();
    let su = a.sign_until.map_or(nb + days(365), |t| t.as_second());
    let vu = a
        .valid_until
        .map_or(nb + days(4 * 365 + 1), |t| t.as_second());
    edit(&a.draft, |t| {
        add_key(
            t,
            NewKey {
                public_key,
                issuer: a.issuer.clone(),
                name: a.name.clone(),
                role,
                schemes: a.scheme.clone(),
                max_tier: a.max_tier,
                status_for: a.status_for.clone(),
                not_before: nb,
                sign_until: su,
                valid_until: vu,
            },
        )
        .map_err(CliError::invalid)
    })
}

fn sign(a: SignArgs) -> Result<(), CliError> {
    let mut t = read_draft(&a.draft)?;
    let at = at_or_now(a.at).as_second();
    let root = a.key.load()?;
    if !(1..=366).contains(&a.valid_days) {
        return Err(CliError::usage("--valid-days must be 1 to 366"));
    }
    t.sequence += 1;
    t.issued_at = at;
    t.next_update = at + days(a.valid_days);
    let bytes = t.sign(&root).map_err(CliError::invalid)?;
    // The draft first: it records the edition's sequence number as used. A list written
    // without that record would be signed again under the same number with other content;
    // a recorded number whose list could not be written only leaves a gap.
    write_draft(&a.draft, &t)?;
    write_file(&a.out, &bytes)?;
    out(&format!(
        "signed trust list #{} of {} ({} schemes, {} keys), next update {}: {}\n",
        t.sequence,
        t.owner,
        t.schemes.len(),
        t.keys.len(),
        iotlabel::time::format_unix(t.next_update),
        a.out.display()
    ));
    Ok(())
}

fn show(a: ShowArgs) -> Result<(), CliError> {
    let bytes = read(&a.file)?;
    let (list, note) = if a.file.extension().is_some_and(|e| e == "json") {
        let t = serde_json::from_slice::<TrustList>(&bytes)
            .map_err(|e| CliError::invalid(format!("not a trust-list draft: {e}")))?;
        check_draft_text(&a.file, &t)?;
        (t, "draft (unsigned)".to_string())
    } else if a.root.is_empty() {
        let (t, kid) = peek_trust_list(&bytes)?;
        (
            t,
            format!(
                "signed by {}; NOT verified (pass --root to verify)",
                hex::encode(kid)
            ),
        )
    } else {
        let roots = load_roots(&a.root)?;
        let v = open_trust_list(&bytes, &roots, at_or_now(a.at).as_second())?;
        (
            v.list,
            format!("verified: signed by root {}", hex::encode(v.root_kid)),
        )
    };
    let f = iotlabel::time::format_unix;
    let mut s = format!(
        "trust list #{} of {} ({}) -- {note}\n  issued {}, next update {}\n\nSCHEMES\n",
        list.sequence,
        list.owner_name,
        list.owner,
        f(list.issued_at),
        f(list.next_update)
    );
    for sc in &list.schemes {
        s.push_str(&format!("  {:<22} {}  {}\n", sc.id, sc.verify_url, sc.name));
        for acc in &sc.accepted {
            s.push_str(&format!(
                "      version {} digest {} tiers: {}\n",
                acc.version,
                acc.digest,
                acc.tiers.join(", ")
            ));
        }
    }
    s.push_str("\nKEYS\n");
    for k in &list.keys {
        let state = match k.state {
            iotlabel::trust::KeyState::Active => "active".to_string(),
            iotlabel::trust::KeyState::Retired => "retired".to_string(),
            iotlabel::trust::KeyState::Compromised => format!(
                "COMPROMISED since {}",
                k.compromised_since.map_or("?".into(), f)
            ),
        };
        s.push_str(&format!(
            "  {} {:<14} {:<10} {} [{}] schemes {}{} signs {}..{} valid to {} {state}\n",
            k.kid,
            k.role.name(),
            k.issuer,
            k.name,
            k.public_key.get(..8).unwrap_or(""),
            k.schemes.join(","),
            k.max_tier
                .map(|m| format!(" up to tier {m}"))
                .unwrap_or_default(),
            f(k.not_before),
            f(k.sign_until),
            f(k.valid_until)
        ));
    }
    out(&s);
    Ok(())
}
