//! Diagnostics for input files: every problem carries its file, a byte span, a message and a
//! help line, and all problems in a file are collected before anything is rejected.
//!
//! Each carries a stable [`Code`] (`C012`), listed with what to do in `docs/diagnostics.md`.
//! `Display` gives the stable one-line form (`file:line:col: error[C012]: message`) that tests and
//! scripts read; the [`miette::Diagnostic`] impl lets the CLI draw the source snippet.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// One input file, kept whole so diagnostics can point into it.
pub struct SourceFile {
    /// The path as the user gave it (or the bundled path).
    pub path: String,
    /// The file's text.
    pub text: String,
}

impl fmt::Debug for SourceFile {
    // The path only: the text can be large and would drown every assertion message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SourceFile {
    /// A file from its path and text.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        Arc::new(SourceFile {
            path: path.into(),
            text: text.into(),
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        // Step back to a char boundary so a span from a parser never splits a character.
        let mut offset = offset;
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }
}

/// Defines [`Code`]: each variant with its stable code and a one-line meaning.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $summary:literal;)*) => {
        /// The stable code of a diagnostic (cargo-deny style): a letter for the kind of check
        /// and a number. Codes never change meaning and are never reused; tests and scripts
        /// match them rather than message texts. `docs/diagnostics.md` explains each.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $($(#[$doc])* #[doc = $summary] $variant,)*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as written (`C012`).
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// What it means, in a few words.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }
        }
    };
}

// F: any TOML input (criteria, profiles, templates); V: the feature and property vocabulary,
// in criteria rules and profile declarations; C: criteria files; P: device profiles;
// T: label templates and their layout check.
codes! {
    Syntax = "F001", "TOML syntax error";
    NotATable = "F002", "a value that must be a table is not one";
    MissingKey = "F003", "a required key is missing";
    UnknownKey = "F004", "a key nobody reads (likely misspelt)";
    WrongType = "F005", "a value has the wrong TOML type";
    BadNumber = "F006", "a number is out of the 64-bit range or not finite";
    ForbiddenCharacter = "F007", "a key or text holds an invisible or control character";
    BadDate = "F008", "a date is not a valid date";
    UnknownWord = "F009", "a value is not one of the words the key allows";

    UnknownFeature = "V001", "an unknown feature name";
    UnknownProperty = "V002", "an unknown property name";
    PropertyValueType = "V003", "a value of the wrong type for its property";
    PropertyValueRange = "V004", "an integer outside its property's range";
    PropertyValueNotAllowed = "V005", "a value not among its enum property's values";
    PropertyValueFormat = "V006", "a malformed version, date or URL";
    SetItemTwice = "V007", "an item listed twice in a set";

    NotCriteria = "C001", "a file with no criteria table";
    DefinedInTwoFiles = "C002", "a catalogue or scheme defined in more than one file";
    DuplicateId = "C003", "an id or name defined twice";
    ListedTwice = "C004", "an item listed twice in a list";
    BadName = "C005", "a feature or property name not in lower_snake_case";
    IncompleteType = "C006", "an enum without values or a set without an item type";
    KeyNotForType = "C007", "a key that does not apply to the property's type";
    UnknownScheme = "C010", "an unknown scheme";
    UnknownTier = "C011", "an unknown tier";
    UnknownRequirement = "C012", "an unknown requirement";
    UnknownCatalogue = "C013", "an unknown catalogue";
    UnknownCategory = "C014", "an unknown product category";
    UnknownCondition = "C015", "an unknown catalogue condition";
    RuleHeads = "C020", "a rule without exactly one head or operator";
    RuleForm = "C021", "a rule form that is not supported there";
    RuleType = "C022", "an operator or operand that does not fit the property's type";
    BadPeriod = "C023", "a period that is not positive or too long";
    ThresholdWithoutBasis = "C024", "a rule threshold without a basis";
    TierRanks = "C030", "tier ranks not numbered 1..n";
    UnreachableTier = "C031", "a tier that can never hold";
    EmptyTier = "C032", "a tier with no requirements";
    EmptyCatalogue = "C033", "a catalogue with no requirements";
    RecognitionGrant = "C034", "a recognition granting both or neither a tier and requirements";
    AmbiguousRequirement = "C035", "a requirement id in more than one of the scheme's catalogues";
    IssuingWindow = "C036", "an issuing window that ends before it starts";
    OutOfRange = "C037", "a number outside its allowed range";
    SchemeLabelLimit = "C040", "a scheme larger than a label can carry";

    ProfileUnknownRequirement = "P001", "an unknown requirement";
    ProfileUnknownScheme = "P002", "a recognised label of an unknown scheme";
    ProfileUnknownCategory = "P003", "an unknown product category";
    EmptyText = "P004", "an empty text";
    Placeholder = "P005", "a skeleton placeholder not filled in";
    Firmware = "P006", "not exactly one firmware version";
    EvidenceDigest = "P007", "a malformed evidence digest";
    LabResultTarget = "P008", "a lab result that names no requirement or test case";
    TestCase = "P009", "a test case that does not belong to its requirement";
    DeviceLabelLimit = "P010", "device texts longer or more than a label can carry";

    UnknownTemplate = "T001", "no bundled template of that name";
    UnreadableTemplate = "T002", "the template file cannot be read";
    TemplateFormat = "T003", "an unknown template format";
    NoQr = "T004", "a template without a QR element";
    TemplateRange = "T005", "a number outside its allowed range";
    Colour = "T006", "a colour not written as #RRGGBB";
    Fonts = "T007", "an empty or unknown font list";
    TierColours = "T008", "an empty list of tier colours";
    Geometry = "T009", "a box or pair of numbers that is not usable";
    OffPage = "T010", "an element that reaches off the page";
    QrNotSquare = "T011", "a QR box that is not square";
    UnknownField = "T012", "an unknown label field";
    SheetLabel = "T013", "a sheet whose label template is a sheet or cannot be loaded";
    SheetFit = "T014", "a label that does not fit on its sheet";
    TextDoesNotFit = "T020", "a text that does not fit its box at its smallest size";
    MissingGlyph = "T021", "a character no font of the template has";
    QrTooDense = "T022", "a QR box too small for the modules the template allows";
    NoIllustrativeLine = "T023", "no place for the illustrative-scheme line";
    QrTextTooLong = "T024", "a QR text too long for any symbol";
    WrongTemplateKind = "T025", "a sheet used for one label, or a label template for a sheet";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The file is rejected.
    Error,
    /// Reported, but the file is accepted.
    Warning,
}

/// One problem in one input file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Its stable code.
    pub code: Code,
    /// The file the problem is in.
    pub file: Arc<SourceFile>,
    /// Byte range in the file; `None` for problems about the file as a whole.
    pub span: Option<Range<usize>>,
    /// What is wrong, with the values involved.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at a span.
    pub fn error(
        code: Code,
        file: &Arc<SourceFile>,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            file: Arc::clone(file),
            span: Some(span),
            message: message.into(),
            help: None,
        }
    }

    /// The same problem as a warning: `Diagnostic::error(..).into_warning()`.
    #[must_use]
    pub fn into_warning(self) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..self
        }
    }

    /// Adds a help line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `path:line:col` of the start of the span (or just the path).
    pub fn location(&self) -> String {
        match &self.span {
            Some(span) => {
                let (line, col) = self.file.line_col(span.start);
                format!("{}:{line}:{col}", self.file.path)
            }
            None => self.file.path.clone(),
        }
    }

    /// Line and column of the span start, if any.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        self.span.as_ref().map(|s| self.file.line_col(s.start))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let (location, code) = (self.location(), self.code);
        write!(f, "{location}: {kind}[{code}]: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.file.text as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.span.clone()?;
        let len = span.end.saturating_sub(span.start);
        Some(Box::new(std::iter::once(miette::LabeledSpan::new(
            Some("here".to_string()),
            span.start,
            len,
        ))))
    }
}

/// A view of a diagnostic for miette's renderer: the message with its location, help apart.
#[derive(Debug)]
pub struct Rendered<'a>(pub &'a Diagnostic);

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.location(), self.0.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        miette::Diagnostic::code(self.0)
    }
    fn severity(&self) -> Option<miette::Severity> {
        miette::Diagnostic::severity(self.0)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        miette::Diagnostic::help(self.0)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        miette::Diagnostic::source_code(self.0)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        miette::Diagnostic::labels(self.0)
    }
}

/// Every problem found while loading some files. Errors reject the input; warnings do not.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Records a problem.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// True if any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.0
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Sorts by file, then position, so output is stable.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            (a.file.path.as_str(), a.span.as_ref().map(|s| s.start))
                .cmp(&(b.file.path.as_str(), b.span.as_ref().map(|s| s.start)))
        });
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The closest candidate to a misspelt name, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(name, c);
        if score > 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// A help line offering the closest candidate, or listing the valid choices when few.
pub fn suggest<'a>(
    name: &str,
    what: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    if let Some(c) = did_you_mean(name, candidates.clone()) {
        return format!("did you mean `{c}`?");
    }
    let mut all: Vec<&str> = candidates.into_iter().collect();
    if all.is_empty() {
        return format!("no {what} are defined here");
    }
    let list = |xs: &[&str]| {
        xs.iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if all.len() <= 12 {
        format!("valid {what}: {}", list(&all))
    } else {
        // Too many to list: show the nearest few.
        all.sort_by(|a, b| {
            strsim::jaro_winkler(name, b)
                .total_cmp(&strsim::jaro_winkler(name, a))
                .then(a.cmp(b))
        });
        format!(
            "none of the known {what} is close; the nearest are {}",
            list(&all[..5])
        )
    }
}
