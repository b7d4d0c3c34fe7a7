//! Label templates (`label-templates/*.toml`): the layout of a label as data, read in two
//! stages like criteria files: a spanned TOML walk that reports every problem with its
//! `file:line:col` and a help line, then a [`Template`] that holds only sound values. The
//! format is documented in `label-templates/README.md`.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::facts::Field;
use super::fonts::{FontChain, bundled_font};
use crate::diag::{Code, Diagnostic, Diagnostics, SourceFile, suggest};
use crate::label::symbol::Ecc;
use crate::toml_read::{Ctx, Table, Val, as_array, as_number, as_string, parse_document};

/// The format tag every template starts with.
pub const TEMPLATE_FORMAT: &str = "iotlabel-template/1";

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#RRGGBB`.
    pub fn hex(self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }

    fn parse(s: &str) -> Option<Rgb> {
        let h = s.strip_prefix('#')?;
        if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
        Some(Rgb(c(0)?, c(2)?, c(4)?))
    }
}

/// A colour, or "the colour of the label's tier".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    /// A fixed colour.
    Fixed(Rgb),
    /// `colours.tiers[rank - 1]` (the last one for higher ranks).
    Tier,
}

/// A box on the page in millimetres, from the top-left corner, y down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxMm {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

/// Horizontal alignment of a text in its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left.
    Left,
    /// Centred.
    Center,
    /// Flush right.
    Right,
}

/// What the QR code holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrContent {
    /// The full signed label text (verify URL `#` base32): verifies offline.
    Signed,
    /// The short registry URL `<origin>/L/<label id>`: needs the registry online.
    Registry,
}

/// How the QR is drawn in a PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrDraw {
    /// A 1-bit image mask, one sample per module, interpolation off (exact edges, small).
    Mask,
    /// Vector rectangles, one per horizontal run of dark modules.
    Vector,
}

/// The QR settings of a template.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QrSpec {
    /// What it holds.
    pub content: QrContent,
    /// Error correction.
    pub ecc: Ecc,
    /// Smallest module size the template accepts, mm.
    pub min_module_mm: f32,
    /// Module sizes are whole multiples of one dot at this resolution, so a printer never
    /// resamples a module.
    pub dpi: u32,
    /// PDF drawing.
    pub draw: QrDraw,
}

/// One element of a label.
#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    /// A filled rectangle.
    Band {
        /// Where.
        area: BoxMm,
        /// Fill.
        paint: Paint,
    },
    /// A field's text, fitted into its box.
    Text {
        /// Which field.
        field: Field,
        /// Where.
        area: BoxMm,
        /// Preferred size, points.
        size: f32,
        /// Smallest size it may shrink to, points.
        min_size: f32,
        /// Most lines it may wrap to.
        lines: u32,
        /// Bold font chain.
        bold: bool,
        /// Colour.
        paint: Paint,
        /// Alignment.
        align: Align,
        /// Where in the template file (for render-time errors).
        span: Range<usize>,
    },
    /// The QR code, centred in its (square) box with its quiet zone inside the box.
    Qr {
        /// Where.
        area: BoxMm,
        /// Where in the template file.
        span: Range<usize>,
    },
}

/// A sheet: many labels of one template tiled on a page, for a print run.
#[derive(Debug, Clone)]
pub struct SheetSpec {
    /// The label template tiled.
    pub label: Box<Template>,
    /// Margins, mm (x, y).
    pub margin: (f32, f32),
    /// Gaps between labels, mm (x, y).
    pub gap: (f32, f32),
    /// Columns and rows that fit.
    pub grid: (u32, u32),
}

/// A sound template.
#[derive(Debug, Clone)]
pub struct Template {
    /// Id (file stem).
    pub id: String,
    /// One line on what it is for.
    pub description: String,
    /// Page width, mm.
    pub width: f32,
    /// Page height, mm.
    pub height: f32,
    /// Regular text fonts, fallback order.
    pub regular: FontChain,
    /// Bold text fonts.
    pub bold: FontChain,
    /// Page background.
    pub background: Rgb,
    /// Default ink.
    pub ink: Rgb,
    /// Colours per tier rank.
    pub tiers: Vec<Rgb>,
    /// QR settings (labels).
    pub qr: QrSpec,
    /// Elements, drawn in order.
    pub elements: Vec<Element>,
    /// For sheets: the tiling.
    pub sheet: Option<SheetSpec>,
    /// The file, for render-time errors at an element's span.
    pub source: Arc<SourceFile>,
}

impl Template {
    /// The colour of a paint for a tier rank.
    pub fn paint(&self, p: Paint, rank: u32) -> Rgb {
        match p {
            Paint::Fixed(c) => c,
            Paint::Tier => {
                let i = usize::try_from(rank.max(1) - 1).unwrap_or(0);
                self.tiers
                    .get(i)
                    .or(self.tiers.last())
                    .copied()
                    .unwrap_or(self.ink)
            }
        }
    }

    /// `file:line:col` of `span` in this template's file.
    pub fn location(&self, span: Range<usize>) -> String {
        let (line, col) = self.source.line_col(span.start);
        format!("{}:{line}:{col}", self.source.path)
    }
}

/// The templates bundled in the binary, by id.
const BUNDLED: &[(&str, &str)] = &[
    (
        "label-templates/standard.toml",
        include_str!("../../label-templates/standard.toml"),
    ),
    (
        "label-templates/compact.toml",
        include_str!("../../label-templates/compact.toml"),
    ),
    (
        "label-templates/sheet-a4.toml",
        include_str!("../../label-templates/sheet-a4.toml"),
    ),
];

/// Ids of the bundled templates.
pub fn bundled_ids() -> Vec<&'static str> {
    BUNDLED
        .iter()
        .map(|(p, _)| {
            p.trim_start_matches("label-templates/")
                .trim_end_matches(".toml")
        })
        .collect()
}

/// Loads a bundled template by id (`standard`, `compact`, `sheet-a4`).
pub fn load_bundled(id: &str) -> Result<Template, Diagnostics> {
    let Some((path, text)) = BUNDLED.iter().find(|(p, _)| {
        p.trim_start_matches("label-templates/")
            .trim_end_matches(".toml")
            == id
    }) else {
        let file = SourceFile::new("<template name>", id);
        let mut d = Diagnostics::default();
        d.push(
            Diagnostic::error(
                Code::UnknownTemplate,
                &file,
                0..id.len(),
                format!("no bundled template `{id}`"),
            )
            .with_help(suggest(id, "templates", bundled_ids())),
        );
        return Err(d);
    };
    parse(SourceFile::new(*path, *text), &|name| load_bundled(name))
}

/// Loads a template file; a sheet's `label` names a file beside it or a bundled template.
pub fn load_file(path: &Path) -> Result<Template, Diagnostics> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let file = SourceFile::new(path.display().to_string(), "");
            let mut d = Diagnostics::default();
            d.push(
                Diagnostic::error(
                    Code::UnreadableTemplate,
                    &file,
                    0..0,
                    format!("cannot read the template: {e}"),
                )
                .with_help("check the path"),
            );
            return Err(d);
        }
    };
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(SourceFile::new(path.display().to_string(), text), &|name| {
        let beside = dir.join(format!("{name}.toml"));
        if beside.is_file() {
            load_file(&beside)
        } else {
            load_bundled(name)
        }
    })
}

/// Loads `name` as a file path when it exists or ends in `.toml`, else as a bundled id.
pub fn load(name: &str) -> Result<Template, Diagnostics> {
    let p = Path::new(name);
    if name.ends_with(".toml") || p.is_file() {
        load_file(p)
    } else {
        load_bundled(name)
    }
}

type Resolver<'r> = &'r dyn Fn(&str) -> Result<Template, Diagnostics>;

/// Parses and validates a template, collecting every problem.
pub fn parse(file: Arc<SourceFile>, resolve: Resolver<'_>) -> Result<Template, Diagnostics> {
    let mut diags = Diagnostics::default();
    let template = {
        let mut ctx = Ctx {
            file: &file,
            diags: &mut diags,
        };
        read(&file, &mut ctx, resolve)
    };
    match template {
        Some(t) if !diags.has_errors() => Ok(t),
        _ => {
            diags.sort();
            Err(diags)
        }
    }
}

fn read(file: &Arc<SourceFile>, ctx: &mut Ctx<'_>, resolve: Resolver<'_>) -> Option<Template> {
    let doc = parse_document(file, ctx.diags)?;
    let mut top = Table::from_table(doc.get_ref(), doc.span(), "the template");
    let format = top.req_str("format", ctx);
    if let Some(f) = &format
        && f.get_ref() != TEMPLATE_FORMAT
    {
        ctx.error(
            Code::TemplateFormat,
            f.span(),
            format!("unknown template format `{}`", f.get_ref()),
            format!("write `format = \"{TEMPLATE_FORMAT}\"`"),
        );
    }
    let id = top.req_str("id", ctx);
    let description = top.req_str("description", ctx);
    let width = number(&mut top, "width_mm", ctx, 5.0..=1200.0);
    let height = number(&mut top, "height_mm", ctx, 5.0..=1200.0);

    let (regular, bold) = match top.required("fonts", ctx) {
        Some(v) => read_fonts(v, ctx),
        None => (None, None),
    };
    let colours = top
        .required("colours", ctx)
        .and_then(|v| read_colours(v, ctx));
    let qr = match top.get("qr") {
        Some(v) => read_qr(v, ctx),
        None => Some(QrSpec {
            content: QrContent::Signed,
            ecc: Ecc::M,
            min_module_mm: 0.33,
            dpi: 600,
            draw: QrDraw::Mask,
        }),
    };
    let sheet_val = top.get("sheet");
    let elements_val = top.get("element");
    top.finish(ctx);

    let (width, height) = (width?, height?);
    let mut elements = Vec::new();
    if let Some(v) = elements_val
        && let Some(arr) = as_array(v, "element", ctx)
    {
        for e in arr {
            if let Some(el) = read_element(e, ctx, width, height) {
                elements.push(el);
            }
        }
    }
    let sheet = match sheet_val {
        Some(v) => read_sheet(v, ctx, resolve, width, height),
        None => None,
    };
    if sheet_val.is_none() && !elements.iter().any(|e| matches!(e, Element::Qr { .. })) {
        ctx.error(
            Code::NoQr,
            0..0,
            "the template has no QR element".to_string(),
            "add `[[element]] type = \"qr\"` with a box: a label without its QR cannot be verified",
        );
    }
    let (background, ink, tiers) = colours?;
    Some(Template {
        id: id?.into_inner(),
        description: description?.into_inner(),
        width: width as f32,
        height: height as f32,
        regular: regular?,
        bold: bold?,
        background,
        ink,
        tiers,
        qr: qr?,
        elements,
        sheet: if sheet_val.is_some() {
            Some(sheet?)
        } else {
            None
        },
        source: file.clone(),
    })
}

fn number(
    t: &mut Table<'_, '_>,
    key: &'static str,
    ctx: &mut Ctx<'_>,
    range: std::ops::RangeInclusive<f64>,
) -> Option<f64> {
    let v = t.required(key, ctx)?;
    let n = as_number(v, key, ctx)?;
    if !range.contains(n.get_ref()) {
        ctx.error(
            Code::TemplateRange,
            n.span(),
            format!(
                "`{key}` = {} is outside {}..={}",
                n.get_ref(),
                range.start(),
                range.end()
            ),
            format!("choose a value from {} to {}", range.start(), range.end()),
        );
        return None;
    }
    Some(*n.get_ref())
}

fn colour(v: &Val<'_>, key: &str, ctx: &mut Ctx<'_>) -> Option<Rgb> {
    let s = as_string(v, key, ctx)?;
    let c = Rgb::parse(s.get_ref());
    if c.is_none() {
        ctx.error(
            Code::Colour,
            s.span(),
            format!("`{key}` = {:?} is not a colour", s.get_ref()),
            "write colours as \"#RRGGBB\"",
        );
    }
    c
}

fn read_fonts(v: &Val<'_>, ctx: &mut Ctx<'_>) -> (Option<FontChain>, Option<FontChain>) {
    let Some(mut t) = Table::new(v, "[fonts]", ctx) else {
        return (None, None);
    };
    let mut chain = |key: &'static str, ctx: &mut Ctx<'_>| -> Option<FontChain> {
        let v = t.required(key, ctx)?;
        let list = as_array(v, key, ctx)?;
        if list.is_empty() {
            ctx.error(
                Code::Fonts,
                v.span(),
                format!("`fonts.{key}` is empty"),
                "list at least one bundled font file, e.g. \"NotoSans-Regular.ttf\"",
            );
            return None;
        }
        let mut fonts = Vec::new();
        for n in list {
            let Some(n) = as_string(n, key, ctx) else {
                continue;
            };
            match bundled_font(n.get_ref()) {
                Ok(f) => fonts.push(f),
                Err(e) => ctx.error(
                    Code::Fonts,
                    n.span(),
                    e.to_string(),
                    "fonts come from label-templates/fonts/ (shipped with their licences)",
                ),
            }
        }
        (fonts.len() == list.len()).then_some(FontChain { fonts })
    };
    let regular = chain("regular", ctx);
    let bold = chain("bold", ctx);
    t.finish(ctx);
    (regular, bold)
}

fn read_colours(v: &Val<'_>, ctx: &mut Ctx<'_>) -> Option<(Rgb, Rgb, Vec<Rgb>)> {
    let mut t = Table::new(v, "[colours]", ctx)?;
    let background = t
        .required("background", ctx)
        .and_then(|v| colour(v, "background", ctx));
    let ink = t.required("ink", ctx).and_then(|v| colour(v, "ink", ctx));
    let tiers = t.required("tiers", ctx).and_then(|v| {
        let arr = as_array(v, "tiers", ctx)?;
        if arr.is_empty() {
            ctx.error(
                Code::TierColours,
                v.span(),
                "`tiers` is empty".to_string(),
                "give one colour per tier rank; the last repeats for higher ranks",
            );
            return None;
        }
        let cs: Vec<Rgb> = arr.iter().filter_map(|c| colour(c, "tiers", ctx)).collect();
        (cs.len() == arr.len()).then_some(cs)
    });
    t.finish(ctx);
    Some((background?, ink?, tiers?))
}

fn read_qr(v: &Val<'_>, ctx: &mut Ctx<'_>) -> Option<QrSpec> {
    let mut t = Table::new(v, "[qr]", ctx)?;
    let content = t
        .req_str("content", ctx)
        .and_then(|s| match s.get_ref().as_str() {
            "signed" => Some(QrContent::Signed),
            "registry" => Some(QrContent::Registry),
            other => {
                ctx.error(
                Code::UnknownWord,
                s.span(),
                format!("unknown QR content `{other}`"),
                "use \"signed\" (the full signed label) or \"registry\" (the short registry URL)",
            );
                None
            }
        });
    let ecc = match t.opt_str("ecc", ctx) {
        Some(s) => Ecc::parse(s.get_ref()).or_else(|| {
            ctx.error(
                Code::UnknownWord,
                s.span(),
                format!("unknown error-correction level `{}`", s.get_ref()),
                "use \"L\", \"M\", \"Q\" or \"H\" (labels use M)",
            );
            None
        }),
        None => Some(Ecc::M),
    };
    let min_module_mm = match t.get("min_module_mm") {
        Some(v) => as_number(v, "min_module_mm", ctx).and_then(|n| {
            if (0.1..=5.0).contains(n.get_ref()) {
                Some(*n.get_ref() as f32)
            } else {
                ctx.error(
                    Code::TemplateRange,
                    n.span(),
                    format!("`min_module_mm` = {} is implausible", n.get_ref()),
                    "phone cameras need about 0.33 mm; use 0.1 to 5",
                );
                None
            }
        }),
        None => Some(0.33),
    };
    let dpi = match t.opt_int("dpi", ctx) {
        Some(n) => match u32::try_from(*n.get_ref()) {
            Ok(d) if (72..=4800).contains(&d) => Some(d),
            _ => {
                ctx.error(
                    Code::TemplateRange,
                    n.span(),
                    format!("`dpi` = {} is outside 72..=4800", n.get_ref()),
                    "give the printer's resolution, e.g. 600",
                );
                None
            }
        },
        None => Some(600),
    };
    let draw = match t.opt_str("draw", ctx) {
        Some(s) => match s.get_ref().as_str() {
            "mask" => Some(QrDraw::Mask),
            "vector" => Some(QrDraw::Vector),
            other => {
                ctx.error(
                    Code::UnknownWord,
                    s.span(),
                    format!("unknown QR drawing `{other}`"),
                    "use \"mask\" (1-bit image, the default) or \"vector\"",
                );
                None
            }
        },
        None => Some(QrDraw::Mask),
    };
    t.finish(ctx);
    Some(QrSpec {
        content: content?,
        ecc: ecc?,
        min_module_mm: min_module_mm?,
        dpi: dpi?,
        draw: draw?,
    })
}

fn read_box(v: &Val<'_>, ctx: &mut Ctx<'_>, page_w: f64, page_h: f64) -> Option<BoxMm> {
    let arr = as_array(v, "box", ctx)?;
    let nums: Vec<f64> = arr
        .iter()
        .filter_map(|n| as_number(n, "box", ctx).map(|n| *n.get_ref()))
        .collect();
    if nums.len() != 4 || arr.len() != 4 {
        ctx.error(
            Code::Geometry,
            v.span(),
            "`box` must be four numbers".to_string(),
            "write `box = [x, y, width, height]` in mm from the top-left corner",
        );
        return None;
    }
    let (x, y, w, h) = (nums[0], nums[1], nums[2], nums[3]);
    if w <= 0.0 || h <= 0.0 {
        ctx.error(
            Code::Geometry,
            v.span(),
            format!("box has no area ({w} x {h} mm)"),
            "width and height must be positive",
        );
        return None;
    }
    // Small tolerance for decimal rounding in hand-written boxes.
    let eps = 1e-6;
    if x < -eps || y < -eps || x + w > page_w + eps || y + h > page_h + eps {
        ctx.error(
            Code::OffPage,
            v.span(),
            format!(
                "element off the page: box [{x}, {y}, {w}, {h}] reaches ({}, {}) on a {page_w} x {page_h} mm page",
                x + w,
                y + h
            ),
            "move or shrink the box so it lies within width_mm x height_mm",
        );
        return None;
    }
    Some(BoxMm {
        x: x as f32,
        y: y as f32,
        w: w as f32,
        h: h as f32,
    })
}

fn paint(v: Option<&Val<'_>>, key: &str, ctx: &mut Ctx<'_>, default: Paint) -> Option<Paint> {
    let Some(v) = v else {
        return Some(default);
    };
    if let Some(s) = as_string(v, key, ctx) {
        if s.get_ref() == "tier" {
            return Some(Paint::Tier);
        }
        return colour(v, key, ctx).map(Paint::Fixed);
    }
    None
}

fn read_element(v: &Val<'_>, ctx: &mut Ctx<'_>, page_w: f64, page_h: f64) -> Option<Element> {
    let mut t = Table::new(v, "[[element]]", ctx)?;
    let kind = t.req_str("type", ctx);
    let area = t
        .required("box", ctx)
        .and_then(|b| read_box(b, ctx, page_w, page_h));
    let el = read_kind(&mut t, kind.as_ref(), area, v, ctx);
    // Keys of other element types are reported as unknown here (a band has no `field`).
    t.finish(ctx);
    el
}

/// The element of one type; every key of that type is asked for here, so the caller's
/// `finish` reports the rest as unknown even when a value was bad.
fn read_kind(
    t: &mut Table<'_, '_>,
    kind: Option<&toml::Spanned<String>>,
    area: Option<BoxMm>,
    v: &Val<'_>,
    ctx: &mut Ctx<'_>,
) -> Option<Element> {
    match kind.map(|k| k.get_ref().as_str()) {
        Some("band") => {
            let p = paint(t.get("colour"), "colour", ctx, Paint::Tier);
            Some(Element::Band {
                area: area?,
                paint: p?,
            })
        }
        Some("qr") => {
            let a = area?;
            if (a.w - a.h).abs() > 0.01 {
                ctx.error(
                    Code::QrNotSquare,
                    v.span(),
                    format!("the QR box is {} x {} mm, not square", a.w, a.h),
                    "give the QR a square box",
                );
            }
            Some(Element::Qr {
                area: a,
                span: v.span(),
            })
        }
        Some("text") => {
            let field = t.req_str("field", ctx).and_then(|f| {
                Field::parse(f.get_ref()).or_else(|| {
                    ctx.error(
                        Code::UnknownField,
                        f.span(),
                        format!("unknown field `{}`", f.get_ref()),
                        suggest(f.get_ref(), "fields", Field::ALL.iter().map(|(n, _)| *n)),
                    );
                    None
                })
            });
            let size = t
                .required("size", ctx)
                .and_then(|n| as_number(n, "size", ctx));
            let min_size = match t.get("min_size") {
                Some(n) => as_number(n, "min_size", ctx).map(|n| *n.get_ref()),
                None => size.as_ref().map(|s| *s.get_ref()),
            };
            let lines = match t.opt_int("lines", ctx) {
                Some(n) if (1..=6).contains(n.get_ref()) => u32::try_from(*n.get_ref()).ok(),
                Some(n) => {
                    ctx.error(
                        Code::TemplateRange,
                        n.span(),
                        format!("`lines` = {} is outside 1..=6", n.get_ref()),
                        "a label text wraps to at most 6 lines",
                    );
                    None
                }
                None => Some(1),
            };
            let bold = match t.opt_str("weight", ctx) {
                Some(w) => match w.get_ref().as_str() {
                    "regular" => Some(false),
                    "bold" => Some(true),
                    other => {
                        ctx.error(
                            Code::UnknownWord,
                            w.span(),
                            format!("unknown weight `{other}`"),
                            "use \"regular\" or \"bold\"",
                        );
                        None
                    }
                },
                None => Some(false),
            };
            let align = match t.opt_str("align", ctx) {
                Some(a) => match a.get_ref().as_str() {
                    "left" => Some(Align::Left),
                    "center" => Some(Align::Center),
                    "right" => Some(Align::Right),
                    other => {
                        ctx.error(
                            Code::UnknownWord,
                            a.span(),
                            format!("unknown alignment `{other}`"),
                            "use \"left\", \"center\" or \"right\"",
                        );
                        None
                    }
                },
                None => Some(Align::Left),
            };
            let p = paint(t.get("colour"), "colour", ctx, Paint::Fixed(Rgb(0, 0, 0)));
            let size = size?;
            let s = *size.get_ref();
            let min = min_size?;
            if !(3.0..=72.0).contains(&s) || !(3.0..=s).contains(&min) {
                ctx.error(
                    Code::TemplateRange,
                    size.span(),
                    format!("text size {s} pt with min_size {min} pt is not usable"),
                    "sizes run from 3 to 72 pt and min_size may not exceed size",
                );
                return None;
            }
            Some(Element::Text {
                field: field?,
                area: area?,
                size: s as f32,
                min_size: min as f32,
                lines: lines?,
                bold: bold?,
                paint: p?,
                align: align?,
                span: v.span(),
            })
        }
        Some(other) => {
            if let Some(k) = kind {
                ctx.error(
                    Code::UnknownWord,
                    k.span(),
                    format!("unknown element type `{other}`"),
                    "use \"text\", \"qr\" or \"band\"",
                );
            }
            None
        }
        None => None,
    }
}

fn read_sheet(
    v: &Val<'_>,
    ctx: &mut Ctx<'_>,
    resolve: Resolver<'_>,
    page_w: f64,
    page_h: f64,
) -> Option<SheetSpec> {
    let mut t = Table::new(v, "[sheet]", ctx)?;
    let label = t.req_str("label", ctx);
    let pair =
        |t: &mut Table<'_, '_>, key: &'static str, ctx: &mut Ctx<'_>| -> Option<(f64, f64)> {
            let v = t.required(key, ctx)?;
            let arr = as_array(v, key, ctx)?;
            let n: Vec<f64> = arr
                .iter()
                .filter_map(|x| as_number(x, key, ctx).map(|n| *n.get_ref()))
                .collect();
            if n.len() != 2 || n.iter().any(|x| *x < 0.0) {
                ctx.error(
                    Code::Geometry,
                    v.span(),
                    format!("`{key}` must be two non-negative numbers"),
                    format!("write `{key} = [x, y]` in mm"),
                );
                return None;
            }
            Some((n[0], n[1]))
        };
    let margin = pair(&mut t, "margin_mm", ctx);
    let gap = pair(&mut t, "gap_mm", ctx);
    t.finish(ctx);
    let label_name = label?;
    let inner = match resolve(label_name.get_ref()) {
        Ok(t) if t.sheet.is_none() => t,
        Ok(_) => {
            ctx.error(
                Code::SheetLabel,
                label_name.span(),
                format!("`{}` is itself a sheet", label_name.get_ref()),
                "tile a label template such as \"standard\" or \"compact\"",
            );
            return None;
        }
        Err(d) => {
            let first = d.0.first().map(|d| d.message.clone()).unwrap_or_default();
            ctx.error(
                Code::SheetLabel,
                label_name.span(),
                format!(
                    "cannot load label template `{}`: {first}",
                    label_name.get_ref()
                ),
                "name a bundled template or a template file beside this one",
            );
            return None;
        }
    };
    let (margin, gap) = (margin?, gap?);
    let fit = |page: f64, m: f64, g: f64, w: f64| ((page - 2.0 * m + g) / (w + g)).floor().max(0.0);
    let cols = fit(page_w, margin.0, gap.0, f64::from(inner.width));
    let rows = fit(page_h, margin.1, gap.1, f64::from(inner.height));
    if cols < 1.0 || rows < 1.0 {
        ctx.error(
            Code::SheetFit,
            label_name.span(),
            format!(
                "a {} x {} mm label does not fit on the {page_w} x {page_h} mm sheet with these margins",
                inner.width, inner.height
            ),
            "reduce margin_mm or use a smaller label",
        );
        return None;
    }
    Some(SheetSpec {
        label: Box::new(inner),
        margin: (margin.0 as f32, margin.1 as f32),
        gap: (gap.0 as f32, gap.1 as f32),
        grid: (cols as u32, rows as u32),
    })
}
