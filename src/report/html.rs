//! The assessment report as one self-contained HTML file.
//!
//! Built from the report's JSON value (`iotlabel-report/1`, read back as the typed [`Report`]),
//! not from a fresh evaluation: the caller parses the `.report.json` that `iotlabel issue`
//! wrote, so the page shows exactly what
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

use super::view::View;
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

impl Lang {
    /// The BCP 47 tag (`en`, `ja`), which also names its words in `words.toml`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }
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
    /// The JSON is not shaped as this version writes it: a field is missing, renamed, of
    /// another type, or (in the report) unknown.
    #[error("{file}: not as `iotlabel issue` writes it: {error}")]
    Shape {
        /// `report` or `label claims`.
        file: &'static str,
        /// What serde found.
        error: String,
    },
    /// A text the report or claims file would show holds a character the project never
    /// shows (bidirectional controls, line separators, other invisible characters).
    #[error(
        "{file} {path}: {error}; only letters, marks, numbers, punctuation, symbols and spaces are shown"
    )]
    Text {
        /// `report` or `label claims`.
        file: &'static str,
        /// Where in the JSON, e.g. `device.model`.
        path: String,
        /// The character and its position.
        error: crate::text::TextError,
    },
}

/// Checks every key and string of a JSON value by Unicode category (`crate::text`): the first
/// one that holds a character that is never shown, with its JSON path.
pub(crate) fn check_json_text(file: &'static str, v: &Value) -> Result<(), HtmlError> {
    fn walk(v: &Value, path: &mut String, out: &mut Option<(String, crate::text::TextError)>) {
        if out.is_some() {
            return;
        }
        match v {
            Value::String(s) => {
                if let Err(e) = crate::text::check(s) {
                    *out = Some((path.clone(), e));
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(item, path, out);
                    path.truncate(len);
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    if let Err(e) = crate::text::check(k) {
                        *out = Some((format!("{path} key"), e));
                        return;
                    }
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    walk(item, path, out);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut found = None;
    walk(v, &mut String::new(), &mut found);
    match found {
        None => Ok(()),
        Some((path, error)) => Err(HtmlError::Text { file, path, error }),
    }
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
    Ok(html_of(&View::new(report, label, lang)?))
}

/// The page of a report already read.
pub(crate) fn html_of(v: &View) -> String {
    let w = v.w;
    let mut h = String::new();
    let title = format!(
        "{} {} {} — {}",
        w.title.as_str(),
        v.manufacturer,
        v.model,
        v.scheme_name
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        v.lang,
        esc(&title)
    );

    // Header: what, for which device, under which scheme, when.
    let _ = writeln!(h, "<header>\n<h1>{}</h1>", esc(&w.title));
    let _ = writeln!(
        h,
        "<p class=\"lead\">{} {} — {} <code>{}@{}</code></p>",
        esc(&v.manufacturer),
        esc(&v.model),
        esc(&v.scheme_name),
        esc(&v.scheme_id),
        esc(&v.scheme_version)
    );
    let _ = writeln!(
        h,
        "<p>{}: <time>{}</time></p>\n</header>",
        esc(&w.evaluated_at),
        esc(&v.evaluated_at)
    );

    // Notices before everything else (e.g. the support period has ended).
    for n in &v.notices {
        let _ = writeln!(h, "<p class=\"notice\"><strong>{}</strong></p>", esc(n));
    }
    // Result first.
    let _ = writeln!(h, "<section class=\"result\">\n<h2>{}</h2>", esc(&w.result));
    let _ = writeln!(
        h,
        "<p class=\"tier\"><span class=\"k\">{}</span> <strong>{}</strong></p>",
        esc(if v.compliance {
            w.compliance.as_str()
        } else {
            w.tier.as_str()
        }),
        esc(&v.headline)
    );
    if let Some(a) = &v.assurance {
        let _ = writeln!(
            h,
            "<p>{}: <strong>{}</strong></p>",
            esc(&w.assurance),
            esc(a)
        );
    }
    if v.illustrative {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(&w.illustrative));
    }
    table(
        &mut h,
        &[
            w.rank.as_str(),
            w.tier.as_str(),
            w.assurance.as_str(),
            w.holds.as_str(),
            w.satisfied.as_str(),
        ],
        v.tiers.iter().map(|t| {
            vec![
                cell(&t.rank),
                cell(&t.label),
                cell(&t.assurance),
                if t.holds {
                    "<td class=\"yes\">✔ yes</td>".to_string()
                } else {
                    "<td class=\"no\">✘ no</td>".to_string()
                },
                cell(&t.satisfied),
            ]
        }),
    );
    let _ = writeln!(h, "</section>");

    // The gap to the next tier.
    let _ = writeln!(h, "<section class=\"gap\">");
    match &v.next {
        Some(next) => {
            let _ = writeln!(
                h,
                "<h2>{}: {} <span class=\"k\">({} {})</span></h2>",
                esc(&w.gap),
                esc(&next.label),
                esc(&w.needs),
                esc(&next.assurance)
            );
            table(
                &mut h,
                &[
                    w.id.as_str(),
                    w.title_col.as_str(),
                    w.status.as_str(),
                    w.why.as_str(),
                    w.needs.as_str(),
                    w.detail.as_str(),
                    w.todo.as_str(),
                ],
                next.blockers.iter().map(|b| {
                    let mut row = vec![cell_code(&b[0])];
                    row.extend(b[1..].iter().map(|c| cell(c)));
                    row
                }),
            );
        }
        None => {
            let _ = writeln!(h, "<h2>{}</h2>\n<p>{}</p>", esc(&w.gap), esc(&w.top));
        }
    }
    let _ = writeln!(h, "</section>");

    // Device and scheme.
    let _ = writeln!(
        h,
        "<section class=\"facts\">\n<h2>{}</h2>\n<dl>",
        esc(&w.device)
    );
    for (k, val) in &v.device_facts {
        dl(&mut h, k, val);
    }
    let _ = writeln!(h, "</dl>\n<h2>{}</h2>\n<dl>", esc(&w.scheme));
    for (k, val) in &v.scheme_facts {
        dl(&mut h, k, val);
    }
    let _ = writeln!(
        h,
        "<dt>{}</dt><dd><code class=\"digest\">{}</code></dd>\n</dl>\n</section>",
        esc(&w.criteria_digest),
        esc(&v.criteria_digest)
    );

    // Every requirement.
    let _ = writeln!(
        h,
        "<section class=\"reqs\">\n<h2>{} ({})</h2>",
        esc(&w.requirements),
        v.requirements.len()
    );
    table(
        &mut h,
        &[
            w.id.as_str(),
            w.title_col.as_str(),
            w.status.as_str(),
            w.outcome.as_str(),
            w.provenance.as_str(),
            w.detail.as_str(),
            w.evidence.as_str(),
        ],
        v.requirements.iter().map(|q| {
            let mut title = esc(&q.title);
            if let Some(c) = &q.clause {
                let _ = write!(
                    title,
                    "<br><span class=\"k\">{} {}</span>",
                    esc(&w.clause),
                    esc(c)
                );
            }
            for n in &q.basis_notes {
                let _ = write!(title, "<br><span class=\"k\">{}</span>", esc(n));
            }
            if q.unconfirmed {
                let _ = write!(
                    title,
                    "<br><span class=\"k\">{}</span>",
                    esc(&w.unconfirmed)
                );
            }
            let mut evidence: Vec<String> = q
                .evidence
                .iter()
                .map(|e| format!("<code>{}</code>", esc(e)))
                .collect();
            for l in &q.labs {
                let mut s = format!(
                    "{} {}: {} ({}, {})",
                    esc(&w.lab),
                    esc(&l.lab),
                    esc(&l.verdict),
                    esc(&l.method),
                    esc(&l.date)
                );
                if let Some(tc) = &l.test_case {
                    let _ = write!(s, " {}", esc(tc));
                }
                if let Some(d) = &l.evidence_digest {
                    let _ = write!(s, " <code class=\"digest\">{}</code>", esc(d));
                }
                evidence.push(s);
            }
            vec![
                cell_code(&q.id),
                format!("<td>{title}</td>"),
                cell(&q.status),
                format!(
                    "<td class=\"o {}\">{}</td>",
                    esc(&q.outcome.to_ascii_lowercase()),
                    esc(&q.outcome.replace('_', " "))
                ),
                cell(&q.provenance),
                cell(&q.detail),
                format!("<td>{}</td>", evidence.join("<br>")),
            ]
        }),
    );
    let _ = writeln!(h, "</section>");

    if !v.recognised.is_empty() {
        let _ = writeln!(h, "<section>\n<h2>{}</h2>", esc(&w.recognised));
        table(
            &mut h,
            &[w.scheme.as_str(), w.reference.as_str(), w.effect.as_str()],
            v.recognised
                .iter()
                .map(|l| l.iter().map(|c| cell(c)).collect()),
        );
        let _ = writeln!(h, "</section>");
    }
    if !v.unstated.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}: {}</p>",
            esc(&w.unstated),
            esc(&v.unstated.join(", "))
        );
    }

    // The label, if given, and the digest.
    let _ = writeln!(h, "<section class=\"digest-box\">");
    if let Some(l) = &v.label {
        let _ = writeln!(h, "<h2>{}</h2>\n<dl>", esc(&w.label));
        for (k, val) in &l.facts {
            dl(&mut h, k, val);
        }
        let _ = writeln!(
            h,
            "<dt>{}</dt><dd><code class=\"digest\">{}</code> <strong class=\"{}\">{}</strong></dd>\n</dl>\n<p class=\"note\">{}</p>",
            esc(&w.evidence_digest),
            esc(&l.carried),
            if l.matches { "yes" } else { "no" },
            esc(if l.matches {
                w.matches.as_str()
            } else {
                w.mismatch.as_str()
            }),
            esc(&w.label_unverified)
        );
    }
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<p><code class=\"digest\">{}</code></p>\n<p>{} <code class=\"digest\">{}</code></p>\n</section>",
        esc(&w.report_digest),
        v.digest,
        esc(&w.digest_explained),
        v.digest_prefix()
    );
    let _ = writeln!(
        h,
        "<footer>{} <code>{}</code></footer>\n</body>\n</html>",
        esc(&w.footer),
        super::REPORT_FORMAT
    );
    h
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
.notice { border-left: 3px solid #a00; padding-left: .5rem; }
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
