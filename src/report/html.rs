//! The assessment report as one self-contained HTML file.
//!
//! Built from the report's JSON value (`iotlabel-report/1`), not from the typed [`Report`]: the
//! caller parses the `.report.json` that `iotlabel issue` wrote, so the page shows exactly what
//! the label's evidence digest covers, and prints that digest (SHA-256 of the canonical JSON,
//! see [`report_digest`]) for a reader to compare with the label.
//!
//! The page has inline CSS only: no scripts, no fonts, images, style sheets or links to fetch,
//! so it opens offline, prints on A4 in black and white, and can be archived as it is. Every
//! text from the report is HTML-escaped. The same input gives the same bytes (no generation
//! time, no random ids).
//!
//! [`Report`]: super::Report

use std::fmt::Write as _;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::criteria::digest::canonical_json;

/// The language of the headings and fixed words (the report's own texts are as written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Japanese headings, English body texts.
    Ja,
}

/// Why a JSON value could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HtmlError {
    /// Not an assessment report (another `format`, or no `format` at all).
    #[error(
        "not an assessment report: `format` is {found}, expected \"{}\" (the <label-id>.report.json that `iotlabel issue` writes)",
        super::REPORT_FORMAT
    )]
    NotAReport {
        /// The `format` found, as JSON.
        found: String,
    },
}

/// SHA-256 of the report's canonical JSON (keys sorted, no spaces): the bytes `iotlabel issue`
/// writes to `<label-id>.report.json`. A label carries its first 16 bytes as the evidence digest.
pub fn report_digest(report: &Value) -> [u8; 32] {
    Sha256::digest(canonical_json(report).as_bytes()).into()
}

/// Renders a report JSON value as a complete HTML document. `label` is the label's claims as
/// `iotlabel issue` writes them (`<label-id>.json`: `label_id`, `issuer`, `issued_at`,
/// `expires`, `evidence_digest`), shown with whether its evidence digest matches this report.
pub fn to_html(report: &Value, label: Option<&Value>, lang: Lang) -> Result<String, HtmlError> {
    if report.get("format").and_then(Value::as_str) != Some(super::REPORT_FORMAT) {
        return Err(HtmlError::NotAReport {
            found: report
                .get("format")
                .map_or("missing".to_string(), Value::to_string),
        });
    }
    let w = Words::of(lang);
    let digest = hex::encode(report_digest(report));
    let r = report;
    let device = &r["device"];
    let scheme = &r["scheme"];
    let compliance = scheme["kind"].as_str() == Some("compliance");
    let mut h = String::new();
    let title = format!(
        "{} {} {} — {}",
        w.title,
        txt(&device["manufacturer"]),
        txt(&device["model"]),
        txt(&scheme["name"])
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        w.lang,
        esc(&title)
    );

    // Header: what, for which device, under which scheme, when.
    let _ = writeln!(h, "<header>\n<h1>{}</h1>", esc(w.title));
    let _ = writeln!(
        h,
        "<p class=\"lead\">{} {} — {} <code>{}@{}</code></p>",
        esc(&txt(&device["manufacturer"])),
        esc(&txt(&device["model"])),
        esc(&txt(&scheme["name"])),
        esc(&txt(&scheme["id"])),
        esc(&txt(&scheme["version"]))
    );
    let _ = writeln!(
        h,
        "<p>{}: <time>{}</time></p>\n</header>",
        esc(w.evaluated_at),
        esc(&txt(&r["evaluated_at"]))
    );

    // Result first.
    let _ = writeln!(h, "<section class=\"result\">\n<h2>{}</h2>", esc(w.result));
    let headline = match (&r["tier"], compliance) {
        (Value::Object(_), true) => "COMPLIANT".to_string(),
        (_, true) => "NOT COMPLIANT".to_string(),
        (t @ Value::Object(_), false) => txt(&t["label"]),
        (_, false) => w.no_tier.to_string(),
    };
    let _ = writeln!(
        h,
        "<p class=\"tier\"><span class=\"k\">{}</span> <strong>{}</strong></p>",
        esc(if compliance { w.compliance } else { w.tier }),
        esc(&headline)
    );
    if let Some(a) = r["tier"]["assurance"].as_str() {
        let _ = writeln!(
            h,
            "<p>{}: <strong>{}</strong></p>",
            esc(w.assurance),
            esc(a)
        );
    }
    if scheme["illustrative"].as_bool() == Some(true) {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(w.illustrative));
    }
    table(
        &mut h,
        &[w.rank, w.tier, w.assurance, w.holds, w.satisfied],
        arr(&r["tiers"]).iter().map(|t| {
            vec![
                cell(&txt(&t["rank"])),
                cell(&txt(&t["label"])),
                cell(&txt(&t["assurance"])),
                if t["holds"].as_bool() == Some(true) {
                    "<td class=\"yes\">✔ yes</td>".to_string()
                } else {
                    "<td class=\"no\">✘ no</td>".to_string()
                },
                cell(&format!(
                    "{} / {}",
                    txt(&t["satisfied"]),
                    txt(&t["required"])
                )),
            ]
        }),
    );
    let _ = writeln!(h, "</section>");

    // The gap to the next tier.
    let _ = writeln!(h, "<section class=\"gap\">");
    match &r["next_tier"] {
        Value::Object(_) => {
            let next = &r["next_tier"];
            let _ = writeln!(
                h,
                "<h2>{}: {} <span class=\"k\">({} {})</span></h2>",
                esc(w.gap),
                esc(&txt(&next["label"])),
                esc(w.needs),
                esc(&txt(&next["assurance"]))
            );
            table(
                &mut h,
                &[
                    w.id,
                    w.title_col,
                    w.status,
                    w.why,
                    w.needs,
                    w.detail,
                    w.todo,
                ],
                arr(&next["blockers"]).iter().map(|b| {
                    vec![
                        cell_code(&txt(&b["id"])),
                        cell(&txt(&b["title"])),
                        cell(&txt(&b["status"])),
                        cell(&txt(&b["reason_text"])),
                        cell(&txt(&b["needs"])),
                        cell(&txt(&b["detail"])),
                        cell(&txt(&b["remediation"])),
                    ]
                }),
            );
        }
        _ => {
            let _ = writeln!(h, "<h2>{}</h2>\n<p>{}</p>", esc(w.gap), esc(w.top));
        }
    }
    let _ = writeln!(h, "</section>");

    // Device and scheme.
    let _ = writeln!(
        h,
        "<section class=\"facts\">\n<h2>{}</h2>\n<dl>",
        esc(w.device)
    );
    let firmware = match &device["firmware"] {
        Value::Object(m) => match (m.get("exact"), m.get("minimum")) {
            (Some(v), _) => txt(v),
            (None, Some(v)) => format!("{} {}", txt(v), w.or_later),
            _ => "—".into(),
        },
        other => txt(other),
    };
    let variants: Vec<String> = arr(&device["variants"]).iter().map(txt).collect();
    for (k, v) in [
        (w.manufacturer, txt(&device["manufacturer"])),
        (w.model, txt(&device["model"])),
        (
            w.variants,
            if variants.is_empty() {
                "—".into()
            } else {
                variants.join(", ")
            },
        ),
        (w.hardware, txt(&device["hardware_version"])),
        (w.firmware, firmware),
        (w.category, txt(&device["category"])),
        (w.support_end, txt(&r["support_period_end"])),
    ] {
        dl(&mut h, k, &v);
    }
    let _ = writeln!(h, "</dl>\n<h2>{}</h2>\n<dl>", esc(w.scheme));
    for (k, v) in [
        (w.name, txt(&scheme["name"])),
        (
            w.id,
            format!("{}@{}", txt(&scheme["id"]), txt(&scheme["version"])),
        ),
        (w.issuing_body, txt(&scheme["issuing_body"])),
        (w.kind, txt(&scheme["kind"])),
    ] {
        dl(&mut h, k, &v);
    }
    let _ = writeln!(
        h,
        "<dt>{}</dt><dd><code class=\"digest\">{}</code></dd>\n</dl>\n</section>",
        esc(w.criteria_digest),
        esc(&txt(&scheme["criteria_digest"]))
    );

    // Every requirement.
    let reqs = arr(&r["requirements"]);
    let _ = writeln!(
        h,
        "<section class=\"reqs\">\n<h2>{} ({})</h2>",
        esc(w.requirements),
        reqs.len()
    );
    table(
        &mut h,
        &[
            w.id,
            w.title_col,
            w.status,
            w.outcome,
            w.provenance,
            w.detail,
            w.evidence,
        ],
        reqs.iter().map(|q| {
            let outcome = txt(&q["outcome"]);
            let mut title = esc(&txt(&q["title"]));
            if let Some(c) = q["clause"].as_str() {
                let _ = write!(
                    title,
                    "<br><span class=\"k\">{} {}</span>",
                    esc(w.clause),
                    esc(c)
                );
            }
            if q["confirmed"].as_bool() == Some(false) {
                let _ = write!(title, "<br><span class=\"k\">{}</span>", esc(w.unconfirmed));
            }
            let mut evidence: Vec<String> = arr(&q["evidence"])
                .iter()
                .map(|e| format!("<code>{}</code>", esc(&txt(e))))
                .collect();
            for l in arr(&q["lab_results"]) {
                let mut s = format!(
                    "{} {}: {} ({}, {})",
                    esc(w.lab),
                    esc(&txt(&l["lab"])),
                    esc(&txt(&l["verdict"])),
                    esc(&txt(&l["method"])),
                    esc(&txt(&l["date"]))
                );
                if let Some(tc) = l["test_case"].as_str() {
                    let _ = write!(s, " {}", esc(tc));
                }
                if let Some(d) = l["evidence_digest"].as_str() {
                    let _ = write!(s, " <code class=\"digest\">{}</code>", esc(d));
                }
                evidence.push(s);
            }
            vec![
                cell_code(&txt(&q["id"])),
                format!("<td>{title}</td>"),
                cell(&txt(&q["status"])),
                format!(
                    "<td class=\"o {}\">{}</td>",
                    esc(&outcome.to_ascii_lowercase()),
                    esc(&outcome.replace('_', " "))
                ),
                cell(&txt(&q["provenance"])),
                cell(&txt(&q["detail"])),
                format!("<td>{}</td>", evidence.join("<br>")),
            ]
        }),
    );
    let _ = writeln!(h, "</section>");

    let held = arr(&r["recognised"]);
    if !held.is_empty() {
        let _ = writeln!(h, "<section>\n<h2>{}</h2>", esc(w.recognised));
        table(
            &mut h,
            &[w.scheme, w.reference, w.effect],
            held.iter().map(|l| {
                vec![
                    cell(&txt(&l["scheme"])),
                    cell(&txt(&l["reference"])),
                    cell(&txt(&l["effect"])),
                ]
            }),
        );
        let _ = writeln!(h, "</section>");
    }
    let unstated: Vec<String> = arr(&r["unstated_features"]).iter().map(txt).collect();
    if !unstated.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}: {}</p>",
            esc(w.unstated),
            esc(&unstated.join(", "))
        );
    }

    // The label, if given, and the digest.
    let _ = writeln!(h, "<section class=\"digest-box\">");
    if let Some(l) = label {
        let _ = writeln!(h, "<h2>{}</h2>\n<dl>", esc(w.label));
        for (k, v) in [
            (w.label_id, txt(&l["label_id"])),
            (w.issuer, txt(&l["issuer"])),
            (w.issued_at, txt(&l["issued_at"])),
            (w.expires, txt(&l["expires"])),
        ] {
            dl(&mut h, k, &v);
        }
        let carried = txt(&l["evidence_digest"]).to_ascii_lowercase();
        let matches = carried.len() == 32 && digest.starts_with(&carried);
        let _ = writeln!(
            h,
            "<dt>{}</dt><dd><code class=\"digest\">{}</code> <strong class=\"{}\">{}</strong></dd>\n</dl>\n<p class=\"note\">{}</p>",
            esc(w.evidence_digest),
            esc(&carried),
            if matches { "yes" } else { "no" },
            esc(if matches { w.matches } else { w.mismatch }),
            esc(w.label_unverified)
        );
    }
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<p><code class=\"digest\">{}</code></p>\n<p>{} <code class=\"digest\">{}</code></p>\n</section>",
        esc(w.report_digest),
        digest,
        esc(w.digest_explained),
        &digest[..32]
    );
    let _ = writeln!(
        h,
        "<footer>{} <code>{}</code></footer>\n</body>\n</html>",
        esc(w.footer),
        super::REPORT_FORMAT
    );
    Ok(h)
}

/// Print-friendly, black-and-white safe: outcome colours are backed by words and symbols.
const CSS: &str = "\
:root { color-scheme: light; }
body { font: 10.5pt/1.4 system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans JP', sans-serif; color: #111; margin: 1.5rem auto; max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid #999; }
.lead { font-size: 1.1rem; margin: 0; }
.k { color: #444; font-weight: normal; font-size: .9em; }
.tier { font-size: 1.6rem; margin: .5rem 0; }
.note { border-left: 3px solid #999; padding-left: .5rem; color: #333; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid #bbb; padding: .2rem .35rem; text-align: left; vertical-align: top; }
th { background: #eee; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
code { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: .9em; }
.digest { word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; }
dt { font-weight: bold; }
dd { margin: 0; }
.yes, .o.met { background: #e6f4e6; }
.no, .o.not_met, .o.contradicted { background: #fbe3e3; font-weight: bold; }
.o.inconclusive, .o.not_assessed { background: #fff4d6; }
.o.not_applicable { color: #444; }
.digest-box { border: 1px solid #999; padding: 0 .75rem .5rem; margin-top: 1.5rem; }
footer { margin-top: 1.5rem; color: #555; font-size: .85em; }
@page { size: A4; margin: 15mm; }
@media print { body { margin: 0; max-width: none; font-size: 9pt; } h2 { break-after: avoid; } }
";

/// Text of a JSON value: strings as they are, null as a dash, anything else as JSON.
fn txt(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

/// HTML-escapes text for element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn cell(s: &str) -> String {
    format!("<td>{}</td>", esc(s))
}

fn cell_code(s: &str) -> String {
    format!("<td><code>{}</code></td>", esc(s))
}

fn dl(h: &mut String, k: &str, v: &str) {
    let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
}

/// A table; `rows` are already-rendered `<td>` cells.
fn table(h: &mut String, head: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    h.push_str("<table>\n<thead><tr>");
    for c in head {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        h.push_str("<tr>");
        for c in row {
            h.push_str(&c);
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

/// Headings and fixed words in one language.
struct Words {
    lang: &'static str,
    title: &'static str,
    evaluated_at: &'static str,
    result: &'static str,
    tier: &'static str,
    compliance: &'static str,
    no_tier: &'static str,
    assurance: &'static str,
    illustrative: &'static str,
    rank: &'static str,
    holds: &'static str,
    satisfied: &'static str,
    gap: &'static str,
    needs: &'static str,
    top: &'static str,
    id: &'static str,
    title_col: &'static str,
    status: &'static str,
    why: &'static str,
    detail: &'static str,
    todo: &'static str,
    device: &'static str,
    manufacturer: &'static str,
    model: &'static str,
    variants: &'static str,
    hardware: &'static str,
    firmware: &'static str,
    or_later: &'static str,
    category: &'static str,
    support_end: &'static str,
    scheme: &'static str,
    name: &'static str,
    issuing_body: &'static str,
    kind: &'static str,
    criteria_digest: &'static str,
    requirements: &'static str,
    clause: &'static str,
    unconfirmed: &'static str,
    outcome: &'static str,
    provenance: &'static str,
    evidence: &'static str,
    lab: &'static str,
    recognised: &'static str,
    reference: &'static str,
    effect: &'static str,
    unstated: &'static str,
    label: &'static str,
    label_id: &'static str,
    issuer: &'static str,
    issued_at: &'static str,
    expires: &'static str,
    evidence_digest: &'static str,
    matches: &'static str,
    mismatch: &'static str,
    label_unverified: &'static str,
    report_digest: &'static str,
    digest_explained: &'static str,
    footer: &'static str,
}

impl Words {
    fn of(lang: Lang) -> &'static Words {
        match lang {
            Lang::En => &EN,
            Lang::Ja => &JA,
        }
    }
}

static EN: Words = Words {
    lang: "en",
    title: "Cybersecurity assessment report",
    evaluated_at: "Evaluated at",
    result: "Result",
    tier: "Tier reached:",
    compliance: "Compliance:",
    no_tier: "none",
    assurance: "Assurance",
    illustrative: "Illustrative scheme: parts are not confirmed from the official text.",
    rank: "Rank",
    holds: "Holds",
    satisfied: "Satisfied",
    gap: "Gap to the next tier",
    needs: "needs",
    top: "The top tier is reached.",
    id: "Id",
    title_col: "Requirement",
    status: "Status",
    why: "Why it blocks",
    detail: "Detail",
    todo: "What to do",
    device: "Device",
    manufacturer: "Manufacturer",
    model: "Model",
    variants: "Variants",
    hardware: "Hardware version",
    firmware: "Firmware",
    or_later: "or later",
    category: "Category",
    support_end: "Security updates until",
    scheme: "Scheme",
    name: "Name",
    issuing_body: "Issuing body",
    kind: "Kind",
    criteria_digest: "Criteria digest",
    requirements: "Requirements",
    clause: "clause",
    unconfirmed: "text not confirmed from the official source",
    outcome: "Outcome",
    provenance: "Provenance",
    evidence: "Evidence",
    lab: "lab",
    recognised: "Labels held under other schemes",
    reference: "Reference",
    effect: "Effect here",
    unstated: "Features the profile does not state (their conditions were treated as holding)",
    label: "Label",
    label_id: "Label id",
    issuer: "Issuer",
    issued_at: "Issued",
    expires: "Expires",
    evidence_digest: "Evidence digest on the label",
    matches: "matches this report",
    mismatch: "DOES NOT MATCH this report",
    label_unverified: "Label details are copied from the label's claims file, not verified here: verify the label itself with `iotlabel verify`.",
    report_digest: "Report digest (SHA-256 of the canonical JSON)",
    digest_explained: "A label issued on this report carries the first 16 bytes as its evidence digest:",
    footer: "Rendered from the canonical JSON report",
};

static JA: Words = Words {
    lang: "ja",
    title: "サイバーセキュリティ評価報告書",
    evaluated_at: "評価日時",
    result: "結果",
    tier: "到達レベル:",
    compliance: "適合性:",
    no_tier: "なし",
    assurance: "保証水準",
    illustrative: "例示用の制度: 一部は公式文書で確認されていません。",
    rank: "順位",
    holds: "達成",
    satisfied: "充足",
    gap: "次のレベルまでの差",
    needs: "必要",
    top: "最高レベルに到達しています。",
    id: "ID",
    title_col: "要件",
    status: "区分",
    why: "阻害理由",
    detail: "詳細",
    todo: "対応",
    device: "機器",
    manufacturer: "製造者",
    model: "型式",
    variants: "派生型式",
    hardware: "ハードウェア版",
    firmware: "ファームウェア",
    or_later: "以降",
    category: "分類",
    support_end: "セキュリティ更新期限",
    scheme: "制度",
    name: "名称",
    issuing_body: "発行機関",
    kind: "種別",
    criteria_digest: "基準ダイジェスト",
    requirements: "要件一覧",
    clause: "条項",
    unconfirmed: "公式文書で未確認",
    outcome: "判定",
    provenance: "根拠",
    evidence: "証跡",
    lab: "試験所",
    recognised: "他制度のラベル",
    reference: "参照",
    effect: "本評価での効果",
    unstated: "プロファイルに記載のない機能（条件は成立として扱いました）",
    label: "ラベル",
    label_id: "ラベルID",
    issuer: "発行者",
    issued_at: "発行日時",
    expires: "有効期限",
    evidence_digest: "ラベル上の証跡ダイジェスト",
    matches: "本報告書と一致",
    mismatch: "本報告書と不一致",
    label_unverified: "ラベル情報はクレームファイルからの転記で、ここでは検証していません。`iotlabel verify` で検証してください。",
    report_digest: "報告書ダイジェスト（正規化JSONのSHA-256）",
    digest_explained: "この報告書に基づくラベルは、先頭16バイトを証跡ダイジェストとして保持します:",
    footer: "正規化JSON報告書から生成",
};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(
            esc(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn refuses_what_is_not_a_report() {
        let e = to_html(
            &serde_json::json!({"format": "iotlabel-evaluation/1"}),
            None,
            Lang::En,
        )
        .unwrap_err();
        assert!(e.to_string().contains("\"iotlabel-evaluation/1\""), "{e}");
        assert!(to_html(&serde_json::json!([1, 2]), None, Lang::En).is_err());
    }
}
