//! `iotlabel issue` refuses a profile whose device texts a label cannot carry (a per-field cap,
//! the variant count, or the device text budget of `label::claims`): the error names the
//! profile file with line:col, the field, its bytes and the cap, and what to do; nothing is
//! signed or written. As for any profile that does not load, the whole batch stops before
//! anything is signed (`issue` parses every profile first). The library's `issue` refuses the
//! same profiles built in memory.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use iotlabel::issue::IssueError;
use iotlabel::keys::{Signer, public_key_pem};
use iotlabel::label::ClaimsError;
use iotlabel::scenario::Scenario;

const GOOD: &str = "thermostat-level3.toml";

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let sc = Scenario::new(common::bundled(), b"issue caps", common::t0(), 30).unwrap();
        let key = dir.path().join("lab.key");
        std::fs::write(&key, sc.lab.to_pkcs8_pem(None).unwrap().as_bytes()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        std::fs::write(dir.path().join("trust.cose"), &sc.trust_bytes).unwrap();
        std::fs::write(
            dir.path().join("root.pub"),
            public_key_pem(&sc.root.public_key()).unwrap(),
        )
        .unwrap();
        Setup { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The good fixture with its `[device]` table replaced by `device`, written as `name`.
    fn profile(&self, name: &str, device: &str) -> PathBuf {
        let good = std::fs::read_to_string(fixture(GOOD)).unwrap();
        let start = good.find("[device]").unwrap();
        let end = start + good[start..].find("\n\n").unwrap();
        let text = format!("{}[device]\n{device}{}", &good[..start], &good[end..]);
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn issue(&self, profiles: &[&Path]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_iotlabel"));
        cmd.args(["issue", "--scheme", "cls-like@2", "--at", "2026-12-01"])
            .arg("--key")
            .arg(self.path("lab.key"))
            .arg("--trust")
            .arg(self.path("trust.cose"))
            .arg("--root")
            .arg(self.path("root.pub"))
            .arg("--state")
            .arg(self.path("state"))
            .arg("--out")
            .arg(self.path("out"))
            .args(["--formats", "none", "--profile"])
            .args(profiles);
        cmd.output().unwrap()
    }

    /// Every file under `out/`.
    fn written(&self) -> Vec<String> {
        std::fs::read_dir(self.path("out"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/profiles")
        .join(name)
}

const REST: &str =
    "hardware_version = \"HW3\"\nfirmware_version = \"7.2.5\"\ncategory = \"appliance\"\n";

/// One profile over a cap each: (file name, [device] body, line:col of the error, what the
/// message must say).
fn over_cap_cases() -> Vec<(&'static str, String, &'static str, Vec<&'static str>)> {
    vec![
        (
            "manufacturer-over.toml",
            format!(
                "manufacturer = \"{}\"\nmodel = \"T8\"\n{REST}",
                "Ångström Climate Controls International Holdings"
            ),
            "16",
            vec![
                "`manufacturer` is 50 bytes",
                "the limit is 48",
                "shorten it",
            ],
        ),
        (
            "variants-count-over.toml",
            format!(
                "manufacturer = \"Halcyon\"\nmodel = \"T8\"\nvariants = [\"A\", \"B\", \"C\", \"D\", \"E\"]\n{REST}"
            ),
            "12",
            vec!["`variants` lists 5 names", "at most 4", "separate labels"],
        ),
        (
            "variant-over.toml",
            format!(
                "manufacturer = \"Halcyon\"\nmodel = \"T8\"\nvariants = [\"T8\", \"{}\"]\n{REST}",
                "温度調節器八型白色版本"
            ),
            "19",
            vec![
                "is 33 bytes after Unicode NFC normalisation",
                "the limit is 24",
                "separate label",
            ],
        ),
        (
            "budget-over.toml",
            format!(
                "manufacturer = \"{}\"\nmodel = \"{}\"\nvariants = [\"{}\"]\nhardware_version = \"HW3 rev 2\"\nfirmware_version = \"7.2.5-lts\"\ncategory = \"appliance\"\n",
                "Halcyon Climate Controls Incorporated", "Halcyon T8 Smart Thermostat", "T8 White"
            ),
            "1",
            vec![
                "texts are 90 bytes together",
                "manufacturer 37, model 27, hardware_version 9, firmware 9, variants 8",
                "budget is 78 bytes",
                "shorten them by 12 bytes, or move variants to separate labels",
            ],
        ),
    ]
}

/// The good profile issues on its own (so the refusals below come from the caps).
#[test]
fn the_good_profile_issues() {
    let s = Setup::new();
    let o = s.issue(&[&fixture(GOOD)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(s.written().iter().any(|f| f.ends_with(".cose")));
}

/// Each member of the class, in a batch after the good profile: refused at its place with the
/// field, bytes, cap and what to do; the run stops before anything is signed or written.
#[test]
fn issue_refuses_a_profile_over_a_label_cap() {
    for (name, device, col, words) in over_cap_cases() {
        let s = Setup::new();
        let bad = s.profile(name, &device);
        let o = s.issue(&[&fixture(GOOD), &bad]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        // The error is at the `[device]` table (budget) or at the value.
        let text = std::fs::read_to_string(&bad).unwrap();
        let device_line = text.lines().position(|l| l == "[device]").unwrap() + 1;
        let line = match name {
            "manufacturer-over.toml" => device_line + 1,
            "budget-over.toml" => device_line,
            _ => device_line + 3,
        };
        let place = format!("{}:{line}:{col}", bad.display());
        assert!(err.contains(&place), "{name}: no {place} in\n{err}");
        for w in words {
            assert!(err.contains(w), "{name}: no `{w}` in\n{err}");
        }
        assert!(s.written().is_empty(), "{name}: wrote {:?}", s.written());
        let ledger = std::fs::read_to_string(s.path("state/ledger.json")).unwrap_or_default();
        assert!(!ledger.contains("\"label\""), "{name}: ledger {ledger}");
    }
}

/// The library refuses the same profiles built in memory (no loader in between), before
/// signing, naming the field, the bytes and the cap.
#[test]
fn the_library_issue_refuses_profiles_over_a_cap() {
    let set = common::bundled();
    let at = common::t0();
    let sc = Scenario::new(set, b"issue caps", at, 30).unwrap();
    let path = fixture(GOOD);
    let good = iotlabel::profile::Profile::load(&path, set).unwrap();
    type Edit = fn(&mut iotlabel::profile::Device);
    let cases: [(Edit, ClaimsError); 4] = [
        (
            |d| d.manufacturer = "m".repeat(49),
            ClaimsError::TextTooLong {
                field: "manufacturer",
                len: 49,
                max: 48,
            },
        ),
        (
            |d| d.variants = vec!["v".into(); 5],
            ClaimsError::TooManyVariants { count: 5, max: 4 },
        ),
        (
            |d| d.variants = vec!["v".repeat(25)],
            ClaimsError::TextTooLong {
                field: "variant",
                len: 25,
                max: 24,
            },
        ),
        (
            |d| {
                d.manufacturer = "m".repeat(40);
                d.model = "o".repeat(30);
                d.variants = vec!["v".repeat(10)];
            },
            ClaimsError::DeviceTextOverBudget { len: 88, max: 78 },
        ),
    ];
    for (edit, want) in cases {
        let mut p = good.clone();
        edit(&mut p.device);
        let r = iotlabel::issue::issue(&iotlabel::issue::IssueRequest {
            scheme: set.scheme("cls-like@2").unwrap(),
            vocab: &set.vocab,
            profile: &p,
            profile_digest: [0; 32],
            at,
            key: &sc.lab,
            trust: &sc.verified(at).unwrap(),
            status_index: 0,
        });
        let Err((e, _)) = r else {
            panic!("issued over a cap: {want}")
        };
        assert_eq!(
            e,
            IssueError::DeviceText {
                error: want.clone()
            }
        );
        let msg = e.to_string();
        assert!(msg.contains("separate labels"), "{msg}");
    }
}
