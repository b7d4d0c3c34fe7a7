//! The assessment report as a PDF: A4 portrait pages drawn from the same view of the report's
//! JSON value as the HTML page ([`super::html`]), so both show the same texts, and the digest
//! printed is of the canonical JSON a label's evidence digest covers.
//!
//! Layout is a simple flow: headings, paragraphs and tables go down the page between 15 mm
//! margins; a table row never splits, and a table that runs onto a new page repeats its title
//! ("continued") and header row. Every page ends with the report digest prefix and
//! "page N of M". Text is set in the bundled fonts (Noto Sans, IPAex Gothic for Japanese) by
//! [`crate::artwork::pdf::write_pdf`], so it is extractable (`pdftotext`). Lines break at
//! spaces and after `/ - , ;`, between any two CJK characters, and inside a word only when the
//! word alone is wider than its column (digests, long links). The same input gives the same
//! bytes.
//!
//! Speed (issue 14, `cargo bench --bench artwork -- report`): text is set from the fonts'
//! cached glyph tables ([`crate::artwork::fonts`]), a table row is laid out once (again only
//! when it moves to a new page), and the writer reuses font subsets across documents.

use std::collections::HashMap;

use serde_json::Value;

use super::html::{HtmlError, Lang};
use super::view::View;
use crate::artwork::Field;
use crate::artwork::fonts::{FontChain, FontError, SetGlyph, bundled_font, width_em};
use crate::artwork::layout::{Item, PT_PER_MM, Page, TextItem, TextLine, WrapRules, wrap_glyphs};
use crate::artwork::pdf::{PdfError, write_pdf};
use crate::artwork::template::{BoxMm, QrDraw, Rgb};

/// A4 width, mm.
pub const PAGE_WIDTH: f32 = 210.0;
/// A4 height, mm.
pub const PAGE_HEIGHT: f32 = 297.0;
/// Margin on every side, mm.
const MARGIN: f32 = 15.0;
/// Width between the margins, mm.
const CONTENT: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Lowest point of the flow, mm (the page footer sits below it).
const BOTTOM: f32 = PAGE_HEIGHT - MARGIN - 5.0;
/// Body text size, pt.
const BODY: f32 = 8.5;
/// Table cells and secondary texts, pt.
const SMALL: f32 = 7.5;
/// Line pitch as a multiple of the size.
const PITCH: f32 = 1.25;
/// Cap height of Noto Sans, em (to centre a line's capitals in its pitch).
const CAP: f32 = 0.714;
/// Cell padding, mm.
const PAD_X: f32 = 1.0;
const PAD_Y: f32 = 0.8;

const BLACK: Rgb = Rgb(0, 0, 0);
const GREY: Rgb = Rgb(85, 85, 85);
const RULE: Rgb = Rgb(170, 170, 170);
const HEAD_FILL: Rgb = Rgb(232, 232, 232);
const GOOD: Rgb = Rgb(230, 244, 230);
const BAD: Rgb = Rgb(251, 227, 227);
const DOUBT: Rgb = Rgb(255, 244, 214);

/// Why a report could not be drawn as PDF.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportPdfError {
    /// The JSON is not an assessment report.
    #[error(transparent)]
    Report(#[from] HtmlError),
    /// A bundled font is missing (a build problem).
    #[error(transparent)]
    Font(#[from] FontError),
    /// The PDF writer failed.
    #[error(transparent)]
    Pdf(#[from] PdfError),
}

/// Renders a report JSON value (`iotlabel-report/1`) as an A4 PDF. `label` is the label's
/// claims file, as for [`super::html::to_html`]: its issuer and dates are shown with whether
/// its evidence digest matches this report.
pub fn to_pdf(
    report: &Value,
    label: Option<&Value>,
    lang: Lang,
) -> Result<Vec<u8>, ReportPdfError> {
    pdf_of(&View::new(report, label, lang)?)
}

/// The PDF of a report already read.
pub(crate) fn pdf_of(v: &View) -> Result<Vec<u8>, ReportPdfError> {
    let ipa = bundled_font("ipaexg.ttf")?;
    let fonts = Fonts {
        regular: FontChain {
            fonts: vec![bundled_font("NotoSans-Regular.ttf")?, ipa.clone()],
        },
        bold: FontChain {
            fonts: vec![bundled_font("NotoSans-Bold.ttf")?, ipa],
        },
    };
    let pages = layout(v, &fonts);
    let title = format!(
        "{} {} {} - {}",
        v.w.title.as_str(),
        v.manufacturer,
        v.model,
        v.scheme_name
    );
    Ok(write_pdf(&pages, &title, QrDraw::Mask)?)
}

struct Fonts {
    regular: FontChain,
    bold: FontChain,
}

impl Fonts {
    fn chain(&self, bold: bool) -> &FontChain {
        if bold { &self.bold } else { &self.regular }
    }
}

/// One paragraph of a cell or of the flow.
#[derive(Clone)]
struct Part {
    text: String,
    bold: bool,
    size: f32,
    colour: Rgb,
}

fn part(text: impl Into<String>) -> Part {
    Part {
        text: text.into(),
        bold: false,
        size: SMALL,
        colour: BLACK,
    }
}

impl Part {
    fn bold(mut self) -> Part {
        self.bold = true;
        self
    }
    fn grey(mut self) -> Part {
        self.colour = GREY;
        self
    }
    fn size(mut self, s: f32) -> Part {
        self.size = s;
        self
    }
}

/// A table cell: paragraphs stacked, on an optional background.
struct Cell {
    parts: Vec<Part>,
    fill: Option<Rgb>,
}

fn cell(parts: Vec<Part>) -> Cell {
    Cell { parts, fill: None }
}

fn text_cell(text: &str) -> Cell {
    cell(vec![part(text)])
}

/// Sets `text`; a character no bundled font has is shown as `?`.
fn set(chain: &FontChain, text: &str) -> Vec<SetGlyph> {
    let (glyphs, missing) = chain.set(text);
    if missing.is_empty() {
        return glyphs;
    }
    let q = chain.set("?").0;
    glyphs
        .into_iter()
        .map(|g| {
            if missing.contains(&g.ch) {
                q.first().cloned().unwrap_or(g)
            } else {
                g
            }
        })
        .collect()
}

/// Report texts also break after `/ - , ;` (links, lists) and split pieces wider than a line.
const REPORT_WRAP: WrapRules = WrapRules {
    break_after: &[' ', '/', '-', ',', ';'],
    split_long: true,
};

/// Lines of set glyphs by font chain (its fonts' ids, up to four), width and text.
type WrapCache = HashMap<([u64; 4], u32), HashMap<String, Vec<Vec<SetGlyph>>>>;

/// Texts a thread's cache holds before it starts afresh.
const WRAP_CACHE_TEXTS: usize = 4096;

thread_local! {
    /// Wrapped texts, per thread. The reports of a range repeat most of their texts (every
    /// requirement's title, rule and explanation, the column headings); setting and breaking
    /// them again was 6 % of a batch's CPU (`perf`, 1000 profiles, with the report PDF at about
    /// a third). A hit gives the lines computed before, so output never depends on the cache
    /// (a test compares cold and warm).
    static WRAPPED: std::cell::RefCell<(WrapCache, usize)> = Default::default();
}

/// Greedy line breaking into lines no wider than `max_em` (the label artwork's line breaker
/// with the report's rules). Hard line breaks (`\n`) are kept.
fn wrap(chain: &FontChain, text: &str, max_em: f32) -> Vec<Vec<SetGlyph>> {
    let Some(ids) = chain_key(chain) else {
        return wrap_uncached(chain, text, max_em);
    };
    let key = (ids, max_em.to_bits());
    if let Some(lines) = WRAPPED.with_borrow(|(c, _)| c.get(&key)?.get(text).cloned()) {
        return lines;
    }
    let lines = wrap_uncached(chain, text, max_em);
    WRAPPED.with_borrow_mut(|(c, n)| {
        if *n >= WRAP_CACHE_TEXTS {
            c.clear();
            *n = 0;
        }
        c.entry(key)
            .or_default()
            .insert(text.to_string(), lines.clone());
        *n += 1;
    });
    lines
}

/// The wrap cache's name for a chain of up to four fonts: their ids plus one (ids count from
/// 0; 0 marks a slot the chain does not fill).
fn chain_key(chain: &FontChain) -> Option<[u64; 4]> {
    let mut ids = [0u64; 4];
    if chain.fonts.len() > ids.len() {
        return None;
    }
    for (id, f) in ids.iter_mut().zip(&chain.fonts) {
        *id = f.id() + 1;
    }
    Some(ids)
}

fn wrap_uncached(chain: &FontChain, text: &str, max_em: f32) -> Vec<Vec<SetGlyph>> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut set_lines = wrap_glyphs(&set(chain, para), max_em, REPORT_WRAP).unwrap_or_default();
        if set_lines.is_empty() {
            set_lines.push(Vec::new());
        }
        lines.extend(set_lines);
    }
    lines
}

/// Height of `n` lines of `size` pt, mm.
fn lines_height(n: usize, size: f32) -> f32 {
    n as f32 * size * PITCH / PT_PER_MM
}

/// A text item of set lines, the first line's box starting at `top`.
fn text_item(
    chain: &FontChain,
    p: &Part,
    lines: Vec<Vec<SetGlyph>>,
    x: f32,
    top: f32,
    width: f32,
    right: bool,
) -> Item {
    let pitch = p.size * PITCH;
    let n = lines.len();
    let lines = lines
        .into_iter()
        .enumerate()
        .map(|(i, glyphs)| {
            let w = width_em(&glyphs) * p.size / PT_PER_MM;
            TextLine {
                text: glyphs.iter().map(|g| g.ch).collect(),
                x: if right { x + width - w } else { x },
                baseline: top + (i as f32 * pitch + (pitch + CAP * p.size) / 2.0) / PT_PER_MM,
                width: w,
                glyphs,
            }
        })
        .collect();
    Item::Text(TextItem {
        // The writer ignores the field; report texts are no label field.
        field: Field::Scheme,
        area: BoxMm {
            x,
            y: top,
            w: width,
            h: lines_height(n, p.size),
        },
        size: p.size,
        colour: p.colour,
        chain: chain.clone(),
        lines,
    })
}

/// Column title and width, mm.
type Col<'a> = (&'a str, f32);

/// The pages being filled.
struct Flow<'a> {
    fonts: &'a Fonts,
    pages: Vec<Vec<Item>>,
    y: f32,
    continued: &'static str,
}

impl Flow<'_> {
    fn push(&mut self, item: Item) {
        if let Some(p) = self.pages.last_mut() {
            p.push(item);
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    /// Starts a new page unless `h` mm still fit.
    fn room(&mut self, h: f32) -> bool {
        if self.y + h > BOTTOM && self.y > MARGIN {
            self.new_page();
            return false;
        }
        true
    }

    /// A paragraph across the content width, breaking pages between its lines.
    fn para(&mut self, p: Part) {
        let chain = self.fonts.chain(p.bold);
        let lines = wrap(chain, &p.text, CONTENT * PT_PER_MM / p.size);
        let line_h = lines_height(1, p.size);
        let mut rest = lines;
        while !rest.is_empty() {
            self.room(line_h);
            let fit = (((BOTTOM - self.y) / line_h).floor() as usize).clamp(1, rest.len());
            let now: Vec<_> = rest.drain(..fit).collect();
            let h = lines_height(now.len(), p.size);
            let item = text_item(chain, &p, now, MARGIN, self.y, CONTENT, false);
            self.push(item);
            self.y += h;
        }
        self.y += 0.6;
    }

    /// A section heading, kept with at least a few lines of what follows, ruled below.
    fn heading(&mut self, text: &str) {
        self.y += 2.5;
        self.room(22.0);
        let p = part(text).bold().size(11.0);
        self.para(p);
        self.push(Item::Rect {
            area: BoxMm {
                x: MARGIN,
                y: self.y - 0.5,
                w: CONTENT,
                h: 0.25,
            },
            colour: RULE,
        });
        self.y += 1.0;
    }

    /// Lays out one row: each cell's parts wrapped to its column. Returns the height and the
    /// items, placed at `y`.
    fn row(&self, cols: &[Col<'_>], cells: &[Cell], y: f32) -> (f32, Vec<Item>) {
        let mut items = Vec::new();
        let mut texts = Vec::new();
        let mut height: f32 = 0.0;
        let mut x = MARGIN;
        for ((_, w), c) in cols.iter().zip(cells) {
            let inner = w - 2.0 * PAD_X;
            let mut top = y + PAD_Y;
            for p in &c.parts {
                let chain = self.fonts.chain(p.bold);
                let lines = wrap(chain, &p.text, inner * PT_PER_MM / p.size);
                let h = lines_height(lines.len(), p.size);
                texts.push(text_item(chain, p, lines, x + PAD_X, top, inner, false));
                top += h;
            }
            height = height.max(top - y + PAD_Y);
            x += w;
        }
        let mut x = MARGIN;
        for ((_, w), c) in cols.iter().zip(cells) {
            if let Some(fill) = c.fill {
                items.push(Item::Rect {
                    area: BoxMm {
                        x,
                        y,
                        w: *w,
                        h: height,
                    },
                    colour: fill,
                });
            }
            x += w;
        }
        items.extend(texts);
        items.push(Item::Rect {
            area: BoxMm {
                x: MARGIN,
                y: y + height - 0.1,
                w: CONTENT,
                h: 0.15,
            },
            colour: RULE,
        });
        (height, items)
    }

    fn header_cells(cols: &[Col<'_>]) -> Vec<Cell> {
        cols.iter()
            .map(|(t, _)| Cell {
                parts: vec![part(*t).bold()],
                fill: Some(HEAD_FILL),
            })
            .collect()
    }

    /// A table; with a header row, it and `title` are repeated on every page it runs onto.
    fn table(&mut self, title: &str, cols: &[Col<'_>], header: bool, rows: Vec<Vec<Cell>>) {
        let head = Self::header_cells(cols);
        // The header row never ends a page alone.
        let first = rows.first().map_or(0.0, |r| self.row(cols, r, 0.0).0);
        let head_h = if header {
            self.row(cols, &head, 0.0).0
        } else {
            0.0
        };
        self.room(head_h + first);
        let draw_head = |f: &mut Self| {
            if header {
                let (h, items) = f.row(cols, &head, f.y);
                for i in items {
                    f.push(i);
                }
                f.y += h;
            }
        };
        draw_head(self);
        for r in rows {
            let (mut h, mut items) = self.row(cols, &r, self.y);
            if self.y + h > BOTTOM {
                self.new_page();
                if header {
                    self.para(part(format!("{title} ({})", self.continued)).bold().grey());
                }
                draw_head(self);
                // Laid out again at its place on the new page (only then).
                (h, items) = self.row(cols, &r, self.y);
            }
            for i in items {
                self.push(i);
            }
            self.y += h;
        }
        self.y += 1.5;
    }
}

/// Scales column weights to the content width.
fn cols<'a>(spec: &[(&'a str, f32)]) -> Vec<Col<'a>> {
    let total: f32 = spec.iter().map(|c| c.1).sum();
    spec.iter()
        .map(|(t, w)| (*t, w * CONTENT / total.max(1.0)))
        .collect()
}

fn outcome_fill(outcome: &str) -> Option<Rgb> {
    match outcome {
        "MET" => Some(GOOD),
        "NOT_MET" | "CONTRADICTED" => Some(BAD),
        "INCONCLUSIVE" | "NOT_ASSESSED" => Some(DOUBT),
        _ => None,
    }
}

fn facts_table(f: &mut Flow<'_>, facts: &[(&str, String)], extra: Option<(&str, &str)>) {
    let c = cols(&[("", 50.0), ("", 130.0)]);
    let mut rows: Vec<Vec<Cell>> = facts
        .iter()
        .map(|(k, v)| vec![cell(vec![part(*k).bold()]), text_cell(v)])
        .collect();
    if let Some((k, v)) = extra {
        rows.push(vec![cell(vec![part(k).bold()]), text_cell(v)]);
    }
    f.table("", &c, false, rows);
}

fn layout(v: &View, fonts: &Fonts) -> Vec<Page> {
    let w = v.w;
    let mut f = Flow {
        fonts,
        pages: vec![Vec::new()],
        y: MARGIN,
        continued: w.continued.as_str(),
    };

    // Header: what, for which device, under which scheme, when; the digest.
    f.para(part(&w.title).bold().size(16.0));
    f.para(
        part(format!(
            "{} {} — {} ({}@{})",
            v.manufacturer, v.model, v.scheme_name, v.scheme_id, v.scheme_version
        ))
        .size(10.5),
    );
    f.para(part(format!("{}: {}", w.evaluated_at, v.evaluated_at)).size(BODY));
    f.y += 1.0;
    f.para(part(&w.report_digest).bold().size(SMALL));
    f.para(part(v.digest.clone()).size(BODY));
    f.para(part(&w.digest_prefix).bold().size(SMALL));
    f.para(part(v.digest_prefix().to_string()).size(BODY));

    // Notices before the result (e.g. the support period has ended).
    for n in &v.notices {
        f.para(part(n.clone()).bold().size(BODY));
    }
    // Result first.
    f.heading(&w.result);
    f.para(
        part(format!(
            "{} {}",
            if v.compliance { &w.compliance } else { &w.tier },
            v.headline
        ))
        .bold()
        .size(14.0),
    );
    if let Some(a) = &v.assurance {
        f.para(part(format!("{}: {a}", w.assurance)).size(BODY));
    }
    if v.illustrative {
        f.para(part(&w.illustrative).grey().size(BODY));
    }
    let tier_cols = cols(&[
        (w.rank.as_str(), 12.0),
        (w.tier.as_str().trim_end_matches(':'), 40.0),
        (w.assurance.as_str(), 40.0),
        (w.holds.as_str(), 20.0),
        (w.satisfied.as_str(), 30.0),
    ]);
    let tier_rows = v
        .tiers
        .iter()
        .map(|t| {
            vec![
                text_cell(&t.rank),
                text_cell(&t.label),
                text_cell(&t.assurance),
                Cell {
                    parts: vec![if t.holds {
                        part(&w.yes)
                    } else {
                        part(&w.no).bold()
                    }],
                    fill: Some(if t.holds { GOOD } else { BAD }),
                },
                text_cell(&t.satisfied),
            ]
        })
        .collect();
    f.table(w.result.as_str(), &tier_cols, true, tier_rows);

    // The gap to the next tier.
    match &v.next {
        Some(next) => {
            let title = format!(
                "{}: {} ({} {})",
                w.gap.as_str(),
                next.label,
                w.needs.as_str(),
                next.assurance
            );
            f.heading(&title);
            let c = cols(&[
                (w.id.as_str(), 21.0),
                (w.title_col.as_str(), 28.0),
                (w.status.as_str(), 11.0),
                (w.why.as_str(), 28.0),
                (w.needs.as_str(), 20.0),
                (w.detail.as_str(), 36.0),
                (w.todo.as_str(), 36.0),
            ]);
            let rows = next
                .blockers
                .iter()
                .map(|b| {
                    let mut row = vec![cell(vec![part(b[0].as_str()).bold()])];
                    row.extend(b[1..].iter().map(|t| text_cell(t)));
                    row
                })
                .collect();
            f.table(&title, &c, true, rows);
        }
        None => {
            f.heading(&w.gap);
            f.para(part(&w.top).size(BODY));
        }
    }

    // The label, if given.
    if let Some(l) = &v.label {
        f.heading(&w.label);
        let verdict = format!(
            "{} — {}",
            l.carried,
            if l.matches {
                w.matches.as_str()
            } else {
                w.mismatch.as_str()
            }
        );
        facts_table(
            &mut f,
            &l.facts,
            Some((w.evidence_digest.as_str(), &verdict)),
        );
        f.para(part(&w.label_unverified).grey());
    }

    // Device and scheme.
    f.heading(&w.device);
    facts_table(&mut f, &v.device_facts, None);
    f.heading(&w.scheme);
    facts_table(
        &mut f,
        &v.scheme_facts,
        Some((w.criteria_digest.as_str(), &v.criteria_digest)),
    );

    // Every requirement.
    let title = format!("{} ({})", w.requirements, v.requirements.len());
    f.heading(&title);
    let c = cols(&[
        (w.id.as_str(), 21.0),
        (w.title_col.as_str(), 38.0),
        (w.status.as_str(), 11.0),
        (w.outcome.as_str(), 20.0),
        (w.provenance.as_str(), 19.0),
        (w.detail.as_str(), 40.0),
        (w.evidence.as_str(), 31.0),
    ]);
    let rows = v
        .requirements
        .iter()
        .map(|q| {
            let mut title = vec![part(q.title.as_str())];
            if let Some(cl) = &q.clause {
                title.push(part(format!("{} {cl}", w.clause)).grey());
            }
            for n in &q.basis_notes {
                title.push(part(n.clone()).grey());
            }
            if q.unconfirmed {
                title.push(part(&w.unconfirmed).grey());
            }
            let mut evidence: Vec<Part> = q.evidence.iter().map(|e| part(e.as_str())).collect();
            for l in &q.labs {
                let mut s = format!(
                    "{} {}: {} ({}, {})",
                    w.lab.as_str(),
                    l.lab,
                    l.verdict,
                    l.method,
                    l.date
                );
                if let Some(tc) = &l.test_case {
                    s.push(' ');
                    s.push_str(tc);
                }
                evidence.push(part(s));
                if let Some(d) = &l.evidence_digest {
                    evidence.push(part(d.as_str()).grey().size(6.5));
                }
            }
            let not_met = matches!(q.outcome.as_str(), "NOT_MET" | "CONTRADICTED");
            let outcome = part(q.outcome.replace('_', " "));
            vec![
                cell(vec![part(q.id.as_str()).bold()]),
                cell(title),
                text_cell(&q.status),
                Cell {
                    parts: vec![if not_met { outcome.bold() } else { outcome }],
                    fill: outcome_fill(&q.outcome),
                },
                text_cell(&q.provenance),
                text_cell(&q.detail),
                cell(evidence),
            ]
        })
        .collect();
    f.table(&title, &c, true, rows);

    if !v.recognised.is_empty() {
        f.heading(&w.recognised);
        let c = cols(&[
            (w.scheme.as_str(), 50.0),
            (w.reference.as_str(), 50.0),
            (w.effect.as_str(), 80.0),
        ]);
        let rows = v
            .recognised
            .iter()
            .map(|r| r.iter().map(|t| text_cell(t)).collect())
            .collect();
        f.table(w.recognised.as_str(), &c, true, rows);
    }
    if !v.unstated.is_empty() {
        f.para(
            part(format!(
                "{}: {}",
                w.unstated.as_str(),
                v.unstated.join(", ")
            ))
            .grey(),
        );
    }
    f.y += 2.0;
    f.para(part(format!("{} {}", w.footer, super::REPORT_FORMAT)).grey());

    // Footers: the digest prefix and "page N of M" on every page.
    let m = f.pages.len();
    let foot = format!(
        "{} {} — {}@{} — {}",
        v.manufacturer,
        v.model,
        v.scheme_id,
        v.scheme_version,
        v.digest_prefix()
    );
    let y = PAGE_HEIGHT - MARGIN + 2.0;
    f.pages
        .into_iter()
        .enumerate()
        .map(|(i, mut items)| {
            let left = part(foot.as_str()).grey().size(6.5);
            let right = part(w.page_of(i + 1, m)).grey().size(SMALL);
            let lines = wrap(&fonts.regular, &left.text, 130.0 * PT_PER_MM / left.size);
            items.push(text_item(
                &fonts.regular,
                &left,
                lines,
                MARGIN,
                y,
                130.0,
                false,
            ));
            let lines = wrap(&fonts.regular, &right.text, 45.0 * PT_PER_MM / right.size);
            items.push(text_item(
                &fonts.regular,
                &right,
                lines,
                PAGE_WIDTH - MARGIN - 45.0,
                y,
                45.0,
                true,
            ));
            Page {
                width: PAGE_WIDTH,
                height: PAGE_HEIGHT,
                background: Rgb(255, 255, 255),
                items,
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn chain() -> FontChain {
        FontChain {
            fonts: vec![
                bundled_font("NotoSans-Regular.ttf").unwrap(),
                bundled_font("ipaexg.ttf").unwrap(),
            ],
        }
    }

    fn texts(lines: &[Vec<SetGlyph>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.iter().map(|g| g.ch).collect())
            .collect()
    }

    /// A wrap from the cache is the wrap computed afresh, cold and warm, for both chains,
    /// several widths, hard breaks and CJK.
    #[test]
    fn a_cached_wrap_is_the_computed_one() {
        WRAPPED.with_borrow_mut(|(c, n)| {
            c.clear();
            *n = 0;
        });
        let bold = FontChain {
            fonts: vec![
                bundled_font("NotoSans-Bold.ttf").unwrap(),
                bundled_font("ipaexg.ttf").unwrap(),
            ],
        };
        let texts = [
            "the quick brown fox jumps over the lazy dog",
            "line one\nline two, longer than the first",
            "ファームウェア更新の署名を検証すること",
            "",
            "https://example.org/a/very/long/link-without-spaces",
        ];
        for round in 0..2 {
            for c in [chain(), bold.clone()] {
                for t in texts {
                    for w in [6.0, 8.0, 30.0] {
                        assert_eq!(wrap(&c, t, w), wrap_uncached(&c, t, w), "{round} {t} {w}");
                    }
                }
            }
        }
        // Regular and bold were told apart (their widths differ).
        assert_ne!(
            width_em(&wrap(&chain(), "Requirement", 30.0)[0]),
            width_em(&wrap(&bold, "Requirement", 30.0)[0])
        );
    }

    /// Different chains (by font and order, one to four fonts) never share a cache key; the
    /// first bundled font has id 0, which once read as an empty slot.
    #[test]
    fn different_font_chains_have_different_cache_keys() {
        let fonts = crate::artwork::fonts::bundled();
        let mut chains: Vec<Vec<usize>> = (0..fonts.len()).map(|i| vec![i]).collect();
        for _ in 0..3 {
            let longer: Vec<Vec<usize>> = chains
                .iter()
                .filter(|c| c.len() < 4)
                .flat_map(|c| (0..fonts.len()).map(move |i| [c.clone(), vec![i]].concat()))
                .collect();
            chains.extend(longer);
        }
        chains.sort();
        chains.dedup();
        let mut seen = HashMap::new();
        for c in &chains {
            let chain = FontChain {
                fonts: c.iter().map(|i| fonts[*i].clone()).collect(),
            };
            let key = chain_key(&chain).unwrap();
            if let Some(other) = seen.insert(key, c.clone()) {
                panic!("chains {other:?} and {c:?} share a key");
            }
        }
        assert_eq!(
            chain_key(&FontChain {
                fonts: vec![fonts[0].clone(); 5]
            }),
            None
        );
    }

    /// The cache starts afresh once it holds its bound of texts.
    #[test]
    fn the_wrap_cache_is_bounded() {
        let c = chain();
        for i in 0..WRAP_CACHE_TEXTS + 10 {
            wrap(&c, &format!("text {i}"), 20.0);
        }
        let (texts, counted) =
            WRAPPED.with_borrow(|(c, n)| (c.values().map(HashMap::len).sum::<usize>(), *n));
        assert!(texts <= WRAP_CACHE_TEXTS, "{texts}");
        assert_eq!(texts, counted);
    }

    #[test]
    fn wraps_at_spaces_and_keeps_lines_narrow() {
        let c = chain();
        let lines = wrap(&c, "the quick brown fox jumps over the lazy dog", 8.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(width_em(l) <= 8.0 + 1e-3);
        }
        assert_eq!(
            texts(&lines).join(" "),
            "the quick brown fox jumps over the lazy dog"
        );
    }

    #[test]
    fn breaks_long_words_and_cjk_between_characters() {
        let c = chain();
        let hex = "0123456789abcdef".repeat(4);
        let lines = wrap(&c, &hex, 10.0);
        assert!(lines.len() > 1);
        assert_eq!(texts(&lines).concat(), hex);
        let ja = "サイバーセキュリティ評価報告書";
        let lines = wrap(&c, ja, 4.0);
        assert!(lines.len() >= 3);
        assert_eq!(texts(&lines).concat(), ja);
        assert_eq!(texts(&wrap(&c, "a\nb", 50.0)), vec!["a", "b"]);
    }

    #[test]
    fn refuses_what_is_not_a_report() {
        let e = to_pdf(&serde_json::json!({"format": "x"}), None, Lang::En).unwrap_err();
        assert!(e.to_string().contains("not an assessment report"), "{e}");
    }
}
