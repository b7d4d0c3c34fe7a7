//! Reading label QR codes back from a picture (PNG or JPEG): a photo or a scan of a printed
//! label.
//!
//! Steps, each needing the one before:
//!
//! 1. recognise the format from the first bytes (PNG and JPEG only; the file name is ignored);
//! 2. read the dimensions from the header and refuse a picture over [`MAX_PIXELS`] before any
//!    pixel is decoded (a few kilobytes of PNG can claim gigapixels);
//! 3. decode it to 8-bit greyscale;
//! 4. find and decode every QR code in it with `rqrr` (quirc's method: binarise, find the three
//!    finder patterns, sample the module grid, correct errors with Reed-Solomon).
//!
//! The texts come back as found. Whether one is a label is verification's job
//! ([`crate::verify`]); [`looks_like_label`] tells label-shaped texts from other QR codes in the
//! same picture.
//!
//! The decoders are third-party code fed with untrusted bytes: a panic inside one is caught and
//! reported as a decoding error rather than taking the caller down.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::{GrayImage, ImageFormat, ImageReader, imageops};

/// The largest picture read, in pixels (width times height): 40 megapixels, more than any phone
/// camera gives, and about 40 MB as greyscale.
pub const MAX_PIXELS: u64 = 40_000_000;

/// Why no QR text could be read from a picture.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The bytes are not a PNG or JPEG picture.
    #[error("not a PNG or JPEG picture{}", found.as_ref().map(|f| format!(" (it looks like {f}, which is not read)")).unwrap_or_default())]
    UnknownFormat {
        /// The format the bytes look like, if any.
        found: Option<String>,
    },
    /// The header claims more pixels than [`MAX_PIXELS`]; nothing was decoded.
    #[error(
        "the picture is {width} x {height} pixels, over the limit of {} megapixels: refused before decoding",
        max_pixels / 1_000_000
    )]
    TooLarge {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
        /// [`MAX_PIXELS`].
        max_pixels: u64,
    },
    /// The picture is truncated or corrupt.
    #[error("cannot decode the {format} picture (truncated or corrupt?): {detail}")]
    Decode {
        /// `PNG` or `JPEG`.
        format: &'static str,
        /// What the decoder said.
        detail: String,
    },
    /// No QR code was found at all.
    #[error(
        "no QR code found in the {width} x {height} picture (is the whole code in view, with a white margin, in focus?)"
    )]
    NoQr {
        /// Picture width.
        width: u32,
        /// Picture height.
        height: u32,
    },
    /// QR codes were found but none could be read.
    #[error(
        "{found} QR code(s) found but none could be read: {detail} (damaged, blurred, or too small in the picture?)"
    )]
    Damaged {
        /// How many codes were located.
        found: usize,
        /// Why the first one failed, in words.
        detail: String,
    },
}

/// Decodes a PNG or JPEG picture and reads every QR code in it, in the order found. Codes that
/// were located but could not be read are left out as long as at least one was read.
pub fn read_qr_texts(image_bytes: &[u8]) -> Result<Vec<String>, ScanError> {
    let grey = decode_greyscale(image_bytes)?;
    read_qr_in(&grey)
}

/// Steps 1-3: format, pixel limit, greyscale.
pub fn decode_greyscale(image_bytes: &[u8]) -> Result<GrayImage, ScanError> {
    let (format, name) = match image::guess_format(image_bytes) {
        Ok(ImageFormat::Png) => (ImageFormat::Png, "PNG"),
        Ok(ImageFormat::Jpeg) => (ImageFormat::Jpeg, "JPEG"),
        Ok(other) => {
            return Err(ScanError::UnknownFormat {
                found: Some(format!("{other:?}").to_uppercase()),
            });
        }
        Err(_) => return Err(ScanError::UnknownFormat { found: None }),
    };
    let decode_err = |detail: String| ScanError::Decode {
        format: name,
        detail,
    };
    let (width, height) = ImageReader::with_format(Cursor::new(image_bytes), format)
        .into_dimensions()
        .map_err(|e| decode_err(e.to_string()))?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ScanError::TooLarge {
            width,
            height,
            max_pixels: MAX_PIXELS,
        });
    }
    let decoded = catch_unwind(|| {
        ImageReader::with_format(Cursor::new(image_bytes), format)
            .decode()
            .map(|d| d.into_luma8())
    });
    match decoded {
        Ok(Ok(grey)) => Ok(grey),
        Ok(Err(e)) => Err(decode_err(e.to_string())),
        Err(_) => Err(decode_err("the decoder stopped on this input".into())),
    }
}

/// Step 4: every QR code in a greyscale picture.
///
/// Two passes. The first uses `rqrr`'s own adaptive threshold, which copes with uneven light.
/// That threshold loses codes whose module edges are smooth grey ramps (a picture scaled down
/// with interpolation, or a soft one): when the first pass reads nothing, a second pass binarises
/// the picture at one global level (Otsu's) and looks again. Each pass also looks at the picture
/// turned when it found a code it could not read (see [`read_turned`]).
pub fn read_qr_in(grey: &GrayImage) -> Result<Vec<String>, ScanError> {
    let (width, height) = grey.dimensions();
    let first = read_turned(grey)?;
    if !first.texts.is_empty() {
        return Ok(first.texts);
    }
    let level = otsu_level(grey.as_raw());
    let mut binary = grey.clone();
    for p in binary.iter_mut() {
        *p = if *p <= level { 0 } else { 255 };
    }
    let second = read_turned(&binary)?;
    if !second.texts.is_empty() {
        return Ok(second.texts);
    }
    match first.first_error.or(second.first_error) {
        None => Err(ScanError::NoQr { width, height }),
        Some(e) => Err(ScanError::Damaged {
            found: first.located.max(second.located),
            detail: words(&e).into(),
        }),
    }
}

/// What one detection pass found.
struct Pass {
    located: usize,
    texts: Vec<String>,
    first_error: Option<rqrr::DeQRError>,
}

/// One pass over the picture as given and, when it located a code it could not read, over the
/// picture turned by a quarter, a half and three quarters, until every located code is read.
///
/// Why: `rqrr` groups finder patterns greedily, in the order it meets them in the picture. A
/// finder-like ring formed by data modules can be grouped with two real finder patterns, and the
/// code is then sampled on a wrong grid and fails error correction although the picture is
/// perfect (found by the `symbol_roundtrip` fuzz target: a version 11-L label at mask 4 that
/// zbar reads; `fuzz/regressions/symbol_roundtrip/rqrr-fake-finder-*`). Turning the picture
/// changes the order, and the real three are grouped. Texts found only in a turned picture are
/// added after the others, once each.
fn read_turned(picture: &GrayImage) -> Result<Pass, ScanError> {
    let mut pass = detect(picture)?;
    let turns: [fn(&GrayImage) -> GrayImage; 3] =
        [imageops::rotate90, imageops::rotate180, imageops::rotate270];
    for turn in turns {
        if pass.texts.len() >= pass.located {
            break;
        }
        let more = detect(&turn(picture))?;
        for text in more.texts {
            if !pass.texts.contains(&text) {
                pass.texts.push(text);
            }
        }
    }
    Ok(pass)
}

fn detect(picture: &GrayImage) -> Result<Pass, ScanError> {
    let (w, h) = (picture.width() as usize, picture.height() as usize);
    catch_unwind(AssertUnwindSafe(|| {
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
            picture
                .get_pixel_checked(x as u32, y as u32)
                .map_or(255, |p| p.0[0])
        });
        let grids = img.detect_grids();
        let mut pass = Pass {
            located: grids.len(),
            texts: Vec::new(),
            first_error: None,
        };
        for g in grids {
            match g.decode() {
                Ok((_, text)) => pass.texts.push(text),
                Err(e) => {
                    pass.first_error.get_or_insert(e);
                }
            }
        }
        pass
    }))
    .map_err(|_| ScanError::Damaged {
        found: 0,
        detail: "the QR reader stopped on this picture".into(),
    })
}

/// Otsu's threshold: the grey level that best separates the histogram into two classes
/// (maximum between-class variance). Pixels at or below it are dark.
fn otsu_level(pixels: &[u8]) -> u8 {
    let mut hist = [0u64; 256];
    for &p in pixels {
        hist[usize::from(p)] += 1;
    }
    let total = pixels.len() as f64;
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut weight_dark, mut sum_dark) = (0.0, 0.0);
    let (mut best, mut best_var) = (127u8, -1.0);
    for (level, &count) in hist.iter().enumerate() {
        weight_dark += count as f64;
        sum_dark += level as f64 * count as f64;
        let weight_light = total - weight_dark;
        if weight_dark == 0.0 || weight_light == 0.0 {
            continue;
        }
        let mean_dark = sum_dark / weight_dark;
        let mean_light = (sum_all - sum_dark) / weight_light;
        let var = weight_dark * weight_light * (mean_dark - mean_light).powi(2);
        if var > best_var {
            best_var = var;
            best = u8::try_from(level).unwrap_or(127);
        }
    }
    best
}

/// True for a text shaped like a label's QR text (`URL#BASE32` or bare base32 that decodes).
/// Says nothing about whether the label is genuine.
pub fn looks_like_label(text: &str) -> bool {
    crate::label::parse_qr_text(text).is_ok()
}

fn words(e: &rqrr::DeQRError) -> &'static str {
    use rqrr::DeQRError as E;
    match e {
        E::DataEcc => "too many errors to correct",
        E::FormatEcc => "the format information is unreadable",
        E::InvalidVersion | E::InvalidGridSize => "the version information is unreadable",
        E::EncodingError => "its content is not UTF-8 text",
        E::IoError | E::DataUnderflow | E::DataOverflow | E::UnknownDataType => {
            "its data segments do not decode"
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn format_is_recognised_from_the_bytes() {
        assert_eq!(
            decode_greyscale(b"hello, not a picture"),
            Err(ScanError::UnknownFormat { found: None })
        );
        let gif = decode_greyscale(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap_err();
        assert_eq!(
            gif.to_string(),
            "not a PNG or JPEG picture (it looks like GIF, which is not read)"
        );
    }

    #[test]
    fn otsu_splits_two_grey_levels() {
        let mut pixels = vec![40u8; 500];
        pixels.extend(vec![200u8; 1500]);
        let level = otsu_level(&pixels);
        assert!((40..200).contains(&level), "{level}");
        // One level only: nothing to split, nothing panics.
        assert_eq!(otsu_level(&[255; 10]), 127);
        assert_eq!(otsu_level(&[]), 127);
    }

    /// Why the second pass exists: a code scaled down with interpolation (3 px per module from
    /// 6) is not found by `rqrr`'s adaptive threshold, and is read after the global one. If the
    /// first pass ever reads it, the fallback can go.
    #[test]
    fn the_global_threshold_pass_reads_a_downscaled_code() {
        let text = format!("HTTPS://LBL.EXAMPLE.ORG/V#{}", "ABCDEFGH234567".repeat(25));
        let code = qrcode::QrCode::with_error_correction_level(&text, qrcode::EcLevel::M).unwrap();
        let n = code.width() as u32;
        let colors = code.to_colors();
        let px = 6;
        let clean = GrayImage::from_fn((n + 8) * px, (n + 8) * px, |x, y| {
            let (mx, my) = ((x / px).wrapping_sub(4), (y / px).wrapping_sub(4));
            let dark = mx < n && my < n && colors[(my * n + mx) as usize] == qrcode::Color::Dark;
            image::Luma([if dark { 0 } else { 255 }])
        });
        let (w, h) = (clean.width() / 2, clean.height() / 2);
        let half = image::imageops::resize(&clean, w, h, image::imageops::FilterType::Triangle);
        let first = detect(&half).unwrap();
        assert!(first.texts.is_empty(), "the first pass alone reads it now");
        assert_eq!(read_qr_in(&half).unwrap(), vec![text]);
    }

    /// A perfect picture of a label symbol, `px` pixels a module, four modules of margin.
    fn symbol_picture(text: &str, ecc: crate::label::symbol::Ecc, px: u32) -> GrayImage {
        let sym = crate::label::symbol::encode(text, ecc).unwrap();
        let n = sym.size() as u32;
        GrayImage::from_fn((n + 8) * px, (n + 8) * px, |x, y| {
            let (mx, my) = ((x / px).wrapping_sub(4), (y / px).wrapping_sub(4));
            let dark = mx < n && my < n && sym.is_dark(mx as usize, my as usize);
            image::Luma([if dark { 0 } else { 255 }])
        })
    }

    /// Label texts whose perfect symbol `rqrr` misreads upright: data modules form a
    /// finder-like ring that its greedy grouping takes for a corner (fuzz findings, one file
    /// each, with the error-correction level the symbol was made at).
    const FAKE_FINDER: &[(&str, crate::label::symbol::Ecc)] = &[(
        include_str!("../fixtures/scan/rqrr-fake-finder-1.txt"),
        crate::label::symbol::Ecc::L,
    )];

    #[test]
    fn a_code_misgrouped_upright_is_read_turned() {
        for (text, ecc) in FAKE_FINDER {
            for px in [2, 3, 4, 5] {
                let pic = symbol_picture(text, *ecc, px);
                let upright = detect(&pic).unwrap();
                // If rqrr ever reads it upright, the turns are no longer needed for it.
                assert!(upright.texts.is_empty(), "rqrr reads it upright at {px} px");
                assert_eq!(upright.located, 1);
                assert_eq!(read_qr_in(&pic).unwrap(), vec![text.to_string()], "{px} px");
            }
        }
    }

    #[test]
    fn a_blank_picture_has_no_qr() {
        let grey = GrayImage::from_pixel(120, 80, image::Luma([255]));
        assert_eq!(
            read_qr_in(&grey),
            Err(ScanError::NoQr {
                width: 120,
                height: 80
            })
        );
    }
}
