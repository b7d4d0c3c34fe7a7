//! Layout: a template and a label's facts become pages of positioned items (rectangles, set
//! text lines, QR symbols). Every output format (PDF, SVG, PNG) draws the same items, and the
//! golden tests compare these items (texts and boxes), not bytes of one format.
//!
//! Units: millimetres from the page's top-left corner, y down; text sizes in points.

use super::facts::{Field, LabelFacts, Strings};
use super::fonts::{FontChain, SetGlyph, width_em};
use super::template::{Align, BoxMm, Element, QrContent, Rgb, Template};
use crate::label::symbol::{self, QrSymbol, SymbolError};

/// Points per millimetre.
pub const PT_PER_MM: f32 = 72.0 / 25.4;

/// Line pitch as a multiple of the text size.
const LINE_PITCH: f32 = 1.15;

/// Steps in which a text shrinks towards its `min_size`, points.
const SHRINK_STEP: f32 = 0.25;

/// One page of a document.
#[derive(Debug, Clone)]
pub struct Page {
    /// Width, mm.
    pub width: f32,
    /// Height, mm.
    pub height: f32,
    /// Background colour.
    pub background: Rgb,
    /// Items, in drawing order.
    pub items: Vec<Item>,
}

/// A drawable item.
#[derive(Debug, Clone)]
pub enum Item {
    /// A filled rectangle.
    Rect {
        /// Where.
        area: BoxMm,
        /// Fill.
        colour: Rgb,
    },
    /// A text, set in lines.
    Text(TextItem),
    /// A QR symbol.
    Qr(QrItem),
}

/// A text fitted into its box.
#[derive(Debug, Clone)]
pub struct TextItem {
    /// The field it shows.
    pub field: Field,
    /// The template box it was fitted into.
    pub area: BoxMm,
    /// Size chosen, points.
    pub size: f32,
    /// Colour.
    pub colour: Rgb,
    /// Fonts the glyphs index into.
    pub chain: FontChain,
    /// Lines, top to bottom.
    pub lines: Vec<TextLine>,
}

/// One set line.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    /// The text of the line.
    pub text: String,
    /// Left end of the baseline, mm.
    pub x: f32,
    /// Baseline, mm from the top.
    pub baseline: f32,
    /// Width, mm.
    pub width: f32,
    /// Glyphs.
    pub glyphs: Vec<SetGlyph>,
}

/// A QR symbol placed with its quiet zone.
#[derive(Debug, Clone, PartialEq)]
pub struct QrItem {
    /// The text it encodes.
    pub text: String,
    /// The symbol.
    pub symbol: QrSymbol,
    /// Top-left corner of the first module, mm.
    pub x: f32,
    /// Top edge of the first module, mm.
    pub y: f32,
    /// Module size, mm (a whole number of printer dots).
    pub module: f32,
    /// The symbol plus its 4-module quiet zone.
    pub quiet: BoxMm,
    /// Ink colour of dark modules.
    pub colour: Rgb,
}

/// Why a label could not be laid out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// A text does not fit its box even at the element's `min_size`.
    #[error("{location}: the {field} text {text:?} does not fit its box even at {min_size} pt")]
    TextDoesNotFit {
        /// Template `file:line:col` of the element.
        location: String,
        /// Field name.
        field: &'static str,
        /// The text.
        text: String,
        /// Smallest size tried.
        min_size: String,
    },
    /// No bundled font has a character.
    #[error("{location}: no font of the template has the character {ch:?} (in the {field} text)")]
    MissingGlyph {
        /// Template `file:line:col` of the element.
        location: String,
        /// Field name.
        field: &'static str,
        /// The character.
        ch: char,
    },
    /// The QR modules would be smaller than the template allows.
    #[error(
        "{location}: a version {version} QR ({modules} modules with its quiet zone) needs a box of at least {needed_mm:.1} mm for {min_module_mm} mm modules; the box is {box_mm} mm"
    )]
    QrTooDense {
        /// Template `file:line:col` of the QR element.
        location: String,
        /// QR version.
        version: u8,
        /// Modules per side including the quiet zone.
        modules: usize,
        /// The smallest box that would do, mm.
        needed_mm: f32,
        /// The template's minimum module size, mm.
        min_module_mm: f32,
        /// The box, mm.
        box_mm: f32,
    },
    /// The label's scheme is illustrative, but the template has no place to say so.
    #[error(
        "{location}: template `{template}` has no text element for the `illustrative` field, so a label of an illustrative scheme cannot say that it is not an official mark (add a text element with field = \"illustrative\")"
    )]
    NoIllustrativeLine {
        /// Template `file:line:col` (the start of the file).
        location: String,
        /// Template id.
        template: String,
    },
    /// The QR text is too long for any symbol.
    #[error(transparent)]
    Symbol(#[from] SymbolError),
    /// A sheet template was used for one label, or a label template for a sheet.
    #[error("template `{template}` is {what}")]
    WrongKind {
        /// Template id.
        template: String,
        /// What it is.
        what: &'static str,
    },
}

impl LayoutError {
    /// The stable code `template check` prints with it (`docs/diagnostics.md`).
    pub fn code(&self) -> crate::diag::Code {
        use crate::diag::Code;
        match self {
            LayoutError::TextDoesNotFit { .. } => Code::TextDoesNotFit,
            LayoutError::MissingGlyph { .. } => Code::MissingGlyph,
            LayoutError::QrTooDense { .. } => Code::QrTooDense,
            LayoutError::NoIllustrativeLine { .. } => Code::NoIllustrativeLine,
            LayoutError::Symbol(_) => Code::QrTextTooLong,
            LayoutError::WrongKind { .. } => Code::WrongTemplateKind,
        }
    }
}

fn field_name(f: Field) -> &'static str {
    Field::ALL
        .iter()
        .find(|(_, x)| *x == f)
        .map_or("?", |(n, _)| *n)
}

fn location(t: &Template, span: &std::ops::Range<usize>) -> String {
    t.location(span.clone())
}

/// Lays out one label on its own page.
pub fn layout_label(t: &Template, facts: &LabelFacts, s: &Strings) -> Result<Page, LayoutError> {
    if t.sheet.is_some() {
        return Err(LayoutError::WrongKind {
            template: t.id.clone(),
            what: "a sheet; use it for batches",
        });
    }
    let mut items = Vec::new();
    let mut errors = Vec::new();
    place_label(t, facts, s, 0.0, 0.0, &mut items, &mut errors);
    if !errors.is_empty() {
        return Err(errors.swap_remove(0));
    }
    Ok(Page {
        width: t.width,
        height: t.height,
        background: t.background,
        items,
    })
}

/// Lays out many labels on sheets of a sheet template, in order, as many pages as needed.
pub fn layout_sheet(
    sheet: &Template,
    labels: &[LabelFacts],
    s: &Strings,
) -> Result<Vec<Page>, LayoutError> {
    let Some(spec) = &sheet.sheet else {
        return Err(LayoutError::WrongKind {
            template: sheet.id.clone(),
            what: "a single label, not a sheet",
        });
    };
    let (cols, rows) = (spec.grid.0 as usize, spec.grid.1 as usize);
    let per_page = cols * rows;
    let mut pages = Vec::new();
    for chunk in labels.chunks(per_page.max(1)) {
        let mut items = Vec::new();
        for (i, facts) in chunk.iter().enumerate() {
            let (c, r) = (i % cols, i / cols);
            let x = spec.margin.0 + c as f32 * (spec.label.width + spec.gap.0);
            let y = spec.margin.1 + r as f32 * (spec.label.height + spec.gap.1);
            let mut errors = Vec::new();
            place_label(&spec.label, facts, s, x, y, &mut items, &mut errors);
            if !errors.is_empty() {
                return Err(errors.swap_remove(0));
            }
        }
        pages.push(Page {
            width: sheet.width,
            height: sheet.height,
            background: sheet.background,
            items,
        });
    }
    Ok(pages)
}

fn offset(b: BoxMm, x: f32, y: f32) -> BoxMm {
    BoxMm {
        x: b.x + x,
        y: b.y + y,
        ..b
    }
}

/// Every layout problem of one label on `t` (empty when it lays out).
pub fn layout_problems(t: &Template, facts: &LabelFacts, s: &Strings) -> Vec<LayoutError> {
    let mut errors = Vec::new();
    place_label(t, facts, s, 0.0, 0.0, &mut Vec::new(), &mut errors);
    errors
}

/// Places one label's items at (`ox`, `oy`); problems are collected, not returned at the first.
fn place_label(
    t: &Template,
    facts: &LabelFacts,
    s: &Strings,
    ox: f32,
    oy: f32,
    items: &mut Vec<Item>,
    errors: &mut Vec<LayoutError>,
) {
    // An illustrative scheme's label that cannot say so is not drawn (it would pass for an
    // official mark).
    let has_line = t.elements.iter().any(|e| {
        matches!(
            e,
            Element::Text {
                field: Field::Illustrative,
                ..
            }
        )
    });
    if facts.illustrative && !has_line {
        errors.push(LayoutError::NoIllustrativeLine {
            location: location(t, &(0..0)),
            template: t.id.clone(),
        });
    }
    if t.background != Rgb(255, 255, 255) || ox != 0.0 || oy != 0.0 {
        items.push(Item::Rect {
            area: BoxMm {
                x: ox,
                y: oy,
                w: t.width,
                h: t.height,
            },
            colour: t.background,
        });
    }
    for el in &t.elements {
        match el {
            Element::Band { area, paint } => items.push(Item::Rect {
                area: offset(*area, ox, oy),
                colour: t.paint(*paint, facts.tier_rank),
            }),
            Element::Text {
                field,
                area,
                size,
                min_size,
                lines,
                bold,
                paint,
                align,
                span,
            } => {
                let text = facts.field(*field, s);
                if text.is_empty() {
                    continue;
                }
                let chain = if *bold { &t.bold } else { &t.regular };
                let fitted = match fit_text(
                    &text,
                    chain,
                    offset(*area, ox, oy),
                    *size,
                    *min_size,
                    *lines,
                    *align,
                ) {
                    Ok(f) => f,
                    Err(FitError::Missing(ch)) => {
                        errors.push(LayoutError::MissingGlyph {
                            location: location(t, span),
                            field: field_name(*field),
                            ch,
                        });
                        continue;
                    }
                    Err(FitError::TooLong) => {
                        errors.push(LayoutError::TextDoesNotFit {
                            location: location(t, span),
                            field: field_name(*field),
                            text: text.clone(),
                            min_size: format!("{min_size}"),
                        });
                        continue;
                    }
                };
                items.push(Item::Text(TextItem {
                    field: *field,
                    area: offset(*area, ox, oy),
                    size: fitted.0,
                    colour: t.paint(*paint, facts.tier_rank),
                    chain: chain.clone(),
                    lines: fitted.1,
                }));
            }
            Element::Qr { area, span } => {
                let text = match t.qr.content {
                    QrContent::Signed => facts.qr_text.clone(),
                    QrContent::Registry => facts.registry_url(),
                };
                let sym = match symbol::encode(&text, t.qr.ecc) {
                    Ok(x) => x,
                    Err(e) => {
                        errors.push(e.into());
                        continue;
                    }
                };
                let modules = sym.size() + 8;
                let dot = 25.4 / t.qr.dpi as f32;
                let dots = (area.w / modules as f32 / dot).floor();
                let module = dots * dot;
                if module + 1e-6 < t.qr.min_module_mm {
                    let need_dots = (t.qr.min_module_mm / dot).ceil();
                    errors.push(LayoutError::QrTooDense {
                        location: location(t, span),
                        version: sym.version(),
                        modules,
                        needed_mm: need_dots * dot * modules as f32,
                        min_module_mm: t.qr.min_module_mm,
                        box_mm: area.w,
                    });
                    continue;
                }
                let side = module * modules as f32;
                let a = offset(*area, ox, oy);
                let qx = a.x + (a.w - side) / 2.0;
                let qy = a.y + (a.h - side) / 2.0;
                let quiet = BoxMm {
                    x: qx,
                    y: qy,
                    w: side,
                    h: side,
                };
                items.push(Item::Rect {
                    area: quiet,
                    colour: t.background,
                });
                items.push(Item::Qr(QrItem {
                    text,
                    symbol: sym,
                    x: qx + 4.0 * module,
                    y: qy + 4.0 * module,
                    module,
                    quiet,
                    colour: Rgb(0, 0, 0),
                }));
            }
        }
    }
}

enum FitError {
    Missing(char),
    TooLong,
}

/// CJK characters, between which a line may break.
pub fn cjk(c: char) -> bool {
    ('\u{2E80}'..='\u{9FFF}').contains(&c) || ('\u{F900}'..='\u{FFEF}').contains(&c)
}

/// Line-breaking rules.
#[derive(Debug, Clone, Copy)]
pub struct WrapRules {
    /// Characters a line may break after (besides between CJK characters).
    pub break_after: &'static [char],
    /// Break a piece wider than a line between characters (reports: digests, links); a label
    /// text instead fails to fit, so the template error shows.
    pub split_long: bool,
}

/// Label texts break at spaces only.
pub const LABEL_WRAP: WrapRules = WrapRules {
    break_after: &[' '],
    split_long: false,
};

/// Greedy line breaking of set glyphs into lines no wider than `max_em`; the spaces a line
/// ends with are dropped. `None` when a piece alone is wider and `split_long` is off.
pub fn wrap_glyphs(
    glyphs: &[SetGlyph],
    max_em: f32,
    rules: WrapRules,
) -> Option<Vec<Vec<SetGlyph>>> {
    // Unbreakable pieces: a word with what ends it (and the spaces after), or one CJK char;
    // each placed as soon as it ends (slices of `glyphs`, no copies per piece).
    let mut lines: Vec<Vec<SetGlyph>> = Vec::new();
    let mut line: Vec<SetGlyph> = Vec::new();
    let mut width = 0.0f32;
    let mut start = 0;
    for (i, g) in glyphs.iter().enumerate() {
        let next = glyphs.get(i + 1).map(|n| n.ch);
        let brk = rules.break_after.contains(&g.ch) || cjk(g.ch) || next.is_some_and(cjk);
        if !((brk && next != Some(' ')) || next.is_none()) {
            continue;
        }
        let piece = &glyphs[start..=i];
        start = i + 1;
        let w: f32 = width_em(piece);
        let trailing: f32 = piece
            .iter()
            .rev()
            .take_while(|g| g.ch == ' ')
            .map(|g| g.advance)
            .sum();
        if !line.is_empty() && width + w - trailing > max_em {
            lines.push(std::mem::take(&mut line));
            width = 0.0;
        }
        if w - trailing > max_em {
            if !rules.split_long {
                return None;
            }
            for g in piece {
                if !line.is_empty() && width + g.advance > max_em && g.ch != ' ' {
                    lines.push(std::mem::take(&mut line));
                    width = 0.0;
                }
                width += g.advance;
                line.push(g.clone());
            }
        } else {
            width += w;
            line.extend_from_slice(piece);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    for l in &mut lines {
        while l.last().is_some_and(|g| g.ch == ' ') {
            l.pop();
        }
    }
    Some(lines)
}

fn fit_text(
    text: &str,
    chain: &FontChain,
    area: BoxMm,
    size: f32,
    min_size: f32,
    max_lines: u32,
    align: Align,
) -> Result<(f32, Vec<TextLine>), FitError> {
    let (glyphs, missing) = chain.set(text);
    if let Some(ch) = missing.first() {
        return Err(FitError::Missing(*ch));
    }
    let cap = chain
        .fonts
        .first()
        .map_or(0.7, |f| f32::from(f.cap_height) / f.units_per_em().max(1.0));
    let w_pt = area.w * PT_PER_MM;
    let h_pt = area.h * PT_PER_MM;
    let mut s = size;
    loop {
        if let Some(lines) = wrap_glyphs(&glyphs, w_pt / s, LABEL_WRAP) {
            let n = lines.len();
            let needed = s * (1.0 + LINE_PITCH * (n as f32 - 1.0));
            if n <= max_lines as usize && needed <= h_pt + 0.01 {
                // Centre the block vertically; each line's cap height centred in its pitch.
                let block = s * LINE_PITCH * n as f32;
                let top = area.y + (h_pt - block).max(0.0) / 2.0 / PT_PER_MM;
                let out = lines
                    .into_iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let width = width_em(&l) * s / PT_PER_MM;
                        let x = match align {
                            Align::Left => area.x,
                            Align::Center => area.x + (area.w - width) / 2.0,
                            Align::Right => area.x + area.w - width,
                        };
                        let pitch = s * LINE_PITCH;
                        let baseline =
                            top + (i as f32 * pitch + (pitch + cap * s) / 2.0) / PT_PER_MM;
                        TextLine {
                            text: l.iter().map(|g| g.ch).collect(),
                            x,
                            baseline,
                            width,
                            glyphs: l,
                        }
                    })
                    .collect();
                return Ok((s, out));
            }
        }
        if s <= min_size {
            return Err(FitError::TooLong);
        }
        s = (s - SHRINK_STEP).max(min_size);
    }
}
