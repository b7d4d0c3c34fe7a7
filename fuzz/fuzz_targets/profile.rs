//! Device profile TOML -> parsed and validated against the bundled criteria, diagnostics
//! rendered as the CLI renders them; a profile that loads is evaluated under every scheme and
//! its report rendered as text and JSON.
//! Oracles: no panic; every diagnostic's span lies in its file; evaluation is deterministic
//! (twice the same report).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

use iotlabel::diag::SourceFile;
use iotlabel::profile::Profile;

fn seeds(_: &common::Setup) -> Vec<Vec<u8>> {
    let mut out = common::repo_tomls("fixtures/profiles");
    out.extend(common::repo_tomls("fixtures/bad/profiles"));
    out
}

fuzz_target!(init: common::seeds(seeds), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let s = common::setup();
    let file = SourceFile::new("fuzz.toml", text);
    let p = match Profile::parse(&file, &s.set) {
        Ok(p) => p,
        Err(d) => {
            assert!(d.has_errors(), "refused without an error");
            let _ = common::render_diagnostics(&d);
            return;
        }
    };
    for scheme in &s.set.schemes {
        let ev = iotlabel::evaluate::evaluate(scheme, &p, common::at());
        let r = iotlabel::report::Report::new(scheme, &s.set.vocab, &p, &ev);
        let json = r.to_json();
        let _ = iotlabel::report::render_text(&r);
        let ev2 = iotlabel::evaluate::evaluate(scheme, &p, common::at());
        let r2 = iotlabel::report::Report::new(scheme, &s.set.vocab, &p, &ev2);
        assert_eq!(json, r2.to_json(), "evaluation is not deterministic");
    }
});
