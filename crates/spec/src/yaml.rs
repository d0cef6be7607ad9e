//! YAML into a tree of nodes that remember where they came from.
//!
//! The tree is built from the event stream of `saphyr-parser` with an explicit
//! stack, so nesting depth costs heap, not stack; depth, node count (aliases
//! included) and input size are bounded so no input can exhaust time or memory.
//! Plain scalars resolve by the YAML 1.2 core schema (`yes` stays a string).

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan};

use crate::diag::Diagnostic;

/// Byte range in the source.
pub type Span = Range<usize>;

/// Most nested collections a document may have.
pub const MAX_DEPTH: usize = 64;
/// Most nodes a document may expand to, aliases included.
pub const MAX_NODES: usize = 250_000;
/// Largest input accepted, in bytes.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;

/// A YAML node with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: NodeValue,
    /// Where it is in the source.
    pub span: Span,
    /// Its tag, when it has one that is not a core-schema tag (e.g. `!Ref`).
    pub tag: Option<String>,
}

/// A mapping entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key text.
    pub key: String,
    /// Where the key is.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

/// A node's value.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<Entry>),
}

impl Node {
    fn new(value: NodeValue, span: Span) -> Self {
        Self {
            value,
            span,
            tag: None,
        }
    }

    /// The entry for `key`, when this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            NodeValue::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A short name of the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            NodeValue::Null => "nothing (null)",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) => "an integer",
            NodeValue::Float(_) => "a number",
            NodeValue::Str(_) => "a string",
            NodeValue::Seq(_) => "a list",
            NodeValue::Map(_) => "a mapping",
        }
    }

    /// Nodes in this subtree, this one included.
    pub fn count(&self) -> usize {
        1 + match &self.value {
            NodeValue::Seq(items) => items.iter().map(Node::count).sum(),
            NodeValue::Map(entries) => entries.iter().map(|e| e.value.count()).sum(),
            _ => 0,
        }
    }

    /// Converts to JSON for schema validation and typed deserialisation.
    /// NaN and infinities, which JSON lacks, become strings.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            NodeValue::Null => J::Null,
            NodeValue::Bool(b) => J::Bool(*b),
            NodeValue::Int(i) => J::from(*i),
            NodeValue::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or_else(|| J::String(f.to_string())),
            NodeValue::Str(s) => J::String(s.clone()),
            NodeValue::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// The node at a JSON-pointer-like path of keys and indices, and the span of
    /// the key that leads to it (for mappings).
    pub fn at_path<'a>(&'a self, path: &[String]) -> Option<(&'a Node, Option<&'a Span>)> {
        let mut node = self;
        let mut key_span = None;
        for seg in path {
            match &node.value {
                NodeValue::Map(entries) => {
                    let e = entries.iter().rev().find(|e| &e.key == seg)?;
                    key_span = Some(&e.key_span);
                    node = &e.value;
                }
                NodeValue::Seq(items) => {
                    node = items.get(seg.parse::<usize>().ok()?)?;
                    key_span = None;
                }
                _ => return None,
            }
        }
        Some((node, key_span))
    }
}

/// The outcome of parsing: a tree when one could be built, and every problem.
#[derive(Debug)]
pub struct Parsed {
    /// The document's root; `None` when the input is not YAML at all.
    pub root: Option<Node>,
    /// Every problem found.
    pub diagnostics: Vec<Diagnostic>,
}

/// Converts the parser's character offsets to byte offsets.
struct Offsets {
    bytes: Vec<usize>,
}

impl Offsets {
    fn new(src: &str) -> Self {
        let mut bytes: Vec<usize> = src.char_indices().map(|(b, _)| b).collect();
        bytes.push(src.len());
        Self { bytes }
    }

    fn at(&self, char_index: usize) -> usize {
        *self
            .bytes
            .get(char_index)
            .unwrap_or_else(|| self.bytes.last().unwrap_or(&0))
    }

    fn span(&self, s: &YSpan) -> Span {
        let start = self.at(s.start.index());
        let end = self.at(s.end.index()).max(start);
        start..end
    }
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        entries: Vec<Entry>,
        merges: Vec<Node>,
        key: Option<(String, Span, bool)>,
    },
}

/// Parses one YAML document.
pub fn parse(src: &str) -> Parsed {
    let (mut roots, diagnostics) = parse_documents(src, false);
    Parsed {
        root: roots.pop(),
        diagnostics,
    }
}

/// Parses a stream of YAML documents (`---`-separated, as Kubernetes manifests
/// are): every document's root, in order, and every problem found.
pub fn parse_stream(src: &str) -> (Vec<Node>, Vec<Diagnostic>) {
    parse_documents(src, true)
}

fn parse_documents(src: &str, many: bool) -> (Vec<Node>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    if src.len() > MAX_BYTES {
        diagnostics.push(Diagnostic::error(
            "yaml::too-large",
            format!(
                "the file is {} bytes; the most accepted is {MAX_BYTES}",
                src.len()
            ),
            0..0,
        ));
        return (Vec::new(), diagnostics);
    }
    let offsets = Offsets::new(src);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut roots: Vec<Node> = Vec::new();
    let mut nodes = 0usize;
    let mut documents = 0usize;

    for item in Parser::new_from_str(src) {
        let (event, yspan) = match item {
            Ok(e) => e,
            Err(err) => {
                let m = err.marker();
                let at = offsets.at(m.index());
                let end = next_char_end(src, at);
                diagnostics.push(
                    Diagnostic::error(
                        "yaml::syntax",
                        format!("invalid YAML: {}", err.info()),
                        at..end,
                    )
                    .with_label("here")
                    .with_help(
                        "check the indentation and quoting on this line and the one before it",
                    ),
                );
                return (if many { roots } else { Vec::new() }, diagnostics);
            }
        };
        let span = offsets.span(&yspan);
        let is_seq_start = matches!(event, Event::SequenceStart(..));
        let completed: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => None,
            Event::DocumentStart(_) => {
                documents += 1;
                anchors.clear();
                if documents > 1 && !many {
                    diagnostics.push(
                        Diagnostic::error(
                            "yaml::many-documents",
                            "a spec is one YAML document, but this file has more",
                            span.start..next_char_end(src, span.start),
                        )
                        .with_label("second document starts here")
                        .with_help("split the documents into separate files"),
                    );
                    break;
                }
                None
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => {
                    nodes += n.count();
                    let mut n = n.clone();
                    n.span = span.clone();
                    Some((n, 0))
                }
                None => {
                    diagnostics.push(Diagnostic::error(
                        "yaml::unknown-alias",
                        "this alias refers to no anchor",
                        span.clone(),
                    ));
                    Some((Node::new(NodeValue::Null, 0..0), 0))
                }
            },
            Event::Scalar(text, style, anchor, tag) => {
                nodes += 1;
                let tag_text = tag.as_ref().map(|t| format!("{}{}", t.handle, t.suffix));
                let core = tag_text
                    .as_deref()
                    .and_then(|t| t.strip_prefix("tag:yaml.org,2002:"))
                    .map(str::to_owned);
                let value = resolve_scalar(&text, style, core.as_deref());
                let mut n = Node::new(value, span.clone());
                if core.is_none() {
                    n.tag = tag_text;
                }
                // A plain key reaches the map frame as a string with its style.
                if let Some(Frame::Map { key, .. }) = stack.last_mut() {
                    if key.is_none() {
                        let plain = style == ScalarStyle::Plain;
                        *key = Some((text.into_owned(), n.span.clone(), plain));
                        if anchor != 0 {
                            anchors.insert(anchor, n);
                        }
                        continue;
                    }
                }
                Some((n, anchor))
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    diagnostics.push(
                        Diagnostic::error(
                            "yaml::too-deep",
                            format!("nesting is deeper than {MAX_DEPTH} levels"),
                            span.start..next_char_end(src, span.start),
                        )
                        .with_help("a spec needs only a few levels; is this the right file?"),
                    );
                    return (Vec::new(), diagnostics);
                }
                if let Some(Frame::Map { key: None, .. }) = stack.last() {
                    diagnostics.push(Diagnostic::error(
                        "yaml::complex-key",
                        "a mapping key must be a plain value, not a list or mapping",
                        span.clone(),
                    ));
                    return (Vec::new(), diagnostics);
                }
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                nodes += 1;
                stack.push(if is_seq_start {
                    Frame::Seq {
                        start: span.start,
                        anchor,
                        tag,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        start: span.start,
                        anchor,
                        tag,
                        entries: Vec::new(),
                        merges: Vec::new(),
                        key: None,
                    }
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    start,
                    anchor,
                    tag,
                    items,
                }) => {
                    let end = items.last().map_or(span.end, |n| n.span.end.max(start));
                    let mut n = Node::new(NodeValue::Seq(items), start..end.max(start));
                    n.tag = tag.filter(|t| !t.starts_with("tag:yaml.org"));
                    Some((n, anchor))
                }
                _ => None,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    start,
                    anchor,
                    tag,
                    mut entries,
                    merges,
                    ..
                }) => {
                    apply_merges(&mut entries, merges, &mut diagnostics);
                    let end = entries
                        .last()
                        .map_or(span.end, |e| e.value.span.end.max(e.key_span.end));
                    let mut n = Node::new(NodeValue::Map(entries), start..end.max(start));
                    n.tag = tag.filter(|t| !t.starts_with("tag:yaml.org"));
                    Some((n, anchor))
                }
                _ => None,
            },
        };
        if nodes > MAX_NODES {
            diagnostics.push(
                Diagnostic::error(
                    "yaml::too-many-nodes",
                    format!("the document expands to more than {MAX_NODES} values"),
                    span.clone(),
                )
                .with_help("aliases that refer to aliases multiply; write the values out"),
            );
            return (Vec::new(), diagnostics);
        }
        let Some((node, anchor)) = completed else {
            continue;
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => roots.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                merges,
                key,
                ..
            }) => match key.take() {
                // A collection or alias in key position.
                None => {
                    diagnostics.push(Diagnostic::error(
                        "yaml::complex-key",
                        "a mapping key must be a plain value, not a list or mapping",
                        node.span,
                    ));
                }
                Some((k, _, plain)) if plain && k == "<<" => merges.push(node),
                Some((k, key_span, _)) => {
                    if let Some(first) = entries.iter().find(|e| e.key == k) {
                        diagnostics.push(
                            Diagnostic::error(
                                "yaml::duplicate-key",
                                format!("`{k}` is defined twice in this mapping"),
                                key_span.clone(),
                            )
                            .with_label("defined again here")
                            .with_related(first.key_span.clone(), "first defined here")
                            .with_help("remove one of them; YAML keeps only one"),
                        );
                    }
                    entries.push(Entry {
                        key: k,
                        key_span,
                        value: node,
                    });
                }
            },
        }
    }
    if roots.is_empty() && documents <= 1 && !many {
        roots.push(Node::new(NodeValue::Null, 0..0));
    }
    (roots, diagnostics)
}

fn apply_merges(entries: &mut Vec<Entry>, merges: Vec<Node>, diagnostics: &mut Vec<Diagnostic>) {
    for m in merges {
        let sources = match m.value {
            NodeValue::Map(_) => vec![m],
            NodeValue::Seq(items) => items,
            _ => {
                diagnostics.push(Diagnostic::error(
                    "yaml::bad-merge",
                    "`<<` merges a mapping or a list of mappings",
                    m.span,
                ));
                continue;
            }
        };
        for src in sources {
            if let NodeValue::Map(more) = src.value {
                for e in more {
                    if !entries.iter().any(|x| x.key == e.key) {
                        entries.push(e);
                    }
                }
            }
        }
    }
}

fn next_char_end(src: &str, at: usize) -> usize {
    src.get(at..)
        .and_then(|s| s.chars().next())
        .map_or(at, |c| at + c.len_utf8())
}

fn resolve_scalar(text: &str, style: ScalarStyle, core_tag: Option<&str>) -> NodeValue {
    match core_tag {
        Some("str") => return NodeValue::Str(text.to_owned()),
        Some("null") => return NodeValue::Null,
        _ => {}
    }
    if style != ScalarStyle::Plain && core_tag.is_none() {
        return NodeValue::Str(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeValue::Null,
        "true" | "True" | "TRUE" => return NodeValue::Bool(true),
        "false" | "False" | "FALSE" => return NodeValue::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeValue::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeValue::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeValue::Float(f64::NAN),
        _ => {}
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if let Ok(i) = i64::from_str_radix(hex, 16) {
            return NodeValue::Int(i);
        }
    }
    if let Some(oct) = text.strip_prefix("0o") {
        if let Ok(i) = i64::from_str_radix(oct, 8) {
            return NodeValue::Int(i);
        }
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<i64>() {
            Ok(i) => NodeValue::Int(i),
            Err(_) => NodeValue::Float(text.parse().unwrap_or(f64::INFINITY)),
        };
    }
    if looks_like_float(digits) {
        if let Ok(f) = text.parse::<f64>() {
            return NodeValue::Float(f);
        }
    }
    NodeValue::Str(text.to_owned())
}

/// `[0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)?` with at least one digit.
fn looks_like_float(s: &str) -> bool {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let digits_ok = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits_ok(int)
        && frac.is_none_or(digits_ok)
        && (int.len() + frac.map_or(0, str::len)) > 0
        && (frac.is_some() || exp.is_some());
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits_ok(e)
    });
    mantissa_ok && exp_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(src: &str) -> Node {
        let p = parse(src);
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        p.root.unwrap()
    }

    #[test]
    fn scalars_resolve_by_the_core_schema() {
        let n = root("a: 1\nb: 1.5\nc: yes\nd: true\ne: '1'\nf: ~\ng: 0x1f\nh: 1e3\ni: 1.2.3\n");
        let j = n.to_json();
        assert_eq!(j["a"], 1);
        assert_eq!(j["b"], 1.5);
        assert_eq!(j["c"], "yes");
        assert_eq!(j["d"], true);
        assert_eq!(j["e"], "1");
        assert_eq!(j["f"], serde_json::Value::Null);
        assert_eq!(j["g"], 31);
        assert_eq!(j["h"], 1000.0);
        assert_eq!(j["i"], "1.2.3");
    }

    #[test]
    fn spans_are_byte_offsets_even_after_multibyte_text() {
        let src = "name: \"héllo wörld\"\nport: 80\n";
        let n = root(src);
        let (port, key) = n.at_path(&["port".into()]).unwrap();
        assert_eq!(&src[port.span.clone()], "80");
        assert_eq!(&src[key.unwrap().clone()], "port");
    }

    #[test]
    fn duplicate_keys_anchors_and_merges() {
        let p = parse("a: 1\na: 2\n");
        assert_eq!(p.diagnostics.len(), 1);
        assert_eq!(p.diagnostics[0].code, "yaml::duplicate-key");

        let n = root("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n");
        let j = n.to_json();
        assert_eq!(j["thing"]["x"], 1);
        assert_eq!(j["thing"]["y"], 3);
    }

    #[test]
    fn deep_nesting_and_alias_bombs_are_bounded() {
        for deep in [
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
            "a:\n".to_owned()
                + &(1..200)
                    .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
                    .collect::<String>(),
        ] {
            let p = parse(&deep);
            assert_eq!(p.diagnostics.len(), 1, "{:?}", p.diagnostics);
            assert!(
                matches!(p.diagnostics[0].code, "yaml::too-deep" | "yaml::syntax"),
                "{:?}",
                p.diagnostics
            );
        }

        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            bomb.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                [prev.as_str(); 10].join(", ")
            ));
        }
        let p = parse(&bomb);
        assert_eq!(p.diagnostics[0].code, "yaml::too-many-nodes");
    }
}
