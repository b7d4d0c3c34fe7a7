//! The issuer's commands through the built binary: `key generate`, `trust
//! init|add|retire|compromise|sign|show`, `issue`, `revoke`, `status apply|sign|show`. Each
//! with its exit codes and the files it leaves; a failing command leaves the files it would
//! have changed as they were.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The time every command runs at (the fixtures are evaluated then).
const AT: &str = "2026-12-01T00:00:00Z";
/// The demo's verify URL.
const URL: &str = "HTTPS://LBL.EXAMPLE.ORG/V";

/// `status apply` on the test folder's state, trust list and root, at a fixed time; the
/// statement files follow.
const STATUS_APPLY: [&str; 10] = [
    "status",
    "apply",
    "--state",
    "state",
    "--trust",
    "trust.cose",
    "--root",
    "keys/root.pub",
    "--at",
    "2026-12-01T02:00:00Z",
];

/// `issue` under cls-like@2 with the lab key, the test folder's trust list, root and state, at
/// a fixed time; the output folder, options and profiles follow.
const ISSUE_AS_LAB: [&str; 13] = [
    "issue",
    "--scheme",
    "cls-like@2",
    "--key",
    "keys/lab.key",
    "--trust",
    "trust.cose",
    "--root",
    "keys/root.pub",
    "--state",
    "state",
    "--at",
    AT,
];

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iotlabel"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run iotlabel")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn profile(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/profiles")
        .join(name)
        .display()
        .to_string()
}

/// Every file under `dir` (relative path -> bytes): what a command left behind.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

/// A scheme owner's root, a lab key, a status key and a signed trust list governing
/// cls-like@2 (lab accredited up to tier 3), made with the CLI in a temporary folder.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let p = Pki { dir };
        for (role, name, out) in [
            ("scheme-owner", "Example Agency", "keys/root"),
            ("lab", "Example Lab", "keys/lab"),
            ("status", "Example Status", "keys/status"),
        ] {
            p.ok(&[
                "key", "generate", "--role", role, "--name", name, "--out", out,
            ]);
        }
        p.ok(&[
            "trust",
            "init",
            "--owner",
            "example-agency",
            "--name",
            "Example Agency",
            "--scheme",
            &format!("cls-like@2={URL}"),
            "--out",
            "trust.json",
        ]);
        p.add_lab("keys/lab.pub", "EXLAB");
        p.ok(&[
            "trust",
            "add",
            "--draft",
            "trust.json",
            "--public-key",
            "keys/status.pub",
            "--role",
            "status",
            "--issuer",
            "EXSTATUS",
            "--name",
            "Example Status",
            "--status-for",
            "EXLAB",
            "--not-before",
            "2026-01-01",
            "--sign-until",
            "2027-06-01",
            "--valid-until",
            "2030-01-01",
        ]);
        p.sign_trust();
        p
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        run_in(self.path(), args)
    }

    /// Runs a command that must succeed.
    fn ok(&self, args: &[&str]) -> Output {
        let o = self.run(args);
        assert_eq!(code(&o), Some(0), "{args:?}: {}", text(&o));
        o
    }

    fn add_lab(&self, public: &str, issuer: &str) {
        self.ok(&[
            "trust",
            "add",
            "--draft",
            "trust.json",
            "--public-key",
            public,
            "--role",
            "lab",
            "--issuer",
            issuer,
            "--name",
            "Example Lab",
            "--scheme",
            "cls-like",
            "--max-tier",
            "3",
            "--not-before",
            "2026-01-01",
            "--sign-until",
            "2027-06-01",
            "--valid-until",
            "2030-01-01",
        ]);
    }

    fn sign_trust(&self) {
        self.ok(&[
            "trust",
            "sign",
            "--draft",
            "trust.json",
            "--key",
            "keys/root.key",
            "--out",
            "trust.cose",
            "--at",
            AT,
        ]);
    }

    /// `status sign` of `kid`'s list from the state folder, at 03:00 on the setup day.
    fn status_sign(&self, kid: &str) {
        self.ok(&[
            "status",
            "sign",
            "--state",
            "state",
            "--kid",
            kid,
            "--key",
            "keys/status.key",
            "--out",
            "status.cose",
            "--at",
            "2026-12-01T03:00:00Z",
        ]);
    }

    /// `status show status.cose` against the trust list under `root`, at `at`.
    fn status_show(&self, root: &str, at: &str) -> Output {
        self.run(&[
            "status",
            "show",
            "status.cose",
            "--trust",
            "trust.cose",
            "--root",
            root,
            "--at",
            at,
        ])
    }

    fn kid(&self, key: &str) -> String {
        let o = self.ok(&["trust", "show", "trust.json"]);
        let s = String::from_utf8_lossy(&o.stdout).into_owned();
        // `  <kid> <role> ...`: the kid of the first key line with that role.
        s.lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                Some((w.next()?.to_string(), w.next()?.to_string()))
            })
            .find(|(kid, role)| role == key && kid.len() == 16)
            .map(|(kid, _)| kid)
            .unwrap_or_else(|| panic!("no {key} key in\n{s}"))
    }

    /// `issue` of these profiles under cls-like@2 with the lab key into `out/` (state `state/`).
    fn issue(&self, profiles: &[&str], out: &str) -> Output {
        let mut args: Vec<String> = ISSUE_AS_LAB
            .into_iter()
            .chain(["--out", out, "--formats", "pdf", "--profile"])
            .map(String::from)
            .collect();
        args.extend(profiles.iter().map(|p| profile(p)));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(&refs)
    }

    fn ledger(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.path().join("state/ledger.json")).unwrap())
            .unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// key generate
// ---------------------------------------------------------------------------------------------

#[test]
fn key_generate_writes_a_0600_key_never_prints_it_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(
        dir.path(),
        &[
            "key", "generate", "--role", "lab", "--name", "L", "--out", "k/lab",
        ],
    );
    assert_eq!(code(&o), Some(0), "{}", text(&o));
    let key = dir.path().join("k/lab.key");
    let public = dir.path().join("k/lab.pub");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "private key mode {mode:o}");
    }
    let pem = std::fs::read_to_string(&key).unwrap();
    assert!(pem.contains("PRIVATE KEY"), "{pem}");
    assert!(
        std::fs::read_to_string(&public)
            .unwrap()
            .contains("PUBLIC KEY")
    );
    // No line of the private key's base64 body is on stdout or stderr.
    let shown = text(&o);
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(
            !shown.contains(line),
            "the private key was printed:\n{shown}"
        );
    }
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");

    // Never overwritten: a second run with the same prefix is refused, both files unchanged.
    let before = files(dir.path());
    let o = run_in(
        dir.path(),
        &[
            "key", "generate", "--role", "lab", "--name", "L", "--out", "k/lab",
        ],
    );
    assert_eq!(code(&o), Some(1), "{}", text(&o));
    assert!(text(&o).contains("never overwritten"), "{}", text(&o));
    assert_eq!(files(dir.path()), before);

    // Only the public half there: still refused, and no private key is written beside it.
    std::fs::remove_file(&key).unwrap();
    let before = files(dir.path());
    let o = run_in(
        dir.path(),
        &[
            "key", "generate", "--role", "lab", "--name", "L", "--out", "k/lab",
        ],
    );
    assert_eq!(code(&o), Some(1), "{}", text(&o));
    assert_eq!(files(dir.path()), before);
    assert!(!key.exists());

    // A dangling link where the public half would go: refused before the private half is
    // written (never half a key pair).
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("nowhere", dir.path().join("k/pair.pub")).unwrap();
        let before = files(dir.path());
        let o = run_in(
            dir.path(),
            &[
                "key", "generate", "--role", "lab", "--name", "L", "--out", "k/pair",
            ],
        );
        assert_eq!(code(&o), Some(1), "{}", text(&o));
        assert!(!dir.path().join("k/pair.key").exists(), "{}", text(&o));
        assert_eq!(files(dir.path()), before);
    }

    // A bad role and a missing passphrase variable are usage errors that write nothing.
    for args in [
        &[
            "key", "generate", "--role", "wizard", "--name", "L", "--out", "k/x",
        ][..],
        &[
            "key",
            "generate",
            "--role",
            "lab",
            "--name",
            "L",
            "--out",
            "k/y",
            "--passphrase-env",
            "IOTLABEL_TEST_NO_SUCH_VARIABLE",
        ][..],
    ] {
        let before = files(dir.path());
        let o = run_in(dir.path(), args);
        assert_eq!(code(&o), Some(2), "{args:?}: {}", text(&o));
        assert_eq!(files(dir.path()), before, "{args:?} left files");
    }
}

#[test]
fn key_generate_with_a_passphrase_encrypts_the_key_and_prints_no_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_iotlabel"))
        .args([
            "key", "generate", "--role", "lab", "--name", "L", "--out", "lab",
        ])
        .args(["--passphrase-env", "IOTLABEL_TEST_PASS"])
        .env("IOTLABEL_TEST_PASS", "correct horse battery")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), Some(0), "{}", text(&o));
    let pem = std::fs::read_to_string(dir.path().join("lab.key")).unwrap();
    assert!(pem.contains("ENCRYPTED PRIVATE KEY"), "{pem}");
    assert!(!text(&o).contains("correct horse"), "{}", text(&o));
    assert!(text(&o).contains("passphrase-encrypted"), "{}", text(&o));
}

// ---------------------------------------------------------------------------------------------
// trust init|add|retire|compromise|sign|show
// ---------------------------------------------------------------------------------------------

#[test]
fn trust_commands_exit_codes_and_files() {
    let p = Pki::new();
    let draft = p.path().join("trust.json");
    let signed = p.path().join("trust.cose");
    assert!(draft.exists() && signed.exists());

    // init refuses to overwrite; an unknown scheme or a bad --scheme is usage; nothing written.
    let before = files(p.path());
    let o = p.run(&[
        "trust",
        "init",
        "--owner",
        "o",
        "--name",
        "O",
        "--scheme",
        &format!("cls-like@2={URL}"),
        "--out",
        "trust.json",
    ]);
    assert_eq!(code(&o), Some(1), "{}", text(&o));
    for scheme in ["no-such-scheme@1=HTTPS://X.ORG/V", "cls-like@2"] {
        let o = p.run(&[
            "trust",
            "init",
            "--owner",
            "o",
            "--name",
            "O",
            "--scheme",
            scheme,
            "--out",
            "other.json",
        ]);
        assert_eq!(code(&o), Some(2), "{scheme}: {}", text(&o));
    }
    assert_eq!(files(p.path()), before, "a refused init left files");

    // show: the draft, then the signed list verified against the root.
    let o = p.ok(&["trust", "show", "trust.json"]);
    let s = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(s.contains("draft (unsigned)") && s.contains("EXLAB"), "{s}");
    let o = p.ok(&[
        "trust",
        "show",
        "trust.cose",
        "--root",
        "keys/root.pub",
        "--at",
        AT,
    ]);
    let s = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(s.contains("trust list #1") && s.contains("verified"), "{s}");
    assert!(s.contains("cls-like") && s.contains(URL), "{s}");
    // Unverified without --root, and said so.
    let o = p.ok(&["trust", "show", "trust.cose"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("NOT verified"),
        "{}",
        text(&o)
    );
    // Another root: invalid (1). A missing file: I/O (3).
    let o = p.run(&[
        "trust",
        "show",
        "trust.cose",
        "--root",
        "keys/lab.pub",
        "--at",
        AT,
    ]);
    assert_eq!(code(&o), Some(1), "{}", text(&o));
    let o = p.run(&["trust", "show", "missing.cose"]);
    assert_eq!(code(&o), Some(3), "{}", text(&o));

    // add: a second lab key; a failing add (unreadable key, unknown role, duplicate key)
    // leaves the draft byte for byte.
    p.ok(&[
        "key",
        "generate",
        "--role",
        "lab",
        "--name",
        "L2",
        "--out",
        "keys/lab2",
    ]);
    for (args, want) in [
        (vec!["--public-key", "keys/nope.pub", "--role", "lab"], 1),
        (vec!["--public-key", "keys/lab2.pub", "--role", "wizard"], 2),
        (vec!["--public-key", "keys/lab.pub", "--role", "lab"], 1),
    ] {
        let before = std::fs::read(&draft).unwrap();
        let mut full = vec!["trust", "add", "--draft", "trust.json", "--issuer", "L2"];
        full.extend(["--name", "L2", "--scheme", "cls-like", "--max-tier", "1"]);
        full.extend(args.iter().copied());
        let o = p.run(&full);
        assert_eq!(code(&o), Some(want), "{args:?}: {}", text(&o));
        assert_eq!(
            std::fs::read(&draft).unwrap(),
            before,
            "{args:?} changed the draft"
        );
    }
    p.add_lab("keys/lab2.pub", "EXLAB2");
    let lab2 = {
        let o = p.ok(&["trust", "show", "trust.json"]);
        let s = String::from_utf8_lossy(&o.stdout).into_owned();
        s.lines()
            .find(|l| l.contains("EXLAB2"))
            .and_then(|l| l.split_whitespace().next())
            .unwrap()
            .to_string()
    };

    // retire and compromise change the draft only; sign makes edition #2.
    let signed_before = std::fs::read(&signed).unwrap();
    let lab = p.kid("lab");
    p.ok(&[
        "trust",
        "retire",
        "--draft",
        "trust.json",
        "--kid",
        &lab2,
        "--at",
        AT,
    ]);
    p.ok(&[
        "trust",
        "compromise",
        "--draft",
        "trust.json",
        "--kid",
        &lab,
        "--since",
        "2026-11-15",
        "--allow",
        "0123456789abcdef",
    ]);
    let o = p.ok(&["trust", "show", "trust.json"]);
    let s = String::from_utf8_lossy(&o.stdout).into_owned();
    let line = |kid: &str| s.lines().find(|l| l.contains(kid)).unwrap().to_string();
    assert!(line(&lab2).contains("retired"), "{s}");
    assert!(line(&lab).contains("COMPROMISED since 2026-11-15"), "{s}");
    assert_eq!(
        std::fs::read(&signed).unwrap(),
        signed_before,
        "editing the draft changed the signed list"
    );

    // Failing edits leave the draft: a compromised key cannot be retired; an unknown kid;
    // a bad allow-listed id; a bad --since.
    for args in [
        vec![
            "trust",
            "retire",
            "--draft",
            "trust.json",
            "--kid",
            lab.as_str(),
        ],
        vec![
            "trust",
            "retire",
            "--draft",
            "trust.json",
            "--kid",
            "0000000000000000",
        ],
        vec![
            "trust",
            "compromise",
            "--draft",
            "trust.json",
            "--kid",
            lab2.as_str(),
            "--since",
            "2026-11-15",
            "--allow",
            "xyz",
        ],
        vec![
            "trust",
            "compromise",
            "--draft",
            "trust.json",
            "--kid",
            lab2.as_str(),
            "--since",
            "yesterday",
        ],
    ] {
        let before = files(p.path());
        let o = p.run(&args);
        assert!(matches!(code(&o), Some(1 | 2)), "{args:?}: {}", text(&o));
        assert_eq!(files(p.path()), before, "{args:?} changed files");
    }

    // sign: out of range --valid-days and a wrong key write nothing.
    for args in [
        vec!["--key", "keys/root.key", "--valid-days", "0"],
        vec!["--key", "keys/missing.key"],
    ] {
        let before = files(p.path());
        let mut full = vec![
            "trust",
            "sign",
            "--draft",
            "trust.json",
            "--out",
            "trust.cose",
        ];
        full.extend(["--at", AT]);
        full.extend(args.iter().copied());
        let o = p.run(&full);
        assert!(matches!(code(&o), Some(1 | 2)), "{args:?}: {}", text(&o));
        assert_eq!(files(p.path()), before, "{args:?} changed files");
    }
    p.sign_trust();
    let o = p.ok(&[
        "trust",
        "show",
        "trust.cose",
        "--root",
        "keys/root.pub",
        "--at",
        AT,
    ]);
    let s = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(s.contains("trust list #2"), "{s}");
    assert!(s.contains("COMPROMISED") && s.contains("retired"), "{s}");
    // The draft records the edition it was signed as.
    let d: serde_json::Value = serde_json::from_slice(&std::fs::read(&draft).unwrap()).unwrap();
    assert_eq!(d["sequence"], 2, "{d}");
}

// ---------------------------------------------------------------------------------------------
// issue
// ---------------------------------------------------------------------------------------------

#[test]
fn issue_signs_refuses_with_the_gap_report_and_skips_what_was_issued() {
    let p = Pki::new();
    let good = ["thermostat-level3.toml", "router-lab-reviewed-l1.toml"];
    let o = p.issue(&good, "labels");
    assert_eq!(code(&o), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("2 issued, 0 refused, 0 skipped"),
        "{}",
        text(&o)
    );
    let ledger = p.ledger();
    let labels = ledger["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 2, "{ledger}");
    for e in labels {
        let id = e["label"].as_str().unwrap();
        for ext in [
            "cose",
            "txt",
            "json",
            "report.json",
            "report.html",
            "report.pdf",
            "pdf",
        ] {
            let f = p.path().join(format!("labels/{id}.{ext}"));
            assert!(f.exists(), "{} missing", f.display());
        }
        // The claims file reads back as the library's type and writes the same bytes again.
        let written = std::fs::read_to_string(p.path().join(format!("labels/{id}.json"))).unwrap();
        let claims: iotlabel::issue::ClaimsFile = serde_json::from_str(&written).unwrap();
        assert_eq!(claims.label_id, id);
        assert_eq!(claims.to_text(), written);
        // A renamed field is an error, not a silent default.
        let renamed = written.replacen("\"issuer\"", "\"issuer_name\"", 1);
        assert!(serde_json::from_str::<iotlabel::issue::ClaimsFile>(&renamed).is_err());
        // Each label verifies VALID once its status list is signed (below: STATUS UNKNOWN).
        let o = p.run(&[
            "verify",
            "--file",
            &format!("labels/{id}.txt"),
            "--trust",
            "trust.cose",
            "--root",
            "keys/root.pub",
            "--at",
            "2026-12-02",
        ]);
        assert_eq!(code(&o), Some(21), "{}", text(&o));
    }

    // A re-run with one new profile and one that reaches no tier: the old two are skipped,
    // the new one issued, the refused one gets exit 4 and its gap report.
    let before_labels = files(&p.path().join("labels"));
    let o = p.issue(
        &[
            good[0],
            good[1],
            "constrained-sensor.toml",
            "camera-universal-password.toml",
        ],
        "labels",
    );
    assert_eq!(code(&o), Some(4), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("1 issued, 1 refused, 2 skipped"), "{t}");
    assert!(t.contains("skipped: already issued as"), "{t}");
    assert!(
        t.contains("camera-universal-password") && t.contains("REFUSED"),
        "{t}"
    );
    // The gap report: the tier reached and the blockers of the next tier, on stderr.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("TIER:") && err.contains("GAP TO"), "{err}");
    let ledger = p.ledger();
    let labels = ledger["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 3, "{ledger}");
    let indices: Vec<u64> = labels
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indices, [0, 1, 2], "{ledger}");
    // A refused profile does not keep a status index.
    assert_eq!(ledger["next_index"][p.kid("lab")], 3, "{ledger}");
    // Skipped labels are not re-signed: their files are byte for byte the same.
    let after = files(&p.path().join("labels"));
    for (f, bytes) in &before_labels {
        if f.to_string_lossy() != "sheet.pdf" {
            assert_eq!(
                after.get(f),
                Some(bytes),
                "{} changed on a re-run",
                f.display()
            );
        }
    }
}

#[test]
fn issue_failures_exit_with_their_code_and_record_nothing() {
    let p = Pki::new();
    // A profile that does not parse (1), a missing profile (3), a missing key (1), a trust
    // list under another root (1), an unknown scheme (2): no ledger, no labels.
    let bad = p.path().join("bad.toml");
    std::fs::write(&bad, "[device]\nmanufacturer = 3\n").unwrap();
    let bad = bad.display().to_string();
    let base = |key: &str, root: &str, scheme: &str, prof: &str| {
        vec![
            "issue".to_string(),
            "--scheme".into(),
            scheme.into(),
            "--key".into(),
            key.into(),
            "--trust".into(),
            "trust.cose".into(),
            "--root".into(),
            root.into(),
            "--state".into(),
            "state".into(),
            "--out".into(),
            "labels".into(),
            "--at".into(),
            AT.into(),
            "--profile".into(),
            profile("thermostat-level3.toml"),
            prof.into(),
        ]
    };
    for (args, want) in [
        (base("keys/lab.key", "keys/root.pub", "cls-like@2", &bad), 1),
        (
            base(
                "keys/lab.key",
                "keys/root.pub",
                "cls-like@2",
                "missing.toml",
            ),
            3,
        ),
        (
            base(
                "keys/none.key",
                "keys/root.pub",
                "cls-like@2",
                &profile("sensor-inconclusive.toml"),
            ),
            1,
        ),
        (
            base(
                "keys/lab.key",
                "keys/lab.pub",
                "cls-like@2",
                &profile("sensor-inconclusive.toml"),
            ),
            1,
        ),
        (
            base(
                "keys/lab.key",
                "keys/root.pub",
                "nope@1",
                &profile("sensor-inconclusive.toml"),
            ),
            2,
        ),
    ] {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = p.run(&refs);
        assert_eq!(code(&o), Some(want), "{}", text(&o));
        assert!(!p.path().join("state/ledger.json").exists(), "{}", text(&o));
        assert!(files(&p.path().join("labels")).is_empty(), "{}", text(&o));
    }
    // A key the trust list does not name: every profile refused (4), nothing recorded.
    p.ok(&[
        "key",
        "generate",
        "--role",
        "lab",
        "--name",
        "X",
        "--out",
        "keys/stranger",
    ]);
    let args = base(
        "keys/stranger.key",
        "keys/root.pub",
        "cls-like@2",
        &profile("sensor-inconclusive.toml"),
    );
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = p.run(&refs);
    assert_eq!(code(&o), Some(4), "{}", text(&o));
    let ledger = p.ledger();
    assert_eq!(ledger["labels"].as_array().unwrap().len(), 0, "{ledger}");
    assert!(
        files(&p.path().join("labels"))
            .keys()
            .all(|f| !f.to_string_lossy().ends_with(".cose")),
        "a refused label was written"
    );
}

#[test]
fn parallel_issue_runs_on_one_state_never_share_a_status_index() {
    let p = Pki::new();
    let batches: [&[&str]; 2] = [
        &[
            "thermostat-level3.toml",
            "router-lab-reviewed-l1.toml",
            "sensor-inconclusive.toml",
        ],
        &[
            "constrained-sensor.toml",
            "hub-bsi-recognised.toml",
            "smoke-detector-pre-ticked-consent.toml",
        ],
    ];
    for round in 0..2 {
        // Both processes start together, on the same --state, each with its own batch (the
        // second round: the same batches again, which must all be skipped).
        let children: Vec<_> = batches
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let mut args: Vec<String> = ISSUE_AS_LAB
                    .into_iter()
                    .chain(["--formats", "pdf", "--out"])
                    .map(String::from)
                    .collect();
                args.push(format!("out-{round}-{i}"));
                args.push("--profile".into());
                args.extend(b.iter().map(|f| profile(f)));
                Command::new(env!("CARGO_BIN_EXE_iotlabel"))
                    .args(&args)
                    .current_dir(p.path())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert_eq!(code(&o), Some(0), "round {round}: {}", text(&o));
        }
        let ledger = p.ledger();
        let labels = ledger["labels"].as_array().unwrap();
        assert_eq!(
            labels.len(),
            6,
            "round {round}: every label recorded once: {ledger:#}"
        );
        let mut indices: Vec<u64> = labels
            .iter()
            .map(|e| e["index"].as_u64().unwrap())
            .collect();
        indices.sort_unstable();
        assert_eq!(indices, [0, 1, 2, 3, 4, 5], "round {round}: {ledger:#}");
        let mut ids: Vec<&str> = labels
            .iter()
            .map(|e| e["label"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(
            ids.len(),
            6,
            "round {round}: two labels share an id: {ledger:#}"
        );
        assert_eq!(ledger["next_index"][p.kid("lab")], 6, "{ledger:#}");
    }
    // The second round signed nothing new.
    for i in 0..2 {
        let round1 = files(&p.path().join(format!("out-1-{i}")));
        assert!(
            round1
                .keys()
                .all(|f| !f.to_string_lossy().ends_with(".cose")),
            "round 1 re-signed a label: {:?}",
            round1.keys().collect::<Vec<_>>()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// revoke, status apply|sign|show
// ---------------------------------------------------------------------------------------------

#[test]
fn revoke_and_status_commands_turn_a_label_revoked() {
    let p = Pki::new();
    let o = p.issue(
        &["thermostat-level3.toml", "router-lab-reviewed-l1.toml"],
        "labels",
    );
    assert_eq!(code(&o), Some(0), "{}", text(&o));
    let ledger = p.ledger();
    let id = ledger["labels"][1]["label"].as_str().unwrap().to_string();
    let other = ledger["labels"][0]["label"].as_str().unwrap().to_string();
    let lab = p.kid("lab");

    // revoke: usage errors write nothing.
    for args in [
        vec!["--label", id.as_str(), "--to", "gone", "--state", "state"],
        vec![
            "--label",
            id.as_str(),
            "--to",
            "superseded",
            "--state",
            "state",
        ],
        vec![
            "--label",
            "00000000000000ff",
            "--to",
            "revoked",
            "--state",
            "state",
        ],
        vec!["--label", id.as_str(), "--to", "revoked"],
        // Not a label id at all (parsed at the text boundary, before the ledger or file).
        vec!["--label", "xyz", "--to", "revoked", "--state", "state"],
        // A successor that is no label id: refused before anything is signed.
        vec![
            "--label",
            id.as_str(),
            "--to",
            "superseded",
            "--successor",
            "0123456789abcdeg",
            "--state",
            "state",
        ],
        vec![
            "--label",
            "0123456789abcdeg",
            "--to",
            "revoked",
            "--label-file",
            "state/ledger.json",
        ],
    ] {
        let before = files(p.path());
        let mut full = vec![
            "revoke",
            "--reason",
            "test",
            "--key",
            "keys/lab.key",
            "--out",
            "r.cose",
        ];
        full.extend(["--at", "2026-12-01T01:00:00Z"]);
        full.extend(args.iter().copied());
        let o = p.run(&full);
        assert_eq!(code(&o), Some(2), "{args:?}: {}", text(&o));
        assert_eq!(files(p.path()), before, "{args:?} left files");
    }
    // The statement, from the ledger (--state) and from the label file: the same content.
    p.ok(&[
        "revoke",
        "--label",
        &id,
        "--to",
        "revoked",
        "--reason",
        "default password found",
        "--key",
        "keys/lab.key",
        "--state",
        "state",
        "--out",
        "revoke-1.cose",
        "--at",
        "2026-12-01T01:00:00Z",
    ]);
    p.ok(&[
        "revoke",
        "--label",
        &id,
        "--to",
        "revoked",
        "--reason",
        "default password found",
        "--key",
        "keys/lab.key",
        "--label-file",
        &format!("labels/{id}.cose"),
        "--out",
        "revoke-1b.cose",
        "--at",
        "2026-12-01T01:00:00Z",
    ]);
    assert_eq!(
        std::fs::read(p.path().join("revoke-1.cose")).unwrap(),
        std::fs::read(p.path().join("revoke-1b.cose")).unwrap()
    );
    // --label-file of another label: usage, nothing written.
    let o = p.run(&[
        "revoke",
        "--label",
        &id,
        "--to",
        "revoked",
        "--reason",
        "x",
        "--key",
        "keys/lab.key",
        "--label-file",
        &format!("labels/{other}.cose"),
        "--out",
        "wrong.cose",
    ]);
    assert_eq!(code(&o), Some(2), "{}", text(&o));
    assert!(!p.path().join("wrong.cose").exists());

    // status apply: a tampered statement is rejected (1) and the state is not touched.
    let mut tampered = std::fs::read(p.path().join("revoke-1.cose")).unwrap();
    let n = tampered.len();
    tampered[n - 1] ^= 1;
    std::fs::write(p.path().join("tampered.cose"), &tampered).unwrap();
    let apply = |stmt: &str| {
        let mut args = STATUS_APPLY.to_vec();
        args.push(stmt);
        p.run(&args)
    };
    let o = apply("tampered.cose");
    assert_eq!(code(&o), Some(1), "{}", text(&o));
    assert!(!p.path().join(format!("state/status/{lab}.json")).exists());
    let o = apply("missing.cose");
    assert_eq!(code(&o), Some(3), "{}", text(&o));
    let o = apply("revoke-1.cose");
    assert_eq!(code(&o), Some(0), "{}", text(&o));
    let state_file = p.path().join(format!("state/status/{lab}.json"));
    let state = std::fs::read(&state_file).unwrap();
    // The same statement again is a replay: rejected, state unchanged.
    let o = apply("revoke-1.cose");
    assert_eq!(code(&o), Some(1), "{}", text(&o));
    assert_eq!(std::fs::read(&state_file).unwrap(), state);

    // status sign: bad kid or days are usage; the list, then show and verify.
    for args in [
        vec!["--kid", "xyz"],
        vec!["--kid", lab.as_str(), "--valid-days", "40"],
    ] {
        let before = files(p.path());
        let mut full = vec![
            "status",
            "sign",
            "--state",
            "state",
            "--key",
            "keys/status.key",
        ];
        full.extend(["--out", "status.cose", "--at", "2026-12-01T03:00:00Z"]);
        full.extend(args.iter().copied());
        let o = p.run(&full);
        assert_eq!(code(&o), Some(2), "{args:?}: {}", text(&o));
        assert_eq!(files(p.path()), before, "{args:?} left files");
    }
    p.status_sign(&lab);
    let o = p.status_show("keys/root.pub", "2026-12-02");
    assert_eq!(code(&o), Some(0), "{}", text(&o));
    let s = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        s.contains("index 1: revoked") && !s.contains("index 0"),
        "{s}"
    );
    assert!(!s.contains("STALE"), "{s}");
    let o = p.status_show("keys/root.pub", "2026-12-09");
    assert_eq!(code(&o), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("(STALE)"),
        "{}",
        text(&o)
    );
    let o = p.status_show("keys/lab.pub", "2026-12-02");
    assert_eq!(code(&o), Some(1), "{}", text(&o));

    let verify = |label: &str| {
        p.run(&[
            "verify",
            "--file",
            &format!("labels/{label}.txt"),
            "--trust",
            "trust.cose",
            "--root",
            "keys/root.pub",
            "--status",
            "status.cose",
            "--at",
            "2026-12-02",
        ])
    };
    let o = verify(&id);
    assert_eq!(code(&o), Some(18), "REVOKED: {}", text(&o));
    let o = verify(&other);
    assert_eq!(code(&o), Some(0), "VALID: {}", text(&o));

    // A sequence number continues from the state: the next statement is #2 and reinstates
    // nothing final (revoked is final: apply refuses it).
    let o = p.ok(&[
        "revoke",
        "--label",
        &id,
        "--to",
        "valid",
        "--reason",
        "mistake",
        "--key",
        "keys/lab.key",
        "--state",
        "state",
        "--out",
        "revoke-2.cose",
        "--at",
        "2026-12-01T04:00:00Z",
    ]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("sequence 2"),
        "{}",
        text(&o)
    );
    let o = apply("revoke-2.cose");
    assert_eq!(code(&o), Some(1), "{}", text(&o));
    assert_eq!(std::fs::read(&state_file).unwrap(), state);
}

/// Makes a folder immutable (`chattr +i`: no file in it can be created, replaced or removed,
/// even by root) while alive; `None` where that is not possible (not root, no chattr, a file
/// system without the flag).
struct Immutable(PathBuf);

impl Immutable {
    fn set(dir: &Path) -> Option<Immutable> {
        let ok = Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .output()
            .is_ok_and(|o| o.status.success());
        // Root may still write to a folder it cannot chmod away from: check it bites.
        let probe = dir.join(".probe");
        if ok && std::fs::write(&probe, b"x").is_err() {
            Some(Immutable(dir.to_path_buf()))
        } else {
            let _ = Command::new("chattr").arg("-i").arg(dir).output();
            let _ = std::fs::remove_file(&probe);
            None
        }
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).output();
    }
}

#[test]
fn trust_sign_that_cannot_record_its_edition_writes_no_signed_list() {
    let p = Pki::new();
    // The draft in a folder of its own, which then cannot be written.
    std::fs::create_dir(p.path().join("drafts")).unwrap();
    std::fs::copy(
        p.path().join("trust.json"),
        p.path().join("drafts/trust.json"),
    )
    .unwrap();
    let Some(guard) = Immutable::set(&p.path().join("drafts")) else {
        common::skipped(
            "trust sign with an unwritable draft",
            "cannot make a folder immutable here (needs root and chattr)",
        );
        return;
    };
    let o = p.run(&[
        "trust",
        "sign",
        "--draft",
        "drafts/trust.json",
        "--key",
        "keys/root.key",
        "--out",
        "next.cose",
        "--at",
        AT,
    ]);
    drop(guard);
    assert_eq!(code(&o), Some(3), "{}", text(&o));
    // An edition whose sequence number the draft does not record would be signed again
    // under the same number with other content: two lists, one edition.
    assert!(
        !p.path().join("next.cose").exists(),
        "a signed list was written although its edition could not be recorded: {}",
        text(&o)
    );
}

#[test]
fn an_issue_run_that_cannot_record_its_labels_never_lets_a_later_run_reuse_their_ids() {
    let p = Pki::new();
    let o = p.issue(&["thermostat-level3.toml"], "out1");
    assert_eq!(code(&o), Some(0), "{}", text(&o));
    // The state cannot be written: the run fails (3).
    let Some(guard) = Immutable::set(&p.path().join("state")) else {
        common::skipped(
            "issue with an unwritable state",
            "cannot make a folder immutable here (needs root and chattr)",
        );
        return;
    };
    let o = p.issue(&["router-lab-reviewed-l1.toml"], "out2");
    drop(guard);
    assert_eq!(code(&o), Some(3), "{}", text(&o));
    // A later run on the same state, with another device.
    let o = p.issue(&["sensor-inconclusive.toml"], "out3");
    assert_eq!(code(&o), Some(0), "{}", text(&o));
    // No label id names two different labels, whatever the failed run left behind.
    labels_by_id(&p, &["out1", "out2", "out3"]);
}

/// Every label file in the `outs` folders by label id, checking that no id names two labels.
fn labels_by_id(p: &Pki, outs: &[&str]) -> BTreeMap<String, (String, Vec<u8>)> {
    let mut seen: BTreeMap<String, (String, Vec<u8>)> = BTreeMap::new();
    for out in outs {
        for (f, bytes) in files(&p.path().join(out)) {
            let name = f.to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".cose") else {
                continue;
            };
            if let Some((other, earlier)) = seen.get(id) {
                assert_eq!(
                    earlier, &bytes,
                    "label id {id} names two labels ({other} and {out})"
                );
            }
            seen.insert(id.to_string(), (out.to_string(), bytes));
        }
    }
    seen
}

#[test]
fn indices_of_a_run_that_failed_half_way_are_never_handed_out_again() {
    let p = Pki::new();
    let o = p.issue(&["thermostat-level3.toml"], "out1");
    assert_eq!(code(&o), Some(0), "{}", text(&o));
    // The second run signs two labels (indices 1 and 2); the second cannot be written (a
    // folder where its QR text file goes), so the run fails after writing the first.
    let kid: [u8; 8] = hex::decode(p.kid("lab")).unwrap().try_into().unwrap();
    let id2 = hex::encode(iotlabel::label::label_id(&kid, 2));
    std::fs::create_dir_all(p.path().join(format!("out2/{id2}.txt"))).unwrap();
    let o = p.issue(
        &["router-lab-reviewed-l1.toml", "sensor-inconclusive.toml"],
        "out2",
    );
    assert_eq!(code(&o), Some(3), "{}", text(&o));
    // A run that only refuses, then one that issues: no id of the failed run comes back.
    let o = p.issue(&["camera-universal-password.toml"], "out3");
    assert_eq!(code(&o), Some(4), "{}", text(&o));
    let o = p.issue(&["constrained-sensor.toml"], "out4");
    assert_eq!(code(&o), Some(0), "{}", text(&o));
    let seen = labels_by_id(&p, &["out1", "out2", "out3", "out4"]);
    assert!(seen.len() >= 3, "{:?}", seen.keys());
}

#[test]
fn parallel_status_apply_runs_on_one_state_lose_no_statement() {
    let p = Pki::new();
    // Statements for 160 status indices of the lab key (the service's and the CLI's status
    // state does not need the labels themselves), signed with the lab key as `revoke` does.
    const N: u32 = 160;
    let key = iotlabel::keys::read_private_key(&p.path().join("keys/lab.key"), None).unwrap();
    let kid = iotlabel::keys::Signer::kid(&key);
    std::fs::create_dir(p.path().join("st")).unwrap();
    for i in 0..N {
        let st = iotlabel::status::RevocationStatement {
            format: "iotlabel-revocation/1".into(),
            label: iotlabel::label::label_id(&kid, i).into(),
            issuer_kid: kid.into(),
            index: i,
            status: iotlabel::status::LabelStatus::Suspended,
            reason: "audit".into(),
            at: iotlabel::time::parse_at(AT).unwrap().as_second() + 3600,
            sequence: 1,
            successor: None,
        };
        std::fs::write(
            p.path().join(format!("st/{i}.cose")),
            st.sign(&key).unwrap(),
        )
        .unwrap();
    }
    // Two processes, each applying every other statement, one at a time, on the same state.
    let children: Vec<_> = (0..2)
        .map(|half| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_iotlabel"));
            cmd.args(STATUS_APPLY);
            for i in (half..N).step_by(2) {
                cmd.arg(format!("st/{i}.cose"));
            }
            cmd.current_dir(p.path())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert_eq!(code(&o), Some(0), "{}", text(&o));
    }
    let lab = p.kid("lab");
    p.status_sign(&lab);
    let o = p.status_show("keys/root.pub", "2026-12-02");
    assert_eq!(code(&o), Some(0), "{}", text(&o));
    let s = String::from_utf8_lossy(&o.stdout).into_owned();
    let lost: Vec<u32> = (0..N)
        .filter(|i| !s.contains(&format!("index {i}: suspended\n")))
        .collect();
    assert!(lost.is_empty(), "statements lost: {lost:?}");
}

#[test]
fn parallel_revoke_runs_on_one_state_never_share_a_sequence_number() {
    // Regression: `revoke --state` read the next sequence number without the state's lock and
    // recorded nothing, so two runs (at once, or one after the other before `status apply`)
    // signed two different statements under one number, and the second was refused as a replay.
    let p = Pki::new();
    let o = p.issue(&["thermostat-level3.toml"], "labels");
    assert_eq!(code(&o), Some(0), "{}", text(&o));
    let id = p.ledger()["labels"][0]["label"]
        .as_str()
        .unwrap()
        .to_string();
    let revoke = |out: &str, to: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_iotlabel"));
        cmd.args(["revoke", "--label", &id, "--to", to, "--reason", "audit"])
            .args(["--key", "keys/lab.key", "--state", "state", "--out", out])
            .args(["--at", "2026-12-01T01:00:00Z"])
            .current_dir(p.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let sequence = |o: &Output| -> u64 {
        let s = String::from_utf8_lossy(&o.stdout);
        let at = s
            .find("(sequence ")
            .unwrap_or_else(|| panic!("{}", text(o)));
        s[at + 10..].split(')').next().unwrap().parse().unwrap()
    };
    // Four at once.
    let children: Vec<_> = (0..4)
        .map(|i| revoke(&format!("s{i}.cose"), "suspended"))
        .collect();
    let mut seen: Vec<u64> = children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            assert_eq!(code(&o), Some(0), "{}", text(&o));
            sequence(&o)
        })
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, [1, 2, 3, 4], "two statements share a sequence number");
    // One more, after them: the next number.
    let o = revoke("s4.cose", "revoked").wait_with_output().unwrap();
    assert_eq!(sequence(&o), 5, "{}", text(&o));
    // Applied in order, every statement is accepted (none is a replay of another).
    let statements: Vec<String> = (0..5).map(|i| format!("s{i}.cose")).collect();
    let mut order: Vec<(u64, String)> = statements
        .iter()
        .map(|f| {
            let bytes = std::fs::read(p.path().join(f)).unwrap();
            let parsed = iotlabel::label::cose::parse(&bytes).unwrap();
            let st: iotlabel::status::RevocationStatement =
                ciborium::de::from_reader(parsed.payload.as_slice()).unwrap();
            (st.sequence, f.clone())
        })
        .collect();
    order.sort();
    let mut args = STATUS_APPLY.to_vec();
    args.extend(order.iter().map(|(_, f)| f.as_str()));
    let o = p.run(&args);
    assert_eq!(code(&o), Some(0), "{}", text(&o));
}

// ---------------------------------------------------------------------------------------------
// issue killed with SIGKILL at random points (issue 14's crash promise)
// ---------------------------------------------------------------------------------------------

/// What a killed run left: the ledger (snapshot plus journal, as the next run reads it) and the
/// label files on disk. Checks the promise: every label file on disk is in the ledger, no label
/// id, status index or input is recorded twice. Returns the number of label files.
fn check_crash_promise(p: &Pki, round: usize, seed: u64) -> usize {
    use iotlabel::issue::ledger::Ledger;
    let ledger = Ledger::load(&p.path().join("state")).unwrap_or_else(|e| {
        panic!("round {round} (seed {seed}): the ledger does not load after a kill: {e}")
    });
    let mut ids = std::collections::HashSet::new();
    let mut slots = std::collections::HashSet::new();
    let mut inputs = std::collections::HashSet::new();
    for e in &ledger.labels {
        assert!(
            ids.insert(e.label),
            "round {round} (seed {seed}): {} twice",
            e.label
        );
        assert!(
            slots.insert((e.kid, e.index)),
            "round {round} (seed {seed}): index {} used twice",
            e.index
        );
        assert!(
            inputs.insert(e.input.clone()),
            "round {round} (seed {seed}): one profile issued twice ({})",
            e.label
        );
    }
    let mut label_files = 0;
    for f in std::fs::read_dir(p.path().join("out"))
        .into_iter()
        .flatten()
    {
        let name = f.unwrap().file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue; // a temp file a kill interrupted: never renamed into place
        }
        let id = name.split('.').next().unwrap();
        let id: iotlabel::ids::LabelId = id.parse().unwrap();
        assert!(
            ids.contains(&id),
            "round {round} (seed {seed}): {name} is on disk but not in the ledger"
        );
        label_files += 1;
    }
    label_files
}

#[test]
fn a_batch_killed_at_random_points_keeps_every_label_file_in_the_ledger_and_a_rerun_completes_it() {
    use rand::{Rng, SeedableRng};
    const N: usize = 1000;
    // Fixed by default; IOTLABEL_KILL_SEED tries other kill points.
    let seed: u64 = std::env::var("IOTLABEL_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(14);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let p = Pki::new();
    let source = std::fs::read_to_string(profile("thermostat-level3.toml")).unwrap();
    std::fs::create_dir(p.path().join("range")).unwrap();
    let mut args: Vec<String> = ISSUE_AS_LAB
        .into_iter()
        .chain([
            "--out",
            "out",
            "--formats",
            "none",
            "--reports",
            "json",
            // Profiles past the first 300 are parsed again with their group: both paths run.
            "--keep-parsed",
            "300",
            "--profile",
        ])
        .map(String::from)
        .collect();
    for i in 0..N {
        let text: String = source
            .lines()
            .map(|l| {
                if l.starts_with("model ") || l.starts_with("model=") {
                    format!("model = \"Therm {i:04}\"\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        let name = format!("range/t{i:04}.toml");
        std::fs::write(p.path().join(&name), text).unwrap();
        args.push(name);
    }
    let files_per_label = 4; // cose, txt, json, report.json
    let mut killed_mid_batch = 0;
    for round in 0..8 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_iotlabel"))
            .args(&args)
            .current_dir(p.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill once the output folder holds a random number of files (0: at once, while the
        // profiles are read or the indices reserved).
        let target = rng.gen_range(0..N * files_per_label);
        let out = p.path().join("out");
        let exited = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            let n = std::fs::read_dir(&out).map_or(0, |d| d.count());
            if n >= target {
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        };
        if exited.is_none() {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
        }
        let on_disk = check_crash_promise(&p, round, seed);
        if exited.is_none() && on_disk > 0 && on_disk < N * files_per_label {
            killed_mid_batch += 1;
        }
    }
    assert!(
        killed_mid_batch >= 2,
        "only {killed_mid_batch} kills landed while label files were being written (seed {seed})"
    );
    // A run to the end completes the batch: every profile has one label with all its files,
    // nothing is pending, and each claims file names the index the ledger gave it.
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    p.ok(&refs);
    assert_eq!(check_crash_promise(&p, 99, seed), N * files_per_label);
    let ledger = iotlabel::issue::ledger::Ledger::load(&p.path().join("state")).unwrap();
    assert_eq!(ledger.labels.len(), N);
    assert!(
        ledger.labels.iter().all(|e| !e.pending),
        "pending after a finished run"
    );
    assert!(!p.path().join("state/ledger.journal").exists());
    for e in &ledger.labels {
        let claims: serde_json::Value = serde_json::from_slice(
            &std::fs::read(p.path().join(format!("out/{}.json", e.label))).unwrap(),
        )
        .unwrap();
        assert_eq!(claims["label_id"], e.label.to_string());
        assert_eq!(claims["status_index"], e.index);
    }
}
