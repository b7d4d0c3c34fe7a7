//! Criteria TOML -> loaded on top of the bundled criteria (as `iotlabel criteria check FILE`
//! does: a file replaces the bundled one defining the same thing), diagnostics rendered as
//! the CLI renders them; when it loads, a fixture profile is evaluated under every scheme.
//! Oracles: no panic; every diagnostic's span lies in its file; a set that loads evaluates.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

use iotlabel::criteria::{bundled_files, load_overlay};
use iotlabel::diag::SourceFile;

fn seeds(_: &common::Setup) -> Vec<Vec<u8>> {
    let mut out = common::repo_tomls("criteria");
    out.extend(common::repo_tomls("fixtures/bad/criteria"));
    out
}

fuzz_target!(init: common::seeds(seeds), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile::new("fuzz.toml", text);
    let (set, diags) = load_overlay(bundled_files(), vec![file]);
    for d in &diags.0 {
        if let Some((line, col)) = d.line_col() {
            assert!(line >= 1 && col >= 1, "diagnostic at {line}:{col}");
        }
    }
    let _ = common::render_diagnostics(&diags);
    if diags.has_errors() {
        return;
    }
    let profile_text = include_str!("../../fixtures/profiles/router-lab-reviewed-l1.toml");
    let pf = SourceFile::new("router.toml", profile_text);
    if let Ok(p) = iotlabel::profile::Profile::parse(&pf, &set) {
        for scheme in &set.schemes {
            let ev = iotlabel::evaluate::evaluate(scheme, &p, common::at());
            let r = iotlabel::report::Report::new(scheme, &set.vocab, &p, &ev);
            let _ = iotlabel::report::render_text(&r);
        }
    }
});
