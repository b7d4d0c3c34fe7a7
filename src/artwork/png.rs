//! PNG output: the SVG (text already outlines, so no font database is needed) rasterised by
//! resvg at a given resolution.

use super::layout::Page;
use super::svg::write_svg;

/// Why a PNG could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PngError {
    /// The SVG did not parse (a defect of ours).
    #[error("cannot rasterise the label: {0}")]
    Svg(String),
    /// The requested size is empty or too large.
    #[error("a {w} x {h} pixel image is not possible (dpi {dpi})")]
    Size {
        /// Width in pixels.
        w: u32,
        /// Height in pixels.
        h: u32,
        /// Resolution asked for.
        dpi: u32,
    },
    /// PNG encoding failed.
    #[error("cannot encode the PNG: {0}")]
    Encode(String),
}

/// Rasterises a page at `dpi` into an RGBA pixmap.
pub fn rasterise(page: &Page, dpi: u32) -> Result<resvg::tiny_skia::Pixmap, PngError> {
    let svg = write_svg(page, "");
    let tree = resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default())
        .map_err(|e| PngError::Svg(e.to_string()))?;
    let px_per_mm = dpi as f32 / 25.4;
    let w = (page.width * px_per_mm).round() as u32;
    let h = (page.height * px_per_mm).round() as u32;
    if w == 0 || h == 0 || u64::from(w) * u64::from(h) > 200_000_000 {
        return Err(PngError::Size { w, h, dpi });
    }
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).ok_or(PngError::Size { w, h, dpi })?;
    // The tree's size is the SVG's width/height in CSS pixels; scale that to the pixmap.
    let sx = w as f32 / tree.size().width();
    let sy = h as f32 / tree.size().height();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(sx, sy),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}

/// A page as PNG bytes at `dpi`.
pub fn write_png(page: &Page, dpi: u32) -> Result<Vec<u8>, PngError> {
    rasterise(page, dpi)?
        .encode_png()
        .map_err(|e| PngError::Encode(e.to_string()))
}
