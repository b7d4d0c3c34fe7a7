//! Label template TOML -> parsed (a sheet's `label` resolves to the bundled templates),
//! diagnostics rendered as the CLI renders them; a template that loads is checked with the
//! longest texts a label may carry (`iotlabel template check`).
//! Oracles: no panic; every diagnostic's span lies in its file.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

use iotlabel::artwork::template;
use iotlabel::diag::SourceFile;

fn seeds(_: &common::Setup) -> Vec<Vec<u8>> {
    let mut out = common::repo_tomls("label-templates");
    out.extend(common::repo_tomls("fixtures/bad/templates"));
    out
}

fuzz_target!(init: common::seeds(seeds), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile::new("fuzz.toml", text);
    match template::parse(file, &|name| template::load_bundled(name)) {
        Ok(t) => {
            let _ = iotlabel::artwork::check_template(&t, 300);
        }
        Err(d) => {
            let _ = common::render_diagnostics(&d);
        }
    }
});
