//! Property tests of the evaluation engine: it never panics, it is deterministic, and raising a
//! verdict (NOT MET < INCONCLUSIVE < MET) or its provenance (declared < lab-reviewed <
//! lab-tested) never lowers the tier. Features are left alone: they change applicability.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use std::sync::OnceLock;

use iotlabel::criteria::{self, CriteriaSet};
use iotlabel::diag::SourceFile;
use iotlabel::evaluate::{Basis, Outcome, Provenance, ReqResult, compute_tiers, evaluate};
use iotlabel::profile::{
    Declared, Device, Firmware, Method, NaClaim, Profile, TestResult, Verdict,
};
use iotlabel::report::{Report, render_text};
use iotlabel::time::{DateValue, parse_at};
use proptest::prelude::*;

mod common;
use common::value_for;

fn set() -> &'static CriteriaSet {
    static SET: OnceLock<CriteriaSet> = OnceLock::new();
    SET.get_or_init(|| criteria::load_bundled().expect("criteria"))
}

#[derive(Debug, Clone)]
struct Gen {
    features: Vec<u8>,
    declared: Vec<(bool, u64)>,
    na: Vec<(u16, bool)>,
    tests: Vec<(u16, u8, bool)>,
}

fn gen_strategy() -> impl Strategy<Value = Gen> {
    let s = set();
    let nf = s.vocab.features.len();
    let np = s.vocab.properties.len();
    (
        prop::collection::vec(0u8..3, nf),
        prop::collection::vec((any::<bool>(), any::<u64>()), np),
        prop::collection::vec((any::<u16>(), any::<bool>()), 0..4),
        prop::collection::vec((any::<u16>(), 0u8..3, any::<bool>()), 0..40),
    )
        .prop_map(|(features, declared, na, tests)| Gen {
            features,
            declared,
            na,
            tests,
        })
}

fn all_requirement_ids() -> Vec<String> {
    set()
        .requirement_ids()
        .into_iter()
        .map(str::to_string)
        .collect()
}

fn build(g: &Gen) -> Profile {
    let s = set();
    let device = Device {
        manufacturer: "Prop Test Devices".into(),
        model: "P1".into(),
        variants: vec![],
        hardware_version: "1".into(),
        firmware: Firmware::Exact("1.0".into()),
        category: "other".into(),
    };
    let mut p = Profile::empty(&s.vocab, device);
    for (i, f) in g.features.iter().enumerate() {
        p.features[i] = match f {
            0 => None,
            1 => Some(false),
            _ => Some(true),
        };
    }
    for (i, (on, seed)) in g.declared.iter().enumerate() {
        if *on {
            let ty = &s.vocab.properties[i].ty;
            p.declared[i] = Some(Declared {
                value: value_for(ty, *seed),
                evidence: None,
            });
        }
    }
    let ids = all_requirement_ids();
    for (i, justified) in &g.na {
        let id = ids[usize::from(*i) % ids.len()].clone();
        p.not_applicable.insert(
            id,
            NaClaim {
                justification: if *justified {
                    "because".into()
                } else {
                    String::new()
                },
            },
        );
    }
    for (i, v, functional) in &g.tests {
        p.tested.push(TestResult {
            requirement: ids[usize::from(*i) % ids.len()].clone(),
            test_case: None,
            verdict: [Verdict::Fail, Verdict::Inconclusive, Verdict::Pass][usize::from(*v)],
            method: if *functional {
                Method::Functional
            } else {
                Method::Conceptual
            },
            lab: "lab".into(),
            date: DateValue::parse("2026-01-01").expect("date"),
            evidence_digest: None,
            note: None,
        });
    }
    p
}

fn at() -> jiff::Timestamp {
    parse_at("2026-12-01").expect("time")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn evaluation_is_total_and_deterministic(g in gen_strategy()) {
        let p = build(&g);
        for scheme in &set().schemes {
            let a = evaluate(scheme, &p, at());
            let b = evaluate(scheme, &p, at());
            prop_assert_eq!(&a, &b);
            let ra = Report::new(scheme, &set().vocab, &p, &a);
            let rb = Report::new(scheme, &set().vocab, &p, &b);
            prop_assert_eq!(ra.to_json(), rb.to_json());
            prop_assert_eq!(render_text(&ra), render_text(&rb));
            // The tier is consistent with the per-tier flags.
            if let Some(t) = a.tier {
                prop_assert!(a.tiers[..=t].iter().all(|x| x.holds));
            }
        }
    }

    #[test]
    fn raising_a_lab_verdict_never_lowers_the_tier(g in gen_strategy(), pick in any::<u16>(), functional in any::<bool>()) {
        let base = build(&g);
        for scheme in &set().schemes {
            let req = &scheme.requirements[usize::from(pick) % scheme.requirements.len()];
            let with = |v: Verdict, m: Method| {
                let mut p = base.clone();
                p.tested.retain(|t| t.requirement != req.id);
                p.tested.push(TestResult {
                    requirement: req.id.clone(), test_case: None, verdict: v, method: m, lab: "lab".into(),
                    date: DateValue::parse("2026-01-01").expect("date"), evidence_digest: None, note: None,
                });
                evaluate(scheme, &p, at()).tier.map_or(0, |i| i + 1)
            };
            let m = if functional { Method::Functional } else { Method::Conceptual };
            let fail = with(Verdict::Fail, m);
            let inconclusive = with(Verdict::Inconclusive, m);
            let pass = with(Verdict::Pass, m);
            prop_assert!(fail <= inconclusive && inconclusive <= pass, "{} {}: {fail} {inconclusive} {pass}", scheme.key(), req.id);
            // Provenance: a functional PASS is never worse than a conceptual one.
            prop_assert!(with(Verdict::Pass, Method::Conceptual) <= with(Verdict::Pass, Method::Functional));
        }
    }

    #[test]
    fn raising_a_result_never_lowers_the_tier(
        seeds in prop::collection::vec((0u8..6, 0u8..3), 1..80),
        pick in any::<u16>(),
        step in 0u8..4,
    ) {
        for scheme in &set().schemes {
            let n = scheme.requirements.len();
            let provs = [Provenance::Declared, Provenance::LabReviewed, Provenance::LabTested];
            let outcomes = [Outcome::NotMet, Outcome::Inconclusive, Outcome::Met, Outcome::NotAssessed, Outcome::Contradicted, Outcome::NotApplicable];
            let results: Vec<ReqResult> = (0..n).map(|i| {
                let (o, pv) = seeds[i % seeds.len()];
                ReqResult { outcome: outcomes[usize::from(o)], provenance: Some(provs[usize::from(pv)]), basis: Basis::Rule }
            }).collect();
            let i = usize::from(pick) % n;
            let mut raised = results.clone();
            let r = &mut raised[i];
            match (step, r.outcome) {
                (0, Outcome::NotMet) => r.outcome = Outcome::Inconclusive,
                (1, Outcome::Inconclusive | Outcome::NotMet) => r.outcome = Outcome::Met,
                (2, _) => r.provenance = Some(Provenance::LabTested),
                (3, Outcome::Met) if r.provenance == Some(Provenance::Declared) => r.provenance = Some(Provenance::LabReviewed),
                _ => {}
            }
            let before = compute_tiers(scheme, &results).1.map_or(0, |t| t + 1);
            let after = compute_tiers(scheme, &raised).1.map_or(0, |t| t + 1);
            prop_assert!(after >= before, "{}: {before} -> {after}", scheme.key());
        }
    }

    #[test]
    fn profile_parser_never_panics(text in "\\PC{0,400}") {
        let f = SourceFile::new("fuzz.toml", text);
        let _ = Profile::parse(&f, set());
    }

    #[test]
    fn profile_parser_never_panics_on_toml_like_input(
        lines in prop::collection::vec(prop::sample::select(vec![
            "[device]", "manufacturer = \"A\"", "model = \"B\"", "hardware_version = \"1\"", "firmware_version = \"1\"",
            "category = \"camera\"", "[features]", "passwords_used = true", "[declared.\"support.period_end\"]",
            "value = \"2027-02\"", "value = 2027-02-30", "value = [1, 1]", "[[tested]]", "requirement = \"5.1-1\"",
            "verdict = \"PASS\"", "method = \"functional\"", "lab = \"x\"", "date = 2026-01-01", "[not_applicable.\"5.7-1\"]",
            "justification = \"\"", "value = 99999999999999999999", "test_case = \"5.1-1-\"", "x = { a = [ { b = 1 } ] }",
        ]), 0..30)
    ) {
        let f = SourceFile::new("fuzz.toml", lines.join("\n"));
        let _ = Profile::parse(&f, set());
    }

    #[test]
    fn criteria_loader_never_panics(text in "\\PC{0,300}") {
        let mut files = criteria::bundled_files();
        files.push(SourceFile::new("fuzz.toml", format!("[scheme]\n{text}")));
        let _ = criteria::load_files(&files);
    }
}
