//! The QR symbol (the matrix of modules) for a QR text.
//!
//! A label's QR text is `VERIFY-URL#BASE32`: two runs in the QR alphanumeric set around a `#`,
//! which is not in that set. The symbol is built from explicit segments (alphanumeric, byte
//! `#`, alphanumeric), which is the smallest encoding of such a text; the version is the
//! smallest that holds it at the requested error-correction level, and the mask is chosen by
//! the standard's penalty rules.
//!
//! Why `qrcodegen` and not `qrcode` here (measured, `cargo bench --bench artwork`, group
//! `qr-encode`): on a 412-character label text `qrcode` 0.14's automatic segmentation picks
//! version 13 where explicit segments fit version 12, and it takes about 2.5 ms per symbol
//! against about 0.78 ms for `qrcodegen` with the same segments. `qrcode` stays a
//! dev-dependency to cross-check versions.
//!
//! Kept hand-written (`cargo bench --bench artwork -- qr-encode`, one run, load ~7 on 2 cores): `qr-encode/qrcodegen-segments` (this) 88.6 µs against `qr-encode/qrcodegen-own-mask` (`qrcodegen` choosing the mask) 640 µs; 258 µs before the penalties became word operations.
//!
//! The mask is chosen here, not by `qrcodegen` (which re-encodes the symbol for each of the
//! eight masks and scores each module by module): the symbol is encoded once with mask 0, the
//! other seven are derived from it (data modules re-masked, format bits rewritten; a test
//! checks every version up to 27, level and mask against `qrcodegen`), and the penalty rules
//! (N1 runs, N2 blocks, N3 finder-like patterns with the light border counted, N4 balance) are
//! scored on bit rows and columns by word operations ([`penalty_bits`]; only a line that may
//! hold a finder-like pattern larger than 1:1:3:1:1 is walked run by run). The lowest score
//! wins, ties to the lower mask number, exactly as `qrcodegen` chooses (a test compares the
//! two on many texts).

use qrcodegen::{Mask, QrCode, QrCodeEcc, QrSegment, Version};

/// Error-correction level of a QR symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Ecc {
    /// About 7 % of codewords can be restored.
    L,
    /// About 15 % (the default for labels).
    M,
    /// About 25 %.
    Q,
    /// About 30 %.
    H,
}

impl Ecc {
    fn level(self) -> QrCodeEcc {
        match self {
            Ecc::L => QrCodeEcc::Low,
            Ecc::M => QrCodeEcc::Medium,
            Ecc::Q => QrCodeEcc::Quartile,
            Ecc::H => QrCodeEcc::High,
        }
    }

    /// Parses `L`, `M`, `Q` or `H` (any case).
    pub fn parse(s: &str) -> Option<Ecc> {
        match s.to_ascii_uppercase().as_str() {
            "L" => Some(Ecc::L),
            "M" => Some(Ecc::M),
            "Q" => Some(Ecc::Q),
            "H" => Some(Ecc::H),
            _ => None,
        }
    }
}

/// Why a text could not be made into a QR symbol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SymbolError {
    /// More data than version 40 holds at this level.
    #[error("QR text of {len} characters does not fit any QR version at ECC {ecc:?}")]
    TooLong {
        /// Text length in bytes.
        len: usize,
        /// The level asked for.
        ecc: Ecc,
    },
}

/// A QR symbol: `size` x `size` modules, row-major, `true` = dark. No quiet zone included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrSymbol {
    version: u8,
    size: usize,
    dark: Vec<bool>,
}

impl QrSymbol {
    /// The QR version (1..=40).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Modules per side (17 + 4 x version).
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether the module at column `x`, row `y` is dark; false outside the symbol.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }

    /// Horizontal runs of dark modules per row: `(row, first column, length)`, in reading
    /// order. Renderers draw one rectangle per run instead of one per module.
    pub fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.size {
            let row = &self.dark[y * self.size..(y + 1) * self.size];
            let mut x = 0;
            while x < self.size {
                if row[x] {
                    let start = x;
                    while x < self.size && row[x] {
                        x += 1;
                    }
                    runs.push((y, start, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }
}

/// The QR alphanumeric set (0-9, A-Z, space, `$%*+-./:`), as `QrSegment::is_alphanumeric`
/// has it (a test compares every byte); a match, not its per-character string search.
fn in_alphanumeric_set(b: u8) -> bool {
    matches!(b, b'0'..=b'9' | b'A'..=b'Z' | b' ' | b'$' | b'%' | b'*' | b'+' | b'-' | b'.' | b'/' | b':')
}

/// An alphanumeric run shorter than this between byte runs costs more as its own segment
/// (4-bit mode + up to 13-bit count) than it saves (2.5 bits a character), so it joins the
/// byte segment.
const MIN_ALNUM_RUN: usize = 8;

/// Splits `text` into alphanumeric and byte segments: maximal runs of the alphanumeric set,
/// except short runs inside byte text. Label texts give exactly three segments.
fn segments(text: &str) -> Vec<QrSegment> {
    let bytes = text.as_bytes();
    // (start, end, alphanumeric) runs.
    let mut runs: Vec<(usize, usize, bool)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let alnum = in_alphanumeric_set(bytes[i]);
        let start = i;
        while i < bytes.len() && in_alphanumeric_set(bytes[i]) == alnum {
            i += 1;
        }
        runs.push((start, i, alnum));
    }
    // Demote short alphanumeric runs to byte mode, then merge neighbours of the same mode.
    if runs.len() > 1 {
        for r in &mut runs {
            if r.2 && r.1 - r.0 < MIN_ALNUM_RUN {
                r.2 = false;
            }
        }
    }
    let mut merged: Vec<(usize, usize, bool)> = Vec::new();
    for r in runs {
        match merged.last_mut() {
            Some(last) if last.2 == r.2 => last.1 = r.1,
            _ => merged.push(r),
        }
    }
    merged
        .into_iter()
        .map(|(s, e, alnum)| {
            if alnum {
                QrSegment::make_alphanumeric(&text[s..e])
            } else {
                QrSegment::make_bytes(&bytes[s..e])
            }
        })
        .collect()
}

/// Encodes `text` as the smallest QR symbol at `ecc` (mixed segments, standard mask choice).
/// Deterministic: the same text and level always give the same modules.
pub fn encode(text: &str, ecc: Ecc) -> Result<QrSymbol, SymbolError> {
    let segs = segments(text);
    let too_long = || SymbolError::TooLong {
        len: text.len(),
        ecc,
    };
    let code0 = QrCode::encode_segments_advanced(
        &segs,
        ecc.level(),
        Version::MIN,
        Version::MAX,
        Some(Mask::new(0)),
        false,
    )
    .map_err(|_| too_long())?;
    if code0.size() <= 128 {
        return Ok(best_of_derived(&code0, ecc));
    }
    // Symbols of more than 128 modules a side (version 28 and up, never a label) do not fit
    // the bit rows: `qrcodegen` chooses the mask, by the same rules.
    let code = QrCode::encode_segments_advanced(
        &segs,
        ecc.level(),
        code0.version(),
        code0.version(),
        None,
        false,
    )
    .map_err(|_| too_long())?;
    Ok(symbol_of(&code))
}

/// Rows (bit x = column x) of the function modules of a version: finder patterns with their
/// separators, timing patterns, alignment patterns, format and version information. Masks
/// never touch these.
fn function_rows(version: u8) -> Vec<u128> {
    let v = usize::from(version);
    let n = 17 + 4 * v;
    let mut rows = vec![0u128; n];
    let mut set = |x: usize, y: usize| rows[y] |= 1u128 << x;
    for i in 0..n {
        set(6, i);
        set(i, 6);
    }
    for (cx, cy) in [(0, 0), (n - 8, 0), (0, n - 8)] {
        for y in cy..cy + 8 {
            for x in cx..cx + 8 {
                set(x, y);
            }
        }
    }
    // Format information (both copies) and the dark module.
    for i in 0..9 {
        set(8, i);
        set(i, 8);
    }
    for i in 0..8 {
        set(n - 1 - i, 8);
        set(8, n - 1 - i);
    }
    if v >= 2 {
        let count = v / 7 + 2;
        let step = (v * 8 + count * 3 + 5) / (count * 4 - 4) * 2;
        let mut pos: Vec<usize> = (0..count - 1).map(|i| n - 7 - i * step).collect();
        pos.push(6);
        for &cy in &pos {
            for &cx in &pos {
                // The three corners hold finder patterns, not alignment patterns.
                let corner = (cx == 6 && (cy == 6 || cy == n - 7)) || (cx == n - 7 && cy == 6);
                if corner {
                    continue;
                }
                for y in cy - 2..=cy + 2 {
                    for x in cx - 2..=cx + 2 {
                        set(x, y);
                    }
                }
            }
        }
    }
    if v >= 7 {
        for a in 0..6 {
            for b in n - 11..n - 8 {
                set(a, b);
                set(b, a);
            }
        }
    }
    rows
}

/// Mask `k`'s pattern as row bits: every pattern repeats every 6 columns and 12 rows.
#[cfg(test)]
fn mask_rows(k: u8, n: usize) -> Vec<u128> {
    mask_lines(k, n, false)
}

/// Mask `k`'s pattern as rows (`columns` false: bit x of row y) or as columns (bit y of
/// column x) of a symbol `n` modules a side.
fn mask_lines(k: u8, n: usize, columns: bool) -> Vec<u128> {
    let full = if n >= 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    };
    let t = &mask_templates()[usize::from(k & 7)][usize::from(columns)];
    (0..n).map(|line| t[line % 12] & full).collect()
}

/// The eight mask patterns, 128 modules wide, as 12 rows and as 12 columns each (every
/// pattern repeats every 12 lines either way); made once per process (making them per symbol
/// was a fifth of its time in `perf`).
fn mask_templates() -> &'static [[[u128; 12]; 2]; 8] {
    static T: std::sync::OnceLock<[[[u128; 12]; 2]; 8]> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mut t = [[[0u128; 12]; 2]; 8];
        for (k, both) in t.iter_mut().enumerate() {
            let dark = |x: usize, y: usize| match k {
                0 => (x + y).is_multiple_of(2),
                1 => y.is_multiple_of(2),
                2 => x.is_multiple_of(3),
                3 => (x + y).is_multiple_of(3),
                4 => (x / 3 + y / 2).is_multiple_of(2),
                5 => x * y % 2 + x * y % 3 == 0,
                6 => (x * y % 2 + x * y % 3).is_multiple_of(2),
                _ => ((x + y) % 2 + x * y % 3).is_multiple_of(2),
            };
            let [rows, cols] = both;
            for (line, (row, col)) in rows.iter_mut().zip(cols.iter_mut()).enumerate() {
                for i in 0..128 {
                    *row |= u128::from(dark(i, line)) << i;
                    *col |= u128::from(dark(line, i)) << i;
                }
            }
        }
        t
    })
}

/// The columns of bit rows (bit y of column x = bit x of row y).
fn transpose(rows: &[u128], n: usize) -> Vec<u128> {
    let mut cols = vec![0u128; n];
    for (y, r) in rows.iter().enumerate() {
        let mut bits = *r;
        while bits != 0 {
            let x = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            cols[x] |= 1 << y;
        }
    }
    cols
}

/// Format information bits (ECC level and mask, BCH-protected) for mask `k`, as the 15 module
/// positions of each copy: (x, y, dark).
fn format_modules(ecc: Ecc, k: u8, n: usize) -> Vec<(usize, usize, bool)> {
    let level: u32 = match ecc {
        Ecc::L => 1,
        Ecc::M => 0,
        Ecc::Q => 3,
        Ecc::H => 2,
    };
    let data = level << 3 | u32::from(k);
    let mut rem = data;
    for _ in 0..10 {
        rem = (rem << 1) ^ ((rem >> 9) * 0x537);
    }
    let bits = (data << 10 | rem) ^ 0x5412;
    let bit = |i: usize| (bits >> i) & 1 == 1;
    let mut out = Vec::with_capacity(31);
    for i in 0..6 {
        out.push((8, i, bit(i)));
    }
    out.push((8, 7, bit(6)));
    out.push((8, 8, bit(7)));
    out.push((7, 8, bit(8)));
    for i in 9..15 {
        out.push((14 - i, 8, bit(i)));
    }
    for i in 0..8 {
        out.push((n - 1 - i, 8, bit(i)));
    }
    for i in 8..15 {
        out.push((8, n - 15 + i, bit(i)));
    }
    out.push((8, n - 8, true));
    out
}

/// The eight masked symbols derived from the mask-0 symbol (data modules re-masked, format
/// bits rewritten), scored; the best as a symbol. One Reed-Solomon encoding and one module
/// placement instead of eight (measured: the QR was most of a label PDF's time). Rows and
/// columns are both derived by word operations (no per-module transposition per mask).
fn best_of_derived(code0: &QrCode, ecc: Ecc) -> QrSymbol {
    let base = rows_of(code0);
    let n = base.len();
    let version = code0.version().value();
    let function = function_rows(version);
    let (base_cols, function_cols) = (transpose(&base, n), transpose(&function, n));
    let (p0, p0_cols) = (mask_lines(0, n, false), mask_lines(0, n, true));
    let mut best: Option<(i64, Vec<u128>)> = None;
    for k in 0..8u8 {
        let (pk, pk_cols) = (mask_lines(k, n, false), mask_lines(k, n, true));
        let remask = |base: &[u128], p0: &[u128], pk: &[u128], function: &[u128]| -> Vec<u128> {
            (0..n)
                .map(|i| base[i] ^ ((p0[i] ^ pk[i]) & !function[i]))
                .collect()
        };
        let mut rows = remask(&base, &p0, &pk, &function);
        let mut cols = remask(&base_cols, &p0_cols, &pk_cols, &function_cols);
        for (x, y, dark) in format_modules(ecc, k, n) {
            rows[y] = (rows[y] & !(1u128 << x)) | (u128::from(dark) << x);
            cols[x] = (cols[x] & !(1u128 << y)) | (u128::from(dark) << y);
        }
        let b = BitRows { n, rows, cols };
        let score = penalty_bits(&b);
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, b.rows));
        }
    }
    let rows = best.map(|(_, r)| r).unwrap_or(base);
    let mut dark = Vec::with_capacity(n * n);
    for r in &rows {
        dark.extend((0..n).map(|x| (r >> x) & 1 == 1));
    }
    QrSymbol {
        version,
        size: n,
        dark,
    }
}

fn symbol_of(code: &QrCode) -> QrSymbol {
    let size = usize::try_from(code.size()).unwrap_or(0);
    let mut dark = Vec::with_capacity(size * size);
    for y in 0..code.size() {
        for x in 0..code.size() {
            dark.push(code.get_module(x, y));
        }
    }
    QrSymbol {
        version: code.version().value(),
        size,
        dark,
    }
}

/// Run-length history for the N3 (finder-like pattern) rule: the last seven runs in a ring
/// (a shifting array stalled on store forwarding in the profile); the light border around the
/// symbol counts as part of the first and last runs.
struct Runs {
    size: i64,
    ring: [i64; 8],
    head: usize,
}

impl Runs {
    fn new(size: i64) -> Runs {
        Runs {
            size,
            ring: [0; 8],
            head: 0,
        }
    }

    /// The k-th newest run (0 = newest).
    fn h(&self, k: usize) -> i64 {
        self.ring[(self.head + 8 - k) & 7]
    }

    fn push(&mut self, mut run: i64) {
        if self.h(0) == 0 {
            run += self.size;
        }
        self.head = (self.head + 1) & 7;
        self.ring[self.head] = run;
    }

    /// Finder-like patterns (dark-light-dark x3-light-dark, 1:1:3:1:1, with 4 light modules
    /// on one side) ending at the newest light run.
    fn patterns(&self) -> i64 {
        let n = self.h(1);
        if n <= 0 || self.h(2) != n || self.h(3) != n * 3 || self.h(4) != n || self.h(5) != n {
            return 0;
        }
        let (first, last) = (self.h(0), self.h(6));
        i64::from(first >= n * 4 && last >= n) + i64::from(last >= n * 4 && first >= n)
    }

    fn finish(&mut self, dark: bool, mut run: i64) -> i64 {
        if dark {
            self.push(run);
            run = 0;
        }
        self.push(run + self.size);
        self.patterns()
    }
}

/// The modules of a symbol of at most 128 modules a side as bit rows (bit x = column x).
fn rows_of(code: &QrCode) -> Vec<u128> {
    (0..code.size())
        .map(|y| {
            (0..code.size())
                .filter(|&x| code.get_module(x, y))
                .fold(0u128, |acc, x| acc | 1u128 << x)
        })
        .collect()
}

/// A symbol of at most 128 modules a side as bit rows and bit columns (bit x = module x).
struct BitRows {
    n: usize,
    rows: Vec<u128>,
    cols: Vec<u128>,
}

impl BitRows {
    #[cfg(test)]
    fn of(code: &QrCode) -> BitRows {
        let rows = rows_of(code);
        BitRows::from_rows(rows.len(), rows)
    }

    #[cfg(test)]
    fn from_rows(n: usize, rows: Vec<u128>) -> BitRows {
        let cols = transpose(&rows, n);
        BitRows { n, rows, cols }
    }
}

/// The penalty weights N1 to N4 of ISO/IEC 18004 §7.8.3 (runs, 2 x 2 blocks, finder-like
/// patterns, dark/light balance), shared by [`penalty_bits`] and its plain test form.
const N1: i64 = 3;
const N2: i64 = 3;
const N3: i64 = 40;
const N4: i64 = 10;

/// The mask penalty of ISO/IEC 18004 §7.8.3 (lower is better) on bit rows: N1 runs and N3
/// finder-like patterns by word operations per line ([`runs_penalty`], [`finder_like`]), 2 x 2
/// blocks likewise (a test checks it against a plain module-by-module count).
fn penalty_bits(b: &BitRows) -> i64 {
    let n = b.n;
    let size = n as i64;
    let full: u128 = if n == 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    };
    let mut score = 0i64;
    for &r in b.rows.iter().chain(b.cols.iter()) {
        score += runs_penalty(r, full) + finder_like(r, full, size) * N3;
    }
    let pair = full >> 1;
    for w in b.rows.windows(2) {
        let (r0, r1) = (w[0], w[1]);
        let vertical = !(r0 ^ r1);
        let blocks = vertical & (vertical >> 1) & !(r0 ^ (r0 >> 1)) & pair;
        score += N2 * i64::from(blocks.count_ones());
    }
    let dark: i64 = b.rows.iter().map(|r| i64::from(r.count_ones())).sum();
    let total = size * size;
    let k = ((dark * 20 - total * 10).abs() + total - 1) / total - 1;
    score + k * N4
}

/// N1 of one line (bits `full`): a run of `len` >= 5 same-coloured modules costs
/// `N1 + len - 5`, i.e. one per position where five equal modules start, plus `N1 - 1` per
/// run. Word operations instead of a walk over the runs (the walk was half of a symbol's time
/// in `perf`).
fn runs_penalty(r: u128, full: u128) -> i64 {
    // Bit i: module i has the colour of module i + 1.
    let eq = !(r ^ (r >> 1)) & (full >> 1);
    // Bit i: modules i..=i+4 have one colour.
    let five = eq & (eq >> 1) & (eq >> 2) & (eq >> 3);
    // ... and module i - 1 another (or i = 0): the run starts at i.
    let starts = five & !(eq << 1);
    i64::from(five.count_ones()) + (N1 - 1) * i64::from(starts.count_ones())
}

/// N3 patterns of one line: dark-light-dark-light-dark runs of n, n, 3n, n, n modules with
/// light on both sides, at least 4n on one of them (the light border outside the symbol counts),
/// counted once per side that has the 4n, as `qrcodegen` counts them. Patterns with n = 1 are
/// found by word operations; a line that may hold one with n >= 2 (a dark run of 6 or more
/// after two light modules) is walked run by run ([`finder_like_by_runs`]).
fn finder_like(r: u128, full: u128, size: i64) -> i64 {
    let light = |v: u128| !v;
    let six = r & (r >> 1) & (r >> 2) & (r >> 3) & (r >> 4) & (r >> 5);
    // Such a run starts at module 2n or later.
    if light(r << 1) & light(r << 2) & six & !3 != 0 {
        return finder_like_by_runs(r, full, size);
    }
    // Bit s: modules s-1..=s+7 are light, dark, light, dark x3, light, dark, light; outside
    // the line is light (shifts bring in zeros).
    let core = light(r << 1)
        & r
        & light(r >> 1)
        & (r >> 2)
        & (r >> 3)
        & (r >> 4)
        & light(r >> 5)
        & (r >> 6)
        & light(r >> 7);
    let before = light((r << 1) | (r << 2) | (r << 3) | (r << 4));
    let after = light((r >> 7) | (r >> 8) | (r >> 9) | (r >> 10));
    i64::from((core & before).count_ones()) + i64::from((core & after).count_ones())
}

/// N3 patterns of one line of any scale, from its runs (the light border counts as part of
/// the first and last runs).
fn finder_like_by_runs(r: u128, full: u128, size: i64) -> i64 {
    let mut count = 0;
    let mut runs = Runs::new(size);
    // The scan starts "in" a light run, which is empty when the first module is dark (one
    // run in the history: no pattern can end there yet).
    if r & 1 == 1 {
        runs.push(0);
    }
    let mut changes = (r ^ (r << 1)) & full & !1;
    let mut start = 0u32;
    while changes != 0 {
        let p = changes.trailing_zeros();
        changes &= changes - 1;
        runs.push(i64::from(p - start));
        if (r >> start) & 1 == 0 {
            count += runs.patterns();
        }
        start = p;
    }
    count + runs.finish((r >> start) & 1 == 1, size - i64::from(start))
}

/// The mask penalty of ISO/IEC 18004 §7.8.3 over a whole symbol (lower is better), module by
/// module: the plain form [`penalty_bits`] is checked against.
#[cfg(test)]
fn penalty(s: &QrSymbol) -> i64 {
    let n = s.size;
    let size = n as i64;
    let mut score = 0i64;
    // One pass over rows (transpose = false) and one over columns.
    for transpose in [false, true] {
        for a in 0..n {
            let (n1, n3) = plain_line((0..n).map(|b| {
                if transpose {
                    s.dark[b * n + a]
                } else {
                    s.dark[a * n + b]
                }
            }));
            score += n1 + n3 * N3;
        }
    }
    for y in 0..n.saturating_sub(1) {
        let (r0, r1) = (
            &s.dark[y * n..(y + 1) * n],
            &s.dark[(y + 1) * n..(y + 2) * n],
        );
        for x in 0..n - 1 {
            let c = r0[x];
            if c == r0[x + 1] && c == r1[x] && c == r1[x + 1] {
                score += N2;
            }
        }
    }
    let dark = s.dark.iter().filter(|d| **d).count() as i64;
    let total = size * size;
    let k = ((dark * 20 - total * 10).abs() + total - 1) / total - 1;
    score + k * N4
}

/// N1 penalty and N3 pattern count of one line, module by module.
#[cfg(test)]
fn plain_line(modules: impl ExactSizeIterator<Item = bool>) -> (i64, i64) {
    let size = modules.len() as i64;
    let (mut n1, mut n3) = (0, 0);
    let mut runs = Runs::new(size);
    let mut colour = false;
    let mut run = 0i64;
    for m in modules {
        if m == colour {
            run += 1;
            if run == 5 {
                n1 += N1;
            } else if run > 5 {
                n1 += 1;
            }
        } else {
            runs.push(run);
            if !colour {
                n3 += runs.patterns();
            }
            colour = m;
            run = 1;
        }
    }
    (n1, n3 + runs.finish(colour, run))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// Mutation testing (issue 12): deleting a level from the parser went unseen.
    #[test]
    fn every_error_correction_level_parses_in_either_case() {
        for (text, level) in [
            ("L", Ecc::L),
            ("m", Ecc::M),
            ("Q", Ecc::Q),
            ("h", Ecc::H),
            ("H", Ecc::H),
        ] {
            assert_eq!(Ecc::parse(text), Some(level), "{text}");
        }
        for bad in ["", "X", "MM", "low"] {
            assert_eq!(Ecc::parse(bad), None, "{bad}");
        }
    }

    fn label_text(payload_chars: usize) -> String {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let payload: String = (0..payload_chars)
            .map(|i| alphabet[(i * 7 + 3) % 32] as char)
            .collect();
        format!("HTTPS://LBL.EXAMPLE.ORG/V#{payload}")
    }

    /// Mutation testing (issue 12): `x < size` as `x <= size` went unseen; one column past the
    /// edge would read the next row's first module (dark: a finder pattern's ring).
    #[test]
    fn modules_outside_the_symbol_are_light() {
        let q = encode(&label_text(10), Ecc::M).unwrap();
        let n = q.size();
        assert!(q.is_dark(0, 1) && q.is_dark(1, 0), "the finder ring");
        for (x, y) in [(n, 0), (0, n), (n, n), (n + 5, 1)] {
            assert!(!q.is_dark(x, y), "({x}, {y})");
        }
    }

    #[test]
    fn label_text_is_three_segments() {
        let segs = segments(&label_text(10));
        assert_eq!(segs.len(), 3);
        // All alphanumeric: one segment; lower-case text: byte mode throughout.
        assert_eq!(segments("HTTPS://X.ORG/L/ABC").len(), 1);
        assert_eq!(segments("https://x.org/l/abc").len(), 1);
        // A short alphanumeric run inside byte text joins it.
        assert_eq!(segments("ab12cd").len(), 1);
    }

    /// Segment modes at their boundaries (missed mutants: `>` to `>=` on the run count, `<` to
    /// `<=` on the run length): a text of one run keeps its mode however short, and an
    /// alphanumeric run inside byte text keeps its own segment from `MIN_ALNUM_RUN`
    /// characters on.
    #[test]
    fn segment_modes_at_their_boundaries() {
        use qrcodegen::QrSegmentMode::{Alphanumeric, Byte};
        let modes = |t: &str| {
            segments(t)
                .iter()
                .map(|s| (s.mode(), s.num_chars()))
                .collect::<Vec<_>>()
        };
        assert_eq!(modes("A"), [(Alphanumeric, 1)]);
        assert_eq!(modes("AB"), [(Alphanumeric, 2)]);
        assert_eq!(modes("ab"), [(Byte, 2)]);
        assert_eq!(
            modes("abABCDEFGHcd"),
            [(Byte, 2), (Alphanumeric, MIN_ALNUM_RUN), (Byte, 2)]
        );
        assert_eq!(modes("abABCDEFGcd"), [(Byte, 11)]);
        assert_eq!(modes("ABCDEFGH#ab"), [(Alphanumeric, 8), (Byte, 3)]);
        assert_eq!(modes("ABCDEFG#ab"), [(Byte, 10)]);
    }

    #[test]
    fn version_12_m_holds_386_base32_characters_after_a_25_character_url() {
        // 25 + 1 + 386 = 412 characters: 15 + 138 + 28 + 2122 = 2303 bits of 2320.
        assert_eq!(encode(&label_text(386), Ecc::M).unwrap().version(), 12);
        assert_eq!(encode(&label_text(390), Ecc::M).unwrap().version(), 13);
    }

    #[test]
    fn module_access_and_runs() {
        let s = encode("HTTPS://LBL.EXAMPLE.ORG/L/0123456789ABCDEF", Ecc::M).unwrap();
        assert_eq!(s.size(), 17 + 4 * usize::from(s.version()));
        // Finder pattern corners are dark; outside is light.
        assert!(s.is_dark(0, 0) && s.is_dark(s.size() - 1, 0) && s.is_dark(0, s.size() - 1));
        assert!(!s.is_dark(s.size(), 0));
        let dark: usize = s.dark_runs().iter().map(|r| r.2).sum();
        let count = (0..s.size())
            .flat_map(|y| (0..s.size()).map(move |x| (x, y)))
            .filter(|&(x, y)| s.is_dark(x, y))
            .count();
        assert_eq!(dark, count);
    }

    #[test]
    fn mask_choice_equals_qrcodegen_on_many_texts() {
        let mut texts: Vec<String> = (0..40).map(|n| label_text(n * 9 + 1)).collect();
        texts.extend((0..20).map(|n| format!("HTTPS://LBL.EXAMPLE.ORG/L/{:016X}", n * 7919)));
        texts.push("https://example.org/lower case and bytes".into());
        // Over 128 modules a side (version 28 and up): `qrcodegen` chooses there.
        texts.push("https://example.org/".repeat(75));
        for text in texts {
            let ours = encode(&text, Ecc::M).unwrap();
            let theirs = QrCode::encode_segments_advanced(
                &segments(&text),
                QrCodeEcc::Medium,
                Version::MIN,
                Version::MAX,
                None,
                false,
            )
            .unwrap();
            assert_eq!(ours, symbol_of(&theirs), "{text}");
        }
    }

    #[test]
    fn bit_penalty_equals_the_plain_one() {
        for n in 0..30 {
            let text = label_text(n * 13 + 1);
            for m in 0..8u8 {
                let code = QrCode::encode_segments_advanced(
                    &segments(&text),
                    QrCodeEcc::Medium,
                    Version::MIN,
                    Version::MAX,
                    Some(Mask::new(m)),
                    false,
                )
                .unwrap();
                assert_eq!(
                    penalty_bits(&BitRows::of(&code)),
                    penalty(&symbol_of(&code)),
                    "{text} mask {m}"
                );
            }
        }
    }

    /// The balance penalty (N4) away from half dark: label symbols all sit near half dark,
    /// where N4 is 0 whatever its arithmetic (5 mutants of it survived), so matrices from all
    /// light to all dark are scored both ways.
    #[test]
    fn bit_penalty_equals_the_plain_one_from_all_light_to_all_dark() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for n in [21usize, 25, 57] {
            for percent in [0u64, 3, 20, 35, 44, 50, 56, 65, 80, 97, 100] {
                let mut dark = Vec::with_capacity(n * n);
                for _ in 0..n * n {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    dark.push(state % 100 < percent);
                }
                let rows = (0..n)
                    .map(|y| (0..n).fold(0u128, |acc, x| acc | u128::from(dark[y * n + x]) << x))
                    .collect();
                let plain = QrSymbol {
                    version: 1,
                    size: n,
                    dark,
                };
                assert_eq!(
                    penalty_bits(&BitRows::from_rows(n, rows)),
                    penalty(&plain),
                    "{n} modules, {percent} % dark"
                );
            }
        }
    }

    /// Masks 5 and 6 tie on this text (penalty 1048, the lowest): the lower mask wins, as
    /// `qrcodegen` chooses (a missed mutant let the later of equal scores win). Found by
    /// scoring every mask of `HTTPS://X.EU/V#<n>` for n = 0, 1, ... until two tied.
    #[test]
    fn equal_penalties_go_to_the_lower_mask() {
        let text = "HTTPS://X.EU/V#16";
        let at = |m: u8| {
            QrCode::encode_segments_advanced(
                &segments(text),
                QrCodeEcc::Medium,
                Version::MIN,
                Version::MAX,
                Some(Mask::new(m)),
                false,
            )
            .unwrap()
        };
        let scores: Vec<i64> = (0..8u8)
            .map(|m| penalty_bits(&BitRows::of(&at(m))))
            .collect();
        assert_eq!(scores.iter().min(), Some(&1048), "{scores:?}");
        assert_eq!((scores[5], scores[6]), (1048, 1048), "{scores:?}");
        assert_eq!(encode(text, Ecc::M).unwrap(), symbol_of(&at(5)));
    }

    #[test]
    fn derived_masks_equal_qrcodegen_for_every_version_level_and_mask() {
        for ecc in [Ecc::L, Ecc::M, Ecc::Q, Ecc::H] {
            for v in 1..=27u8 {
                let text = "A";
                let segs = segments(text);
                let at = |m: u8| {
                    QrCode::encode_segments_advanced(
                        &segs,
                        ecc.level(),
                        Version::new(v),
                        Version::new(v),
                        Some(Mask::new(m)),
                        false,
                    )
                    .unwrap()
                };
                let base = BitRows::of(&at(0));
                let function = function_rows(v);
                let p0 = mask_rows(0, base.n);
                for k in 0..8u8 {
                    let pk = mask_rows(k, base.n);
                    let mut rows: Vec<u128> = (0..base.n)
                        .map(|y| base.rows[y] ^ ((p0[y] ^ pk[y]) & !function[y]))
                        .collect();
                    for (x, y, dark) in format_modules(ecc, k, base.n) {
                        rows[y] = (rows[y] & !(1u128 << x)) | (u128::from(dark) << x);
                    }
                    assert_eq!(rows, BitRows::of(&at(k)).rows, "v{v} {ecc:?} mask {k}");
                }
            }
        }
    }

    /// Lines of every symbol size a label may have: pseudo-random ones, and finder-like
    /// patterns of scale 1 to 7 at every offset, near both ends, with light runs around them
    /// of every length up to 5n.
    fn test_lines() -> Vec<(usize, u128)> {
        let mut lines = Vec::new();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in [21usize, 25, 45, 65, 69, 101, 125, 128] {
            let full = if n == 128 {
                u128::MAX
            } else {
                (1u128 << n) - 1
            };
            for _ in 0..3000 {
                let r = (u128::from(next()) << 64 | u128::from(next())) & full;
                // Sparse and dense lines too (long runs).
                let s = (u128::from(next()) << 64 | u128::from(next())) & full;
                lines.extend([(n, r), (n, r & s), (n, r | s)]);
            }
            for scale in 1..=7usize {
                let unit = (1u128 << scale) - 1;
                // dark n, light n, dark 3n, light n, dark n.
                let pattern = unit
                    | ((unit | unit << scale | unit << (2 * scale)) << (2 * scale))
                    | unit << (6 * scale);
                for at in 0..=n.saturating_sub(7 * scale) {
                    let p = pattern << at;
                    let junk = (u128::from(next()) << 64 | u128::from(next())) & full;
                    lines.push((n, p & full));
                    for gap in 1..=5 * scale {
                        // Dark beyond a light run of `gap` on either side.
                        let around = junk
                            & !((1u128 << (7 * scale + 2 * gap)) - 1)
                                .wrapping_shl(at.saturating_sub(gap) as u32);
                        lines.push((n, (p | around) & full));
                        let near = 1u128
                            .checked_shl((at + 7 * scale + gap) as u32)
                            .unwrap_or(0)
                            | (1u128 << at >> gap.min(at + 1) >> 1 << 1);
                        lines.push((n, (p | (near & !p)) & full));
                    }
                }
            }
        }
        lines
    }

    #[test]
    fn line_penalties_by_word_operations_equal_the_module_walk() {
        let mut scaled = 0;
        for (n, r) in test_lines() {
            let full = if n == 128 {
                u128::MAX
            } else {
                (1u128 << n) - 1
            };
            let (n1, n3) = plain_line((0..n).map(|x| (r >> x) & 1 == 1));
            assert_eq!(runs_penalty(r, full), n1, "N1 of {r:b} ({n})");
            assert_eq!(finder_like(r, full, n as i64), n3, "N3 of {r:b} ({n})");
            assert_eq!(
                finder_like_by_runs(r, full, n as i64),
                n3,
                "N3 walk of {r:b} ({n})"
            );
            scaled += usize::from(finder_like_by_runs(r, full, n as i64) > 0);
        }
        assert!(
            scaled > 1000,
            "the lines hold finder-like patterns ({scaled})"
        );
    }

    #[test]
    fn alphanumeric_set_equals_qrcodegen() {
        for b in 0..=255u8 {
            let theirs = b.is_ascii() && QrSegment::is_alphanumeric(&char::from(b).to_string());
            assert_eq!(in_alphanumeric_set(b), theirs, "byte {b}");
        }
    }

    #[test]
    fn derived_columns_are_the_transposed_rows() {
        for v in [1u8, 2, 7, 12, 13, 27] {
            let n = 17 + 4 * usize::from(v);
            for k in 0..8u8 {
                assert_eq!(
                    transpose(&mask_lines(k, n, false), n),
                    mask_lines(k, n, true),
                    "v{v} mask {k}"
                );
            }
            let f = function_rows(v);
            assert_eq!(transpose(&transpose(&f, n), n), f);
        }
    }

    #[test]
    fn too_long_is_an_error() {
        let text = "A".repeat(5000);
        assert!(matches!(
            encode(&text, Ecc::H),
            Err(SymbolError::TooLong { len: 5000, .. })
        ));
    }
}
