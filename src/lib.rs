//! # iotlabel
//!
//! Consumer-IoT cybersecurity labels in the spirit of ISO/IEC 27404. The pipeline, one module
//! per step:
//!
//! ```text
//!  criteria/*.toml ──► criteria ──┐
//!  (catalogues, schemes)          ├──► evaluate ──► report (text, JSON, HTML, PDF)
//!  profile.toml ─────► profile ───┘        │
//!                                          └──► label claims ──► COSE_Sign1 ──► QR text
//!                                                                      │           │
//!  trust list + status lists ──► verify ◄──────────────────────────────┘     artwork (PDF,
//!        (offline, from a photo, registry + verify page)                     SVG, PNG)
//! ```
//!
//! - [`criteria`]: the feature and property vocabulary, requirement catalogues (ETSI EN 303 645
//!   V2.1.1 ...) and schemes that build tiers on them; loaded in two stages with every problem
//!   reported at its `file:line:col`; each scheme has a criteria digest.
//! - [`profile`]: a device's identity, features, declarations and lab results, validated
//!   against the vocabulary.
//! - [`evaluate`]: the pure, total, deterministic engine: (scheme, profile, time) -> verdict per
//!   requirement, provenance, tier, and what blocks the next tier.
//! - [`report`]: the evaluation as a value, rendered as text and stable JSON; the assessment
//!   report for people as HTML and PDF, drawn from that JSON.
//! - [`ids`]: key ids and label ids as types ([`ids::Kid`], [`ids::LabelId`]), hex only as text.
//! - [`text`]: which characters a text people read may hold (signed, loaded or shown).
//! - [`scan`]: QR codes read back from a picture (PNG or JPEG) of a label, for [`verify`].
//! - [`label`], [`trust`], [`status`], [`issue`], [`verify`]: signed labels, who may sign them,
//!   their status, and offline verification.
//! - [`artwork`]: printable labels from templates (`label-templates/`): PDF with subset fonts,
//!   SVG with outlined text, PNG; the QR symbol itself is [`label::symbol`].
//! - [`registry`] and [`serve`]: `iotlabel serve`, the registry of published labels (storage
//!   interface, SQLite by default) and the consumer verify page, both built on [`verify`].
//!
//! Time is always a parameter: nothing in the library reads the clock, except
//! [`serve::SystemClock`], the one edge the server reads it through (tests pass a fixed clock).

#![forbid(unsafe_code)]

pub mod artwork;
pub mod criteria;
pub mod diag;
pub mod evaluate;
pub mod fsutil;
pub mod ids;
pub mod issue;
pub mod keys;
pub mod label;
pub mod profile;
pub mod registry;
pub mod report;
pub mod scan;
pub mod scenario;
pub mod serve;
pub mod status;
pub mod text;
pub mod time;
mod toml_read;
pub mod trust;
pub mod value;
pub mod verify;
mod words;

pub use fsutil::FileError;
