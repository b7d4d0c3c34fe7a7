//! The command line, end to end: exit codes, error locations, output formats.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::process::{Command, Output};

fn iotlabel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iotlabel"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run iotlabel")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn criteria_check_passes_on_the_bundled_criteria() {
    let o = iotlabel(&["criteria", "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("etsi-en-303-645@2.1.1") && out.contains("68 requirements"),
        "{out}"
    );
    assert!(
        out.contains("cls-like@1") && out.contains("cls-like@2") && out.contains("digest "),
        "{out}"
    );
}

#[test]
fn criteria_check_reports_each_planted_mistake_at_its_line() {
    let o = iotlabel(&[
        "criteria",
        "check",
        "fixtures/bad/criteria/unknown-references.toml",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    for loc in [
        "unknown-references.toml:9:40",
        "unknown-references.toml:16:20",
        "unknown-references.toml:24:21",
        "unknown-references.toml:31:26",
    ] {
        assert!(err.contains(loc), "missing {loc} in:\n{err}");
    }
    assert!(err.contains("did you mean `passwords_used`?"), "{err}");
    assert!(err.contains("5 error(s)"), "{err}");
}

#[test]
fn evaluate_json_is_machine_readable_and_tier_first_in_text() {
    let o = iotlabel(&[
        "evaluate",
        "--scheme",
        "cls-like@1",
        "--profile",
        "fixtures/profiles/speaker-declarations-only.toml",
        "--at",
        "2026-12-01",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["format"], "iotlabel-evaluation/1");
    assert_eq!(v["reports"][0]["tier"]["label"], "Level 2");
    assert_eq!(v["reports"][0]["scheme"]["id"], "cls-like");

    let o = iotlabel(&[
        "evaluate",
        "--scheme",
        "cls-like@1",
        "--profile",
        "fixtures/profiles/speaker-declarations-only.toml",
        "--at",
        "2026-12-01",
    ]);
    let text = stdout(&o);
    let tier = text.find("TIER:").expect("tier line");
    let gap = text.find("GAP TO").expect("gap");
    let reqs = text.find("REQUIREMENTS").expect("table");
    assert!(tier < gap && gap < reqs, "{text}");
}

#[test]
fn same_inputs_same_bytes() {
    let args = [
        "evaluate",
        "--scheme",
        "all",
        "--profile",
        "fixtures/profiles/lock-lab-tested.toml",
        "--at",
        "2026-12-01",
        "--format",
        "json",
    ];
    assert_eq!(iotlabel(&args).stdout, iotlabel(&args).stdout);
}

#[test]
fn exit_codes_for_usage_io_and_invalid_input() {
    assert_eq!(
        iotlabel(&["evaluate", "--profile", "x.toml"]).status.code(),
        Some(2),
        "missing --scheme"
    );
    let o = iotlabel(&[
        "evaluate",
        "--scheme",
        "nope",
        "--profile",
        "fixtures/profiles/lock-lab-tested.toml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("known schemes"), "{}", stderr(&o));
    assert_eq!(
        iotlabel(&[
            "evaluate",
            "--scheme",
            "cls-like",
            "--profile",
            "does/not/exist.toml"
        ])
        .status
        .code(),
        Some(3)
    );
    let o = iotlabel(&[
        "evaluate",
        "--scheme",
        "cls-like",
        "--profile",
        "fixtures/bad/profiles/misspelt-names.toml",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("misspelt-names.toml:12:11"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        iotlabel(&[
            "evaluate",
            "--scheme",
            "cls-like",
            "--profile",
            "fixtures/profiles/lock-lab-tested.toml",
            "--at",
            "soon"
        ])
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn help_shows_an_example_per_subcommand() {
    for sub in [
        &["evaluate", "--help"][..],
        &["demo", "--help"],
        &["criteria", "check", "--help"],
    ] {
        let o = iotlabel(sub);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).contains("Example"), "{sub:?}: {}", stdout(&o));
    }
}

#[test]
fn demo_runs_the_whole_pipeline_and_leaves_the_documented_folder() {
    let dir = tempfile::tempdir().expect("tmp");
    let out_dir = dir.path().join("demo");
    let o = iotlabel(&[
        "demo",
        "--at",
        "2026-12-01",
        "--seed",
        "01",
        "--out",
        out_dir.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let profiles = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/profiles"))
        .expect("dir")
        .count();
    let schemes = iotlabel::criteria::load_bundled()
        .expect("criteria")
        .schemes
        .len();
    let eval_rows = out
        .lines()
        .filter(|l| l.split_whitespace().nth(1).is_some_and(|s| s.contains('@')))
        .count();
    assert_eq!(eval_rows, profiles * schemes, "{out}");
    // The verification table: one revoked label, the rest valid; a swapped URL and a tampered QR.
    assert!(out.contains(" REVOKED\n"), "{out}");
    assert!(out.contains("-> WRONG URL"), "{out}");
    assert!(
        out.contains("-> BAD SIGNATURE") || out.contains("-> MALFORMED"),
        "{out}"
    );
    let labels: Vec<_> = std::fs::read_dir(out_dir.join("labels"))
        .expect("labels")
        .flatten()
        .collect();
    assert!(labels.len() >= 4 * 10, "{} label files", labels.len());
    for f in [
        "trust/scheme-owner.pub",
        "trust/example-agency.cose",
        "keys/lab.pub",
        "keys/status.pub",
    ] {
        assert!(out_dir.join(f).exists(), "{f} missing");
    }
    assert!(
        !out_dir.join("trust/scheme-owner.key").exists(),
        "the root's private key must not sit with the trust files"
    );
    let status = std::fs::read_dir(out_dir.join("status"))
        .expect("status")
        .count();
    assert_eq!(status, 3, "a status list per issuer key");
    // A label from the folder verifies through the CLI with the folder's trust files.
    let txt = labels
        .iter()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "txt"))
        .expect("a .txt");
    let mut args: Vec<String> = vec![
        "verify".into(),
        "--file".into(),
        txt.display().to_string(),
        "--at".into(),
        "2026-12-02".into(),
    ];
    args.extend([
        "--trust".into(),
        out_dir
            .join("trust/example-agency.cose")
            .display()
            .to_string(),
    ]);
    args.extend([
        "--root".into(),
        out_dir.join("trust/scheme-owner.pub").display().to_string(),
    ]);
    for e in std::fs::read_dir(out_dir.join("status"))
        .expect("status")
        .flatten()
    {
        args.extend(["--status".into(), e.path().display().to_string()]);
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let v = iotlabel(&refs);
    assert!(matches!(v.status.code(), Some(0 | 18)), "{}", stdout(&v));
}

#[test]
fn a_scheme_file_can_be_evaluated_by_path() {
    let o = iotlabel(&[
        "evaluate",
        "--scheme",
        "criteria/schemes/cls-like-v1.toml",
        "--profile",
        "fixtures/profiles/speaker-declarations-only.toml",
        "--at",
        "2026-12-01",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("TIER: Level 2"), "{}", stdout(&o));
}
