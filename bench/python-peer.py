#!/usr/bin/env python3
"""The Python peer of `iotlabel issue --formats pdf --reports json`, for bench/issue-batch.sh
(issue 14): what a team would write with the field's usual libraries (cbor2, PyNaCl, segno,
reportlab), timed on the same generated profiles as iotlabel.

Per profile, in one process, one label after the other:
  1. read the device profile (tomllib, the whole file) and take [device] and the declared
     support-period end;
  2. build the claims (the CWT map of src/label/claims.rs: 4 exp, 6 iat, 7 label id, -65537
     the label body with keys 1-16) and encode them as canonical CBOR (cbor2);
  3. wrap them in a COSE_Sign1 as iotlabel does: protected header {1: -8 (EdDSA), 4: kid},
     empty unprotected header, attached payload, the Sig_structure
     ["Signature1", protected, h'', payload] signed with Ed25519 (PyNaCl), CBOR tag 18;
  4. the QR text `HTTPS://LBL.EXAMPLE.ORG/V#` + RFC 4648 base32 (upper case, no padding);
  5. the QR symbol with segno at error correction M from explicit segments (URL alphanumeric,
     `#` byte, payload alphanumeric), no ECC boost, segno's own mask choice: the segments
     iotlabel uses, so the version iotlabel picks for the same text;
  6. a one-page 40 x 64 mm label PDF with reportlab after label-templates/standard.toml: tier
     band, scheme, tier, illustrative note, assurance, manufacturer, model, variants, firmware,
     the QR code as vector rectangles (one per run of dark modules), expiry, support end,
     issuer, label id; texts in the bundled Noto Sans Regular and Bold (TrueType, subset by
     reportlab as iotlabel subsets them), shrunk in 0.25 pt steps to fit their boxes;
  7. write <id>.cose, <id>.txt, <id>.json (the claims file's fields, pretty JSON) and <id>.pdf.

What it does not do, so it is the lighter job (iotlabel's figure covers all of these):
  - no evaluation: tier 4 "Lab tested" and every requirement MetLab are fixed, not derived
    from the profile's features, declarations and lab results; no assessment report, so the
    evidence digest is SHA-256 over the profile file (iotlabel: over the canonical report JSON)
    and no <id>.report.json is written; the criteria digest is SHA-256 over the scheme and
    catalogue files (iotlabel: over the canonical criteria);
  - no trust list, key-role, scheme-version or date checks, no NFC/caps validation of texts;
    a fixed Ed25519 test key, not a key file;
  - no ledger: status index = the profile's position, nothing journalled or synced, files
    written in place (iotlabel: group-committed ledger, atomic writes, one syncfs per batch);
  - one core only (plain CPython), the way such a script is usually written;
  - text fitting is reportlab's width of the string, not iotlabel's glyph-run wrapping with
    font fallback; dates are printed as YYYY-MM-DD.
The CBOR map keys are sorted by cbor2's canonical order and the fields and sizes are
iotlabel's, so the COSE is iotlabel's size: fixtures/profiles/thermostat-level3.toml gives
235 bytes here as in iotlabel's valid-lab vector (QR 12-M); the bench's numbered lock-lab-tested
profiles give 264-266 bytes, for which segno picks version 13-M.

Usage: python-peer.py --out DIR [--at 2026-12-01T00:00:00Z] PROFILE.toml...
Prints `python: N labels in S s` (S from after the imports to the last file written).
"""
import argparse
import base64
import datetime as dt
import hashlib
import json
import sys
import time
import tomllib
from pathlib import Path

import cbor2
import segno
from segno.consts import MODE_ALPHANUMERIC, MODE_BYTE
from nacl.signing import SigningKey
from reportlab.lib.colors import HexColor
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "label-templates" / "fonts"
SCHEME = ROOT / "criteria" / "schemes" / "cls-like-v2.toml"
CATALOGUE = ROOT / "criteria" / "catalogues" / "etsi-en-303-645-v2.1.1.toml"
VERIFY_URL = "HTTPS://LBL.EXAMPLE.ORG/V"
ISSUER = "EXAGENCY"
LABEL_ID_DOMAIN = b"iotlabel/label-id/v1"
MET_LAB = 2
TIER, TIER_NAME, ASSURANCE, ASSURANCE_NAME = 4, "Level 4", 2, "Lab tested"
TIER_COLOUR, INK = HexColor("#BF360C"), HexColor("#1A1A1A")
WIDTH_MM, HEIGHT_MM = 40, 64
QR_BOX = (6.25, 27.9, 27.5, 27.5)  # x, y from the top, w, h in mm (standard.toml)
QUIET = 4  # light modules around the symbol, inside its box


class Scheme:
    """What the label takes from the criteria: id, version, name, digest, requirement ids."""

    def __init__(self):
        scheme_bytes, catalogue_bytes = SCHEME.read_bytes(), CATALOGUE.read_bytes()
        scheme, catalogue = tomllib.loads(scheme_bytes.decode()), tomllib.loads(catalogue_bytes.decode())
        self.id = scheme["scheme"]["id"]
        self.version = scheme["scheme"]["version"]
        self.name = scheme["scheme"]["name"]
        self.max_years = scheme["scheme"]["validity"]["max_years"]
        self.digest8 = hashlib.sha256(scheme_bytes + catalogue_bytes).digest()[:8]
        self.requirements = resolve(scheme, catalogue)


def resolve(scheme, catalogue):
    """The scheme's requirements: each tier's list in tier order (`all_mandatory` adds every
    mandatory catalogue requirement), first occurrence kept. The same set iotlabel resolves
    for cls-like@2 (39); the order may differ."""
    mandatory = [r["id"] for r in catalogue["requirement"] if r.get("status") == "M"]
    ids = []
    for tier in scheme["tier"]:
        listed = [r if isinstance(r, str) else r["id"] for r in tier.get("requirements", [])]
        for rid in listed + (mandatory if tier.get("all_mandatory") else []):
            if rid not in ids:
                ids.append(rid)
    return ids


def register_fonts():
    # Parsed once per process; reportlab subsets them per document.
    pdfmetrics.registerFont(TTFont("NotoSans", str(FONTS / "NotoSans-Regular.ttf")))
    pdfmetrics.registerFont(TTFont("NotoSans-Bold", str(FONTS / "NotoSans-Bold.ttf")))


def unix(d: dt.datetime) -> int:
    return int(d.timestamp())


def add_years(t: dt.datetime, years: int) -> dt.datetime:
    try:
        return t.replace(year=t.year + years)
    except ValueError:  # 29 February
        return t.replace(year=t.year + years, day=28)


def pack_results(codes):
    out = bytearray((len(codes) + 3) // 4)
    for i, c in enumerate(codes):
        out[i // 4] |= c << (2 * (i % 4))
    return bytes(out)


def label_id(kid: bytes, index: int) -> bytes:
    return hashlib.sha256(LABEL_ID_DOMAIN + kid + index.to_bytes(4, "big")).digest()[:8]


def read_profile(path: Path):
    raw = path.read_bytes()
    profile = tomllib.loads(raw.decode())
    end = profile.get("declared", {}).get("support.period_end", {}).get("value")
    return profile["device"], end, hashlib.sha256(raw).digest()[:16]


def make_claims(device, support_end, evidence16, scheme, kid, index, at):
    """The claims as (CBOR-ready map, readable facts)."""
    iat = at
    exp = add_years(at, scheme.max_years)
    end = None
    if support_end is not None:
        # The label lasts no longer than the support period (which ends with the declared day).
        end = dt.datetime.combine(support_end, dt.time(), dt.timezone.utc)
        exp = min(exp, end + dt.timedelta(days=1))
    codes = [MET_LAB] * len(scheme.requirements)
    body = {
        1: scheme.id,
        2: scheme.version,
        3: scheme.digest8,
        4: device["manufacturer"],
        5: device["model"],
        6: device["hardware_version"],
        7: device["firmware_version"],
        9: TIER,
        10: ASSURANCE,
        12: pack_results(codes),
        13: len(codes),
        14: evidence16,
        16: index,
    }
    if end is not None:
        body[11] = unix(end) // 86_400
    if device.get("variants"):
        body[15] = list(device["variants"])
    cti = label_id(kid, index)
    claims = {4: unix(exp), 6: unix(iat), 7: cti, -65537: body}
    facts = {
        "label_id": cti.hex(),
        "issued_at": iat,
        "expires": exp,
        "support_end": support_end,
        "index": index,
        "codes": codes,
    }
    return claims, facts


def sign1(payload: bytes, key: SigningKey, kid: bytes) -> bytes:
    protected = cbor2.dumps({1: -8, 4: kid}, canonical=True)
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    signature = key.sign(to_be_signed).signature
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))


def qr_text(cose: bytes) -> str:
    return VERIFY_URL + "#" + base64.b32encode(cose).decode().rstrip("=")


def qr_symbol(text: str):
    url, payload = text.split("#", 1)
    segments = [(url, MODE_ALPHANUMERIC), ("#", MODE_BYTE), (payload, MODE_ALPHANUMERIC)]
    return segno.make(segments, error="m", boost_error=False, micro=False)


def claims_file(device, facts, scheme, text) -> str:
    d = facts
    fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    doc = {
        "label_id": d["label_id"],
        "issuer": ISSUER,
        "issued_at": fmt(d["issued_at"]),
        "expires": fmt(d["expires"]),
        "status_index": d["index"],
        "scheme": scheme.id,
        "scheme_version": scheme.version,
        "criteria_digest": scheme.digest8.hex(),
        "manufacturer": device["manufacturer"],
        "model": device["model"],
        "variants": list(device.get("variants", [])),
        "hardware_version": device["hardware_version"],
        "firmware": device["firmware_version"],
        "firmware_is_minimum": False,
        "tier": TIER,
        "tier_label": TIER_NAME,
        "assurance": "lab-tested",
        "support_end": d["support_end"].isoformat() if d["support_end"] else None,
        "evidence_digest": d["evidence"],
        "results": [{"id": r, "result": "MetLab"} for r in scheme.requirements],
        "qr_text": text,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def fit(text, font, size, min_size, width_pt, max_lines):
    """(size, lines): the largest size down to min_size at which the text wraps into
    max_lines lines of width_pt; at min_size, whatever it wraps to."""
    s = size
    while True:
        lines = wrap(text, font, s, width_pt)
        if len(lines) <= max_lines or s <= min_size:
            return s, lines[:max_lines]
        s = max(s - 0.25, min_size)


def wrap(text, font, size, width_pt):
    lines, line = [], ""
    for word in text.split(" "):
        trial = f"{line} {word}" if line else word
        if line and pdfmetrics.stringWidth(trial, font, size) > width_pt:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + [line]


def draw_text(c, text, box, size, min_size=None, lines=1, bold=False, colour=INK):
    x, y, w, h = box
    font = "NotoSans-Bold" if bold else "NotoSans"
    s, rows = fit(text, font, size, min_size or size, w * mm, lines)
    c.setFillColor(colour)
    c.setFont(font, s)
    pitch = s * 1.15
    top = HEIGHT_MM * mm - y * mm - max(h * mm - pitch * len(rows), 0) / 2
    for i, row in enumerate(rows):
        c.drawString(x * mm, top - (i + 0.5) * pitch - 0.35 * s, row)


def draw_qr(c, symbol):
    x, y, w, _ = QR_BOX
    n = len(symbol.matrix)
    module = w * mm / (n + 2 * QUIET)
    left = x * mm + QUIET * module
    top = HEIGHT_MM * mm - y * mm - QUIET * module
    path = c.beginPath()
    for r, row in enumerate(symbol.matrix):
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                path.rect(left + start * module, top - (r + 1) * module, (col - start) * module, module)
            else:
                col += 1
    c.setFillColor(INK)
    c.drawPath(path, stroke=0, fill=1)


def label_pdf(path: Path, device, facts, scheme, symbol):
    c = canvas.Canvas(str(path), pagesize=(WIDTH_MM * mm, HEIGHT_MM * mm), initialFontName="NotoSans")
    c.setTitle(f"Label {facts['label_id']}")
    c.setFillColor(TIER_COLOUR)
    c.rect(0, (HEIGHT_MM - 11.5) * mm, WIDTH_MM * mm, 11.5 * mm, stroke=0, fill=1)
    white = HexColor("#FFFFFF")
    draw_text(c, scheme.name, (2, 0.7, 36, 4.2), 6, 4.2, lines=2, bold=True, colour=white)
    draw_text(c, TIER_NAME, (2, 4.9, 36, 4.4), 11, 9, bold=True, colour=white)
    draw_text(c, "Illustrative scheme, not an official mark", (2, 9.3, 36, 2.0), 4.2, 3.5, colour=white)
    draw_text(c, ASSURANCE_NAME, (2, 12.2, 36, 3.0), 6.5, 4.5, bold=True, colour=TIER_COLOUR)
    draw_text(c, device["manufacturer"], (2, 15.3, 36, 3.6), 6, 4.2, lines=2)
    draw_text(c, device["model"], (2, 19.0, 36, 3.2), 7, 5, bold=True)
    if device.get("variants"):
        draw_text(c, "Also: " + ", ".join(device["variants"]), (2, 22.2, 36, 3.0), 5, 3.5, lines=2)
    draw_text(c, f"Firmware {device['firmware_version']}", (2, 25.3, 36, 2.4), 5, 3.5)
    draw_qr(c, symbol)
    draw_text(c, f"Label valid until {facts['expires']:%Y-%m-%d}", (2, 55.5, 36, 2.1), 4.5, 3.5)
    end = facts["support_end"]
    support = f"Security updates until {end:%Y-%m-%d}" if end else "Security update period not stated"
    draw_text(c, support, (2, 57.6, 36, 2.1), 4.5, 3.5)
    draw_text(c, f"Issued by {ISSUER}", (2, 59.7, 36, 2.1), 4.5, 3.5)
    draw_text(c, f"Label ID {facts['label_id']}", (2, 61.8, 36, 2.0), 4.2, 3.5)
    c.showPage()
    c.save()


def issue_one(path, index, scheme, key, kid, at, out: Path):
    device, support_end, evidence16 = read_profile(path)
    claims, facts = make_claims(device, support_end, evidence16, scheme, kid, index, at)
    facts["evidence"] = evidence16.hex()
    cose = sign1(cbor2.dumps(claims, canonical=True), key, kid)
    text = qr_text(cose)
    symbol = qr_symbol(text)
    stem = out / facts["label_id"]
    stem.with_suffix(".cose").write_bytes(cose)
    stem.with_suffix(".txt").write_text(text + "\n")
    stem.with_suffix(".json").write_text(claims_file(device, facts, scheme, text))
    label_pdf(stem.with_suffix(".pdf"), device, facts, scheme, symbol)
    return symbol.version, len(cose)


def main() -> int:
    start = time.perf_counter()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--at", default="2026-12-01T00:00:00Z")
    ap.add_argument("profiles", nargs="+", type=Path)
    a = ap.parse_args()
    at = dt.datetime.fromisoformat(a.at.replace("Z", "+00:00"))
    a.out.mkdir(parents=True, exist_ok=True)
    register_fonts()
    scheme = Scheme()
    key = SigningKey(hashlib.sha256(b"iotlabel python peer test key").digest())
    kid = hashlib.sha256(bytes(key.verify_key)).digest()[:8]
    versions, sizes = set(), []
    for index, path in enumerate(a.profiles):
        version, size = issue_one(path, index, scheme, key, kid, at, a.out)
        versions.add(version)
        sizes.append(size)
    elapsed = time.perf_counter() - start
    n = len(a.profiles)
    print(
        f"python: {n} labels in {elapsed:.2f} s "
        f"(QR version(s) {sorted(versions)}-M, COSE {min(sizes)}-{max(sizes)} bytes)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
