//! `iotlabel profile init`: for every scheme, the skeleton asks for every feature and property
//! the scheme's rules and conditions use; unfilled, it is rejected ("not filled in yet") at each
//! placeholder; filled with a fixture's values (defaults where the fixture is silent), it
//! validates.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::path::Path;

use iotlabel::criteria;
use iotlabel::diag::SourceFile;
use iotlabel::profile::Profile;
use iotlabel::profile::skeleton::{PLACEHOLDER, skeleton};
use iotlabel::value::{PropertyType, SetItem};
use toml::{Table, Value};

fn fixture(name: &str) -> Table {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/profiles")
            .join(name),
    )
    .unwrap();
    text.parse::<Table>().unwrap()
}

fn default_for(ty: &PropertyType) -> Value {
    match ty {
        PropertyType::Bool => Value::Boolean(true),
        PropertyType::Int { min, .. } => Value::Integer(min.unwrap_or(1).max(1)),
        PropertyType::Enum(v) => Value::String(v[0].clone()),
        PropertyType::Version => Value::String("1.2".into()),
        PropertyType::Date => Value::String("2030-06".into()),
        PropertyType::Url => Value::String("https://example.com/doc".into()),
        PropertyType::Set(SetItem::Int) => Value::Array(vec![Value::Integer(443)]),
        PropertyType::Set(SetItem::String) => Value::Array(vec![Value::String("wifi".into())]),
        PropertyType::Text => Value::String("text".into()),
    }
}

#[test]
fn every_scheme_skeleton_validates_once_filled_with_fixture_values() {
    let set = criteria::load_bundled().unwrap();
    let source = fixture("lock-v3-full.toml");
    for scheme in &set.schemes {
        let text = skeleton(&set.vocab, &[scheme]);
        assert!(text.contains(PLACEHOLDER), "{}", scheme.key());

        // Unfilled: rejected, with one "not filled in yet" per placeholder.
        let unfilled =
            Profile::parse(&SourceFile::new("skeleton.toml", text.clone()), &set).unwrap_err();
        let placeholders = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.matches(&format!("\"{PLACEHOLDER}")).count())
            .sum::<usize>();
        let reported = unfilled
            .0
            .iter()
            .filter(|d| d.code == iotlabel::diag::Code::Placeholder)
            .count();
        assert_eq!(reported, placeholders, "{}: {unfilled}", scheme.key());

        // Filled with the fixture's answers.
        let mut t: Table = text.parse().unwrap();
        t.insert("device".into(), source["device"].clone());
        let features = t.get_mut("features").and_then(Value::as_table_mut).unwrap();
        for (k, v) in features.iter_mut() {
            *v = source["features"]
                .get(k)
                .cloned()
                .unwrap_or(Value::Boolean(false));
        }
        if let Some(declared) = t.get_mut("declared").and_then(Value::as_table_mut) {
            for (name, entry) in declared.iter_mut() {
                let prop = set.vocab.prop(set.vocab.property(name).unwrap());
                let from_fixture = source
                    .get("declared")
                    .and_then(|d| d.get(name))
                    .and_then(|d| d.get("value"))
                    .cloned();
                let e = entry.as_table_mut().unwrap();
                e.insert(
                    "value".into(),
                    from_fixture.unwrap_or_else(|| default_for(&prop.ty)),
                );
                e.insert(
                    "evidence".into(),
                    Value::String("https://example.com/evidence".into()),
                );
            }
        }
        let filled = toml::to_string(&t).unwrap();
        if let Err(d) = Profile::parse(&SourceFile::new("filled.toml", filled.clone()), &set) {
            panic!(
                "{}: the filled skeleton does not validate:\n{d}\n{filled}",
                scheme.key()
            );
        }
    }
}

#[test]
fn a_multi_scheme_skeleton_asks_each_question_once() {
    let set = criteria::load_bundled().unwrap();
    let all: Vec<_> = set.schemes.iter().collect();
    let text = skeleton(&set.vocab, &all);
    let t: Table = text
        .parse()
        .expect("the skeleton is valid TOML (no duplicate keys)");
    let declared = t.get("declared").and_then(Value::as_table).unwrap();
    // Every property any rule uses is asked.
    let mut used = Vec::new();
    for s in &set.schemes {
        for r in &s.requirements {
            r.rule.properties(&mut used);
        }
    }
    for p in used {
        assert!(
            declared.contains_key(&set.vocab.prop(p).name),
            "{} not asked",
            set.vocab.prop(p).name
        );
    }
}
