//! PDF output: laid-out pages -> a PDF 1.7 file with real, extractable text in subset fonts.
//!
//! Why `pdf-writer` + `subsetter` and not `printpdf` (an asked-for crate), measured: with font
//! subsetting (`text_layout`), printpdf 0.12 took 5.8-6.7 ms per one-label PDF
//! (`../shared/reference/crates.md` §2), against a budget of 1 ms, and it numbers fonts,
//! XObjects and the trailer `/ID` from a process-wide counter, so the same label rendered twice
//! in one process gave different bytes. Here every object number, font tag and the file id
//! derive from the content alone, and `cargo bench --bench artwork` measures the result.
//!
//! Text: each bundled TrueType font used becomes a Type0 font with Identity-H encoding over a
//! CIDFontType2 subset (glyph ids renumbered by `subsetter`, CID = new glyph id), with a
//! `W` array from the font's advances (the same widths layout fitted lines with) and a
//! `ToUnicode` map, so `pdftotext` extracts Latin and Japanese text.
//!
//! Fonts are subset once per glyph set: a small process-wide cache ([`subset_font`]) keyed by
//! the font and its sorted glyph ids holds the compressed subset, its length and the widths,
//! so the documents of a batch that use the same glyphs share one subsetting and one deflate
//! (the same bytes as making them again; a test checks a cold and a warm cache and threads).
//!
//! Page content is written by [`Ops`] (hex glyph codes, no repeated state) and every stream is
//! deflated by libdeflate ([`deflate`]); both replaced measured costs (issue 14).
//!
//! QR: by default a 1-bit image mask, one sample per module, interpolation off, scaled to the
//! module size: exact edges at any resolution and about 600 bytes a symbol. The vector form
//! (one rectangle per run of dark modules) is the alternative the template can choose.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

use libdeflater::{CompressionLvl, Compressor};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use sha2::{Digest, Sha256};
use subsetter::GlyphRemapper;

use super::fonts::FontFile;
use super::layout::{Item, PT_PER_MM, Page, QrItem};
use super::template::{QrDraw, Rgb};
use std::sync::Arc;

/// Why a PDF could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// The font subsetter refused a font.
    #[error("cannot subset font `{font}`: {why}")]
    Subset {
        /// Font file name.
        font: String,
        /// Why.
        why: String,
    },
    /// Compression failed (out of memory).
    #[error("cannot compress a PDF stream: {0}")]
    Compress(String),
}

thread_local! {
    /// One compressor per thread: making one allocates its tables (with flate2 that was 4 % of
    /// a batch's CPU). libdeflate, not flate2's miniz_oxide: on a 5-page report's content
    /// (83 KB) level 1 took 0.21-0.45 ms against miniz_oxide's fastest 0.37-0.73 ms (three
    /// rounds, same sitting) and wrote 16.8 KB against 21.0 KB; deflate was the largest item
    /// of a batch's profile (14 % of the CPU). Its output depends only on the input, level and
    /// library version (a test compares a reused compressor with a new one).
    static DEFLATER: std::cell::RefCell<Compressor> = std::cell::RefCell::new(Compressor::new(
        CompressionLvl::new(1).unwrap_or_default(),
    ));
}

/// zlib-wrapped deflate of a PDF stream (`/FlateDecode`).
fn deflate(data: &[u8]) -> Result<Vec<u8>, PdfError> {
    DEFLATER.with_borrow_mut(|z| {
        let mut out = vec![0; z.zlib_compress_bound(data.len())];
        let n = z
            .zlib_compress(data, &mut out)
            .map_err(|e| PdfError::Compress(format!("{e:?}")))?;
        out.truncate(n);
        Ok(out)
    })
}

/// A page's object ids, compressed content, size (mm) and image XObjects by name.
type PageObj = (Ref, Ref, Vec<u8>, f32, f32, Vec<(String, Ref)>);

/// A font subset as written: the compressed `FontFile2` stream, the subset's length
/// (`Length1`) and the widths of its glyphs in new-id order (1/1000 em).
#[derive(Debug)]
struct Subset {
    compressed: Vec<u8>,
    length: i32,
    widths: Vec<f32>,
}

/// Subsets kept at most (a few to a few tens of KB each): a batch of labels of one range
/// uses a handful of glyph sets per font.
const SUBSET_CACHE: usize = 64;

/// The subset cache: (font id, sorted old glyph ids) -> subset, oldest first out.
type SubsetCache = (
    HashMap<(u64, Vec<u16>), Arc<Subset>>,
    VecDeque<(u64, Vec<u16>)>,
);

fn subset_cache() -> &'static Mutex<SubsetCache> {
    static CACHE: std::sync::OnceLock<Mutex<SubsetCache>> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| Mutex::new((HashMap::new(), VecDeque::new())))
}

/// Empties the subset cache (benchmarks measure the cold path with it; output is the same
/// either way).
#[doc(hidden)]
pub fn clear_subset_cache() {
    if let Ok(mut c) = subset_cache().lock() {
        c.0.clear();
        c.1.clear();
    }
}

/// The subset of `f` for its glyphs, from the cache or made (outside the lock) and kept.
fn subset_font(f: &FontUse) -> Result<Arc<Subset>, PdfError> {
    let key = (f.file.id(), f.glyphs.keys().copied().collect::<Vec<u16>>());
    // A poisoned lock only means another thread panicked mid-insert; the map is still whole.
    let lock = || subset_cache().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = lock().0.get(&key) {
        return Ok(s.clone());
    }
    let made = Arc::new(make_subset(f)?);
    let mut c = lock();
    if !c.0.contains_key(&key) {
        if c.1.len() >= SUBSET_CACHE
            && let Some(old) = c.1.pop_front()
        {
            c.0.remove(&old);
        }
        c.1.push_back(key.clone());
        c.0.insert(key, made.clone());
    }
    Ok(made)
}

fn make_subset(f: &FontUse) -> Result<Subset, PdfError> {
    let subset = subsetter::subset(&f.file.data, 0, &f.remapper).map_err(|e| PdfError::Subset {
        font: f.file.name.clone(),
        why: format!("{e:?}"),
    })?;
    let upem = f.file.units_per_em();
    let widths = f
        .remapper
        .remapped_gids()
        .map(|old| r(f32::from(f.file.advance(old)) * 1000.0 / upem))
        .collect();
    Ok(Subset {
        compressed: deflate(&subset)?,
        length: i32::try_from(subset.len()).unwrap_or(0),
        widths,
    })
}

/// Glyph ids of one font seen so far (bit set) and each one's first character, in order.
type Seen = (Vec<u64>, Vec<(u16, char)>);

/// One font file as used in the document.
struct FontUse {
    file: Arc<FontFile>,
    /// Old glyph id -> the character it shows.
    glyphs: BTreeMap<u16, char>,
    remapper: GlyphRemapper,
    /// New glyph id by old glyph id (the remapper's answers as a table: a lookup per glyph
    /// drawn showed in the profile).
    new_ids: Vec<u16>,
}

impl FontUse {
    fn new_id(&self, old: u16) -> u16 {
        self.new_ids.get(usize::from(old)).copied().unwrap_or(0)
    }
}

/// `v` in whole thousandths (of a point), so output does not depend on float noise in the
/// last digits.
fn milli(v: f32) -> i64 {
    (v * 1000.0).round() as i64
}

/// `v` rounded to 1/1000, as a float (for pdf-writer's own number writing).
fn r(v: f32) -> f32 {
    milli(v) as f32 / 1000.0
}

/// A page's content stream. Written here, not with pdf-writer's `Content`: `Content` writes a
/// string whose bytes are all below 0x80 as a literal with octal escapes, so the 2-byte glyph
/// codes of a font subset (high byte 0) came out as `(\000\023\000<...)`, about 6 bytes a
/// glyph against hex's 4, with no way to ask for hex; in a 5-page report that was 74 KB of its
/// 124 KB of content, all of it deflated (and inflated by every reader). Besides hex strings,
/// `Ops` leaves out what changes nothing: a fill colour already set, a font already selected
/// in this text object, a text position as a move from the last. A report's content went from
/// 124 to 83 KB, its PDF from 53 to 48 KB, rendered pixels unchanged (the batch figure is in
/// README, issue 14). Numbers are written from whole thousandths ([`milli`]), so no
/// float formatting reaches the bytes.
struct Ops {
    buf: Vec<u8>,
    /// The fill colour set last (graphics state: it outlives `BT`/`ET`; `q`/`Q` pairs here
    /// never change it inside).
    fill: Option<Rgb>,
    /// Font slot and size (thousandths) selected in the open text object.
    font: Option<(usize, i64)>,
    /// The text line's origin in the open text object, thousandths of a point.
    line: (i64, i64),
}

impl Ops {
    fn new() -> Ops {
        Ops {
            buf: Vec::with_capacity(16 * 1024),
            fill: None,
            font: None,
            line: (0, 0),
        }
    }

    /// `v / 10^digits` as a PDF number, trailing zeros dropped, then a space.
    fn number(&mut self, v: i64, digits: u32) {
        let scale = 10u64.pow(digits);
        if v < 0 {
            self.buf.push(b'-');
        }
        let a = v.unsigned_abs();
        let (whole, mut frac) = (a / scale, a % scale);
        // Digits by hand and `itoa`: `write!` was 3 % of a batch's CPU.
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(whole).as_bytes());
        if frac != 0 {
            self.buf.push(b'.');
            let mut unit = scale / 10;
            while frac != 0 {
                self.buf.push(b'0' + (frac / unit) as u8);
                frac %= unit;
                unit /= 10;
            }
        }
        self.buf.push(b' ');
    }

    fn op(&mut self, op: &[u8]) {
        self.buf.extend_from_slice(op);
        self.buf.push(b'\n');
    }

    /// `rg`, when the colour is not already the fill colour (components in ten-thousandths:
    /// every 8-bit value reads back as itself).
    fn fill_colour(&mut self, rgb: Rgb) {
        if self.fill == Some(rgb) {
            return;
        }
        self.fill = Some(rgb);
        for c in [rgb.0, rgb.1, rgb.2] {
            self.number((i64::from(c) * 10_000 + 127) / 255, 4);
        }
        self.op(b"rg");
    }

    /// A filled rectangle, corners in points.
    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        for v in [x, y, w, h] {
            self.number(milli(v), 3);
        }
        self.op(b"re");
    }

    fn fill(&mut self) {
        self.op(b"f");
    }

    fn begin_text(&mut self) {
        self.op(b"BT");
        self.font = None;
        self.line = (0, 0);
    }

    fn end_text(&mut self) {
        self.op(b"ET");
    }

    /// `Tf`, when that font and size are not already selected.
    fn font(&mut self, slot: usize, size: f32) {
        let f = (slot, milli(size));
        if self.font == Some(f) {
            return;
        }
        self.font = Some(f);
        // Font resource names are F0, F1, ... by slot.
        self.buf.extend_from_slice(b"/F");
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(slot).as_bytes());
        self.buf.push(b' ');
        self.number(f.1, 3);
        self.op(b"Tf");
    }

    /// Starts a text line at (x, y) points: `Td` by the difference from the last line's origin
    /// (exact in thousandths).
    fn line_at(&mut self, x: f32, y: f32) {
        let to = (milli(x), milli(y));
        self.number(to.0 - self.line.0, 3);
        self.number(to.1 - self.line.1, 3);
        self.op(b"Td");
        self.line = to;
    }

    /// `Tj` of glyph codes as a hex string.
    fn show(&mut self, codes: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        self.buf.push(b'<');
        for b in codes {
            self.buf.push(HEX[usize::from(b >> 4)]);
            self.buf.push(HEX[usize::from(b & 15)]);
        }
        self.op(b"> Tj");
    }

    /// Draws image XObject `name` into the square of side `side` points at (x, y).
    fn image(&mut self, name: &str, side: f32, x: f32, y: f32) {
        self.op(b"q");
        let s = milli(side);
        self.number(s, 3);
        self.buf.extend_from_slice(b"0 0 ");
        self.number(s, 3);
        self.number(milli(x), 3);
        self.number(milli(y), 3);
        self.op(b"cm");
        self.buf.push(b'/');
        self.buf.extend_from_slice(name.as_bytes());
        self.op(b" Do");
        self.op(b"Q");
    }
}

/// Writes pages as one PDF. `title` goes into the document information; the trailer file id
/// is derived from the content, so the same pages always give the same bytes.
pub fn write_pdf(pages: &[Page], title: &str, qr_draw: QrDraw) -> Result<Vec<u8>, PdfError> {
    // 1. Fonts and glyphs used, in first-use order (deterministic).
    let mut fonts: Vec<FontUse> = Vec::new();
    // Per slot: glyph ids seen (a bit set: a map insert per glyph drawn showed in the
    // profile) and each glyph's first character, in first-use order.
    let mut seen: Vec<Seen> = Vec::new();
    let slot_of = |file: &Arc<FontFile>, fonts: &mut Vec<FontUse>| -> usize {
        if let Some(i) = fonts.iter().position(|f| f.file.name == file.name) {
            return i;
        }
        fonts.push(FontUse {
            file: file.clone(),
            glyphs: BTreeMap::new(),
            remapper: GlyphRemapper::new(),
            new_ids: Vec::new(),
        });
        fonts.len() - 1
    };
    for page in pages {
        for item in &page.items {
            if let Item::Text(t) = item {
                // The slot of each font of the item's chain, found at its first glyph.
                let mut slots: Vec<Option<usize>> = vec![None; t.chain.fonts.len()];
                for line in &t.lines {
                    for g in &line.glyphs {
                        if let Some(file) = t.chain.fonts.get(g.font) {
                            let s = *slots[g.font].get_or_insert_with(|| slot_of(file, &mut fonts));
                            if seen.len() <= s {
                                seen.resize_with(s + 1, Default::default);
                            }
                            let (bits, firsts) = &mut seen[s];
                            let (word, bit) = (usize::from(g.gid / 64), 1u64 << (g.gid % 64));
                            if bits.len() <= word {
                                bits.resize(word + 1, 0);
                            }
                            if bits[word] & bit == 0 {
                                bits[word] |= bit;
                                firsts.push((g.gid, g.ch));
                            }
                        }
                    }
                }
            }
        }
    }
    for (f, (_, firsts)) in fonts.iter_mut().zip(seen) {
        f.glyphs = firsts.into_iter().collect();
        let gids: Vec<u16> = f.glyphs.keys().copied().collect();
        f.remapper = GlyphRemapper::new_from_glyphs_sorted(&gids);
        let top = gids.last().map_or(0, |g| usize::from(*g) + 1);
        f.new_ids = vec![0; top];
        for old in gids {
            f.new_ids[usize::from(old)] = f.remapper.get(old).unwrap_or(0);
        }
    }

    // 2. Object numbers: catalog, page tree, info, then per page (page, content), per QR
    //    image, per font (type0, cid, descriptor, file, tounicode).
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let font_refs: Vec<[Ref; 5]> = fonts
        .iter()
        .map(|_| [alloc(), alloc(), alloc(), alloc(), alloc()])
        .collect();

    let mut pdf = Pdf::new();
    // The glyph codes of one text run (one buffer for the document).
    let mut codes: Vec<u8> = Vec::new();
    let mut page_ids = Vec::new();
    // Pages and their content.
    let mut image_count = 0usize;
    let mut deferred_images: Vec<(Ref, Vec<u8>, usize)> = Vec::new();
    let mut page_objs: Vec<PageObj> = Vec::new();
    for page in pages {
        let page_id = alloc();
        let content_id = alloc();
        page_ids.push(page_id);
        let h_pt = page.height * PT_PER_MM;
        let mut c = Ops::new();
        let mut xobjects = Vec::new();
        if page.background != Rgb(255, 255, 255) {
            c.fill_colour(page.background);
            c.rect(0.0, 0.0, page.width * PT_PER_MM, h_pt);
            c.fill();
        }
        for item in &page.items {
            match item {
                Item::Rect { area, colour: rgb } => {
                    c.fill_colour(*rgb);
                    c.rect(
                        area.x * PT_PER_MM,
                        h_pt - (area.y + area.h) * PT_PER_MM,
                        area.w * PT_PER_MM,
                        area.h * PT_PER_MM,
                    );
                    c.fill();
                }
                Item::Text(t) => {
                    c.begin_text();
                    c.fill_colour(t.colour);
                    // The slot of each font of the chain (0 for one no glyph uses).
                    let slots: Vec<usize> = t
                        .chain
                        .fonts
                        .iter()
                        .map(|f| {
                            fonts
                                .iter()
                                .position(|u| u.file.name == f.name)
                                .unwrap_or(0)
                        })
                        .collect();
                    for line in &t.lines {
                        let mut x = line.x * PT_PER_MM;
                        let y = h_pt - line.baseline * PT_PER_MM;
                        // One run per stretch of glyphs from the same font of the chain.
                        for run in line.glyphs.chunk_by(|a, b| a.font == b.font) {
                            let slot = slots.get(run[0].font).copied().unwrap_or(0);
                            codes.clear();
                            for g in run {
                                let cid = fonts.get(slot).map_or(0, |u| u.new_id(g.gid));
                                codes.extend_from_slice(&cid.to_be_bytes());
                            }
                            c.font(slot, t.size);
                            c.line_at(x, y);
                            c.show(&codes);
                            x += run.iter().map(|g| g.advance).sum::<f32>() * t.size;
                        }
                    }
                    c.end_text();
                }
                Item::Qr(q) => {
                    c.fill_colour(q.colour);
                    let n = q.symbol.size();
                    let side = q.module * n as f32 * PT_PER_MM;
                    let x0 = q.x * PT_PER_MM;
                    let y0 = h_pt - q.y * PT_PER_MM - side;
                    match qr_draw {
                        QrDraw::Mask => {
                            let id = alloc();
                            let name = format!("Q{image_count}");
                            image_count += 1;
                            c.image(&name, side, x0, y0);
                            deferred_images.push((id, mask_bits(q), n));
                            xobjects.push((name, id));
                        }
                        QrDraw::Vector => {
                            let m = q.module * PT_PER_MM;
                            for (row, col, len) in q.symbol.dark_runs() {
                                c.rect(
                                    x0 + col as f32 * m,
                                    h_pt - q.y * PT_PER_MM - (row + 1) as f32 * m,
                                    len as f32 * m,
                                    m,
                                );
                            }
                            c.fill();
                        }
                    }
                }
            }
        }
        let data = deflate(&c.buf)?;
        page_objs.push((page_id, content_id, data, page.width, page.height, xobjects));
    }

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));
    for (page_id, content_id, data, w, h, xobjects) in &page_objs {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, r(w * PT_PER_MM), r(h * PT_PER_MM)));
        page.parent(tree);
        page.contents(*content_id);
        let mut res = page.resources();
        {
            let mut f = res.fonts();
            for (i, refs) in font_refs.iter().enumerate() {
                f.pair(Name(format!("F{i}").as_bytes()), refs[0]);
            }
        }
        if !xobjects.is_empty() {
            let mut x = res.x_objects();
            for (name, id) in xobjects {
                x.pair(Name(name.as_bytes()), *id);
            }
        }
        res.finish();
        page.finish();
        pdf.stream(*content_id, data).filter(Filter::FlateDecode);
    }
    for (id, bits, n) in &deferred_images {
        // Stored uncompressed: about 600 bytes of 1-bit rows barely compress, and deflate's
        // fixed cost per stream showed in the profile.
        let side = i32::try_from(*n).unwrap_or(0);
        let mut img = pdf.image_xobject(*id, bits);
        img.width(side);
        img.height(side);
        img.image_mask(true);
        img.bits_per_component(1);
        img.interpolate(false);
        img.finish();
    }

    // 3. Fonts.
    let mut digest = Sha256::new();
    for (f, refs) in fonts.iter().zip(&font_refs) {
        let [type0, cid, descriptor, file_ref, tounicode] = *refs;
        let subset = subset_font(f)?;
        // The subset tag (six capitals) is derived from the glyphs kept, as PDF asks.
        let mut h = Sha256::new();
        h.update(f.file.name.as_bytes());
        for g in f.glyphs.keys() {
            h.update(g.to_be_bytes());
        }
        let hash = h.finalize();
        digest.update(hash);
        let tag: String = hash[..6]
            .iter()
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        let base = format!("{tag}+{}", f.file.postscript_name);
        let upem = f.file.units_per_em();
        let scale = |v: i16| f32::from(v) * 1000.0 / upem;

        pdf.type0_font(type0)
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(tounicode);
        let mut cidfont = pdf.cid_font(cid);
        cidfont
            .subtype(CidFontType::Type2)
            .base_font(Name(base.as_bytes()))
            .system_info(SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            })
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cidfont
            .widths()
            .consecutive(0, subset.widths.iter().copied());
        cidfont.finish();
        let mut flags = FontFlags::SYMBOLIC;
        if f.file.monospaced {
            flags |= FontFlags::FIXED_PITCH;
        }
        pdf.font_descriptor(descriptor)
            .name(Name(base.as_bytes()))
            .flags(flags)
            .bbox(Rect::new(
                scale(f.file.bbox[0]),
                scale(f.file.bbox[1]),
                scale(f.file.bbox[2]),
                scale(f.file.bbox[3]),
            ))
            .italic_angle(0.0)
            .ascent(scale(f.file.ascender))
            .descent(scale(f.file.descender))
            .cap_height(scale(f.file.cap_height))
            .stem_v(80.0)
            .font_file2(file_ref);
        pdf.stream(file_ref, &subset.compressed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.length);
        let mut cmap = UnicodeCmap::new(
            Name(b"Custom"),
            SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"UCS"),
                supplement: 0,
            },
        );
        for (old, ch) in &f.glyphs {
            if let Some(new) = f.remapper.get(*old) {
                cmap.pair(new, *ch);
            }
        }
        // Uncompressed for the same reason: a few hundred bytes of text.
        let cmap_data = cmap.finish();
        pdf.cmap(tounicode, &cmap_data);
    }

    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("iotlabel"));
    // File id: a digest of what is on the pages, so equal content gives equal bytes.
    digest.update(title.as_bytes());
    for (_, _, data, ..) in &page_objs {
        digest.update(data);
    }
    let id = digest.finalize()[..16].to_vec();
    pdf.set_file_id((id.clone(), id));
    Ok(pdf.finish())
}

/// The QR as 1-bit rows, MSB first, each row padded to a byte; 0 = dark (paints through the
/// image mask), 1 = light.
fn mask_bits(q: &QrItem) -> Vec<u8> {
    let n = q.symbol.size();
    let row_bytes = n.div_ceil(8);
    let mut out = vec![0xFFu8; row_bytes * n];
    for y in 0..n {
        for x in 0..n {
            if q.symbol.is_dark(x, y) {
                out[y * row_bytes + x / 8] &= !(0x80 >> (x % 8));
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::artwork::Field;
    use crate::artwork::fonts::{FontChain, bundled_font, width_em};
    use crate::artwork::layout::{TextItem, TextLine};
    use crate::artwork::template::BoxMm;

    /// The reused compressor gives what a new one gives, stream after stream, at every size
    /// (empty, one byte, past the 32 KB window, incompressible), and flate2's independent
    /// inflater reads it back.
    #[test]
    fn a_reused_compressor_gives_the_bytes_of_a_new_one() {
        use std::io::Read as _;
        let mut noise = Vec::new();
        let mut x: u32 = 1;
        for _ in 0..200_000 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            noise.push((x >> 24) as u8);
        }
        let text = b"BT /F1 8.5 Tf 42.5 700 Td <0012003A> Tj ET\n".repeat(3000);
        for data in [
            &b""[..],
            b"x",
            &text,
            &noise,
            &text[..100],
            &noise[..70_000],
        ] {
            let mut fresh = Compressor::new(CompressionLvl::new(1).unwrap());
            let mut out = vec![0; fresh.zlib_compress_bound(data.len())];
            let n = fresh.zlib_compress(data, &mut out).unwrap();
            let reused = deflate(data).unwrap();
            assert_eq!(reused, out[..n], "{} bytes", data.len());
            let mut back = Vec::new();
            flate2::read::ZlibDecoder::new(&reused[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, data);
        }
    }

    /// A page with `text` in Noto Sans with IPAex Gothic for what it lacks.
    fn page(text: &str) -> Page {
        let chain = FontChain {
            fonts: vec![
                bundled_font("NotoSans-Regular.ttf").unwrap(),
                bundled_font("ipaexg.ttf").unwrap(),
            ],
        };
        let glyphs = chain.set(text).0;
        let line = TextLine {
            text: text.to_string(),
            x: 5.0,
            baseline: 10.0,
            width: width_em(&glyphs) * 9.0 / PT_PER_MM,
            glyphs,
        };
        Page {
            width: 80.0,
            height: 40.0,
            background: Rgb(255, 255, 255),
            items: vec![Item::Text(TextItem {
                field: Field::Model,
                area: BoxMm {
                    x: 5.0,
                    y: 5.0,
                    w: 70.0,
                    h: 10.0,
                },
                size: 9.0,
                colour: Rgb(0, 0, 0),
                chain,
                lines: vec![line],
            })],
        }
    }

    /// Numbers are whole thousandths written exactly, trailing zeros dropped.
    #[test]
    fn content_numbers_are_exact_decimals() {
        for (v, digits, want) in [
            (0, 3, "0 "),
            (42_520, 3, "42.52 "),
            (-1_500, 3, "-1.5 "),
            (5, 3, "0.005 "),
            (-5, 3, "-0.005 "),
            (1_000, 3, "1 "),
            (783_658, 3, "783.658 "),
            (9_098, 4, "0.9098 "),
            (10_000, 4, "1 "),
        ] {
            let mut o = Ops::new();
            o.number(v, digits);
            assert_eq!(String::from_utf8(o.buf).unwrap(), want, "{v} / 10^{digits}");
        }
    }

    /// A colour component written with four decimals reads back as its 8-bit value.
    #[test]
    fn every_colour_component_reads_back_as_itself() {
        for c in 0..=255u8 {
            let mut o = Ops::new();
            o.fill_colour(Rgb(c, c, c));
            let text = String::from_utf8(o.buf).unwrap();
            let v: f64 = text.split(' ').next().unwrap().parse().unwrap();
            assert_eq!((v * 255.0).round() as u8, c, "{text}");
        }
    }

    /// The inflated content streams of a PDF's pages.
    fn page_contents(pdf: &[u8]) -> Vec<String> {
        use std::io::Read as _;
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(i) = pdf[at..].windows(7).position(|w| w == b"stream\n") {
            let start = at + i + 7;
            let len = pdf[start..]
                .windows(9)
                .position(|w| w == b"endstream")
                .unwrap();
            let mut text = String::new();
            let inflated = flate2::read::ZlibDecoder::new(&pdf[start..start + len])
                .read_to_string(&mut text)
                .is_ok();
            if inflated && text.contains(" Tj") {
                out.push(text);
            }
            at = start + len + b"endstream".len();
        }
        out
    }

    /// Glyph codes are hex strings (pdf-writer wrote them as literals with an octal escape for
    /// every zero byte), and a colour or font already set is not set again.
    #[test]
    fn page_content_shows_hex_codes_and_sets_no_state_twice() {
        let mut p = page("Acme Thermostat");
        let Item::Text(t) = p.items[0].clone() else {
            unreachable!()
        };
        let mut second = t.clone();
        for l in &mut second.lines {
            l.baseline += 5.0;
        }
        let mut two_lines = t.clone();
        two_lines.lines.extend(second.lines.clone());
        p.items = vec![Item::Text(t), Item::Text(second), Item::Text(two_lines)];
        let pdf = write_pdf(&[p], "t", QrDraw::Mask).unwrap();
        let content = page_contents(&pdf).concat();
        assert!(!content.contains("\\000"), "{content}");
        assert_eq!(content.matches(" Tj").count(), 4, "{content}");
        assert!(
            content
                .lines()
                .filter(|l| l.ends_with(" Tj"))
                .all(|l| l.starts_with('<')
                    && l[1..l.len() - 4].bytes().all(|b| b.is_ascii_hexdigit())),
            "{content}"
        );
        assert_eq!(content.matches(" rg").count(), 1, "{content}");
        // One font selection per text object, not one per line.
        assert_eq!(content.matches(" Tf").count(), 3, "{content}");
    }

    /// The cached subsets give the bytes a fresh subsetting gives, on one thread or several.
    #[test]
    fn same_bytes_with_a_cold_or_warm_subset_cache_and_on_threads() {
        let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let pages = [page("Acme Thermostat T-1000 ★ 試験済み"), page("Level 3")];
        clear_subset_cache();
        let cold = write_pdf(&pages, "t", QrDraw::Mask).unwrap();
        let warm = write_pdf(&pages, "t", QrDraw::Mask).unwrap();
        assert_eq!(cold, warm);
        let threads: Vec<Vec<u8>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|i| {
                    s.spawn(move || {
                        if i == 0 {
                            clear_subset_cache();
                        }
                        let pages = [page("Acme Thermostat T-1000 ★ 試験済み"), page("Level 3")];
                        write_pdf(&pages, "t", QrDraw::Mask).unwrap()
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for t in threads {
            assert_eq!(t, cold);
        }
        // Another glyph set is another subset.
        assert_ne!(
            write_pdf(&[page("Level 2")], "t", QrDraw::Mask).unwrap(),
            cold
        );
    }

    /// The two tests that clear or fill the cache run one at a time.
    static SERIAL: Mutex<()> = Mutex::new(());

    #[test]
    fn the_subset_cache_is_bounded() {
        let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let mut most = 0;
        for i in 1..=SUBSET_CACHE + 8 {
            // A distinct glyph set each time: the letters a-g picked by the bits of i.
            let text: String = (0..7u8)
                .filter(|b| i >> b & 1 == 1)
                .map(|b| char::from(b'a' + b))
                .collect();
            write_pdf(&[page(&text)], "t", QrDraw::Mask).unwrap();
            let c = subset_cache().lock().unwrap();
            assert!(c.0.len() <= SUBSET_CACHE && c.0.len() == c.1.len());
            most = most.max(c.0.len());
        }
        assert_eq!(most, SUBSET_CACHE);
    }
}
