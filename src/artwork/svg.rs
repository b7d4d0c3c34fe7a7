//! SVG output for packaging designers: the same items as the PDF, with text converted to
//! glyph outlines (each glyph defined once, then placed with `<use>`), so the file needs no
//! fonts. Units are millimetres (`viewBox` in mm).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::fonts::outline_path;
use super::layout::{Item, PT_PER_MM, Page};
use super::template::Rgb;

/// Formats a length with at most 4 decimals and no trailing zeros.
fn n(v: f32) -> String {
    let s = format!("{:.4}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One page as an SVG document. `title` becomes the `<title>` (escaped).
pub fn write_svg(page: &Page, title: &str) -> String {
    let mut defs: BTreeMap<(String, u16), String> = BTreeMap::new();
    let mut body = String::new();
    let _ = writeln!(
        body,
        r#"<rect width="{}" height="{}" fill="{}"/>"#,
        n(page.width),
        n(page.height),
        page.background.hex()
    );
    for item in &page.items {
        match item {
            Item::Rect { area, colour } => {
                let _ = writeln!(
                    body,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
                    n(area.x),
                    n(area.y),
                    n(area.w),
                    n(area.h),
                    colour.hex()
                );
            }
            Item::Text(t) => {
                let _ = writeln!(
                    body,
                    r#"<g fill="{}" aria-label="{}">"#,
                    t.colour.hex(),
                    escape(
                        &t.lines
                            .iter()
                            .map(|l| l.text.as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    )
                );
                for line in &t.lines {
                    let mut x = line.x;
                    for g in &line.glyphs {
                        let Some(font) = t.chain.fonts.get(g.font) else {
                            continue;
                        };
                        let id = format!("g{}-{}", defs_index(&font.name), g.gid);
                        let k = t.size / PT_PER_MM / font.units_per_em();
                        defs.entry((font.name.clone(), g.gid))
                            .or_insert_with(|| outline_path(font, g.gid).unwrap_or_default());
                        if g.ch != ' ' {
                            let _ = writeln!(
                                body,
                                r##"<use xlink:href="#{id}" transform="translate({} {}) scale({} {})"/>"##,
                                n(x),
                                n(line.baseline),
                                k,
                                -k
                            );
                        }
                        x += g.advance * t.size / PT_PER_MM;
                    }
                }
                body.push_str("</g>\n");
            }
            Item::Qr(q) => {
                let mut d = String::new();
                for (row, col, len) in q.symbol.dark_runs() {
                    let _ = write!(
                        d,
                        "M{} {}h{}v{}h-{}z",
                        n(q.x + col as f32 * q.module),
                        n(q.y + row as f32 * q.module),
                        n(len as f32 * q.module),
                        n(q.module),
                        n(len as f32 * q.module)
                    );
                }
                let _ = writeln!(
                    body,
                    r#"<path fill="{}" shape-rendering="crispEdges" d="{d}"/>"#,
                    q.colour.hex()
                );
            }
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}">"#,
        w = n(page.width),
        h = n(page.height)
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    out.push_str("<defs>\n");
    for ((font, gid), d) in &defs {
        let _ = writeln!(out, r#"<path id="g{}-{gid}" d="{d}"/>"#, defs_index(font));
    }
    out.push_str("</defs>\n");
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

/// A short stable id per bundled font file name, for glyph ids in `<defs>`.
fn defs_index(font: &str) -> String {
    font.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// White, for callers that need the default background.
pub const WHITE: Rgb = Rgb(255, 255, 255);
