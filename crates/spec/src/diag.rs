//! Diagnostics: every problem with a spec, each with a span, a message, a label
//! and a hint. Rendered by miette with the offending text underlined.

use std::fmt;
use std::ops::Range;

use miette::{LabeledSpan, MietteError, SourceCode, SpanContents};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The spec cannot be planned.
    Error,
    /// Planned, but probably not what was meant.
    Warning,
}

/// One problem, located in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code, e.g. `spec::unknown-field`.
    pub code: &'static str,
    /// One sentence saying what is wrong.
    pub message: String,
    /// Byte range of the offending text.
    pub span: Range<usize>,
    /// Short text under the underline.
    pub label: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
    /// Other places that explain this one.
    pub related: Vec<(Range<usize>, String)>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: &'static str, message: impl Into<String>, span: Range<usize>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            label: None,
            help: None,
            related: Vec::new(),
        }
    }

    /// A warning.
    pub fn warning(code: &'static str, message: impl Into<String>, span: Range<usize>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message, span)
        }
    }

    /// Sets the label.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the hint when there is one.
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help = help.or(self.help);
        self
    }

    /// Adds a related location.
    pub fn with_related(mut self, span: Range<usize>, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A source file: its name as the user gave it and its text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceFile {
    /// Path as given.
    pub name: String,
    /// Text (invalid UTF-8 replaced).
    pub text: String,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A source file.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let line_start = self.line_starts[line - 1];
        let col = self.text[line_start..offset].chars().count() + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }

    /// `file:line:col: severity[code]: message` and, when there is one, an
    /// indented `help:` line. The compact form used by `--output short` and tests.
    pub fn short(&self, d: &Diagnostic) -> String {
        let (line, col) = self.line_col(d.span.start);
        let sev = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut s = format!(
            "{}:{line}:{col}: {sev}[{}]: {}",
            self.name, d.code, d.message
        );
        if let Some(h) = &d.help {
            s.push_str("\n    help: ");
            s.push_str(h);
        }
        s
    }

    /// The diagnostic with its source, ready for a miette report handler.
    pub fn located<'a>(&'a self, d: &'a Diagnostic) -> Located<'a> {
        Located {
            file: self,
            diag: d,
        }
    }
}

/// A diagnostic bound to its source, implementing [`miette::Diagnostic`].
#[derive(Debug)]
pub struct Located<'a> {
    file: &'a SourceFile,
    diag: &'a Diagnostic,
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Located<'_> {}

impl miette::Diagnostic for Located<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diag.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diag
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.file)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let main = LabeledSpan::new_primary_with_span(
            self.diag.label.clone(),
            clamp(&self.diag.span, self.file.text.len()),
        );
        let related = self.diag.related.iter().map(|(span, label)| {
            LabeledSpan::new_with_span(Some(label.clone()), clamp(span, self.file.text.len()))
        });
        Some(Box::new(std::iter::once(main).chain(related)))
    }
}

fn clamp(span: &Range<usize>, len: usize) -> (usize, usize) {
    let start = span.start.min(len);
    let end = span.end.clamp(start, len);
    (start, end - start)
}

impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// The closest of `candidates` to `word`, when one is close enough to suggest.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let f = SourceFile::new("s.yaml", "a: 1\nné: x\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(5), (2, 1));
        // byte 10 is after "né: " (é is two bytes): the 5th character of line 2
        assert_eq!(f.line_col(10), (2, 5));
    }

    #[test]
    fn suggestions_only_when_close() {
        assert_eq!(
            did_you_mean("runtmie", ["runtime", "region"]),
            Some("runtime")
        );
        assert_eq!(did_you_mean("zzz", ["runtime", "region"]), None);
    }
}
