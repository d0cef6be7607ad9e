//! A small HCL writer that formats exactly as `terraform fmt` (hclwrite's
//! `Format`) does, so rendered files need no formatting pass: two-space
//! indentation, and `=` aligned across each run of consecutive single-line
//! attributes (a multi-line value, a nested block or a blank line ends a run).
//! hcl-rs can build HCL but does not align like `terraform fmt`, which is why
//! this exists; the tests compare every file with HashiCorp's formatter.

use std::fmt::Write;

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Already-rendered text: `"a string"`, `42`, `true`, `aws_vpc.main.id`.
    Raw(String),
    /// `[a, b]` (inline when every item is one line).
    List(Vec<Expr>),
    /// `{ key = value }`, one entry per line.
    Object(Vec<(String, Expr)>),
    /// `name(arg)`, e.g. `jsonencode({...})`.
    Call(String, Box<Expr>),
}

impl Expr {
    /// A quoted string, escaping what HCL would interpolate.
    pub fn str(s: &str) -> Expr {
        Expr::Raw(quote(s))
    }

    fn single_line(&self) -> bool {
        match self {
            Expr::Raw(s) => !s.contains('\n'),
            Expr::List(items) => items.iter().all(|i| matches!(i, Expr::Raw(_))),
            Expr::Object(entries) => entries.is_empty(),
            Expr::Call(_, arg) => arg.single_line(),
        }
    }
}

/// An HCL string literal: `\`, `"` and control characters escaped, and `${`
/// / `%{` doubled so nothing is interpolated.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let chars: Vec<char> = s.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.get(i + 1) == Some(&'{') => {
                out.push(*c);
                out.push(*c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", *c as u32);
            }
            c => out.push(*c),
        }
    }
    out.push('"');
    out
}

/// An object key: bare when it is an identifier, quoted otherwise.
pub fn key(k: &str) -> String {
    let ident = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ident { k.to_owned() } else { quote(k) }
}

/// One item of a body.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `name = value`.
    Attr(String, Expr),
    /// A nested block.
    Block(Block),
    /// An empty line.
    Blank,
    /// `# text`.
    Comment(String),
}

/// A block: `type "label" "label" { ... }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Block {
    /// Block type, e.g. `resource`.
    pub kind: String,
    /// Labels, written quoted.
    pub labels: Vec<String>,
    /// Body.
    pub body: Vec<Item>,
}

impl Block {
    /// A block with labels.
    pub fn new(kind: &str, labels: &[&str]) -> Self {
        Self {
            kind: kind.to_owned(),
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
            body: Vec::new(),
        }
    }

    /// Adds an attribute.
    pub fn attr(mut self, name: &str, value: Expr) -> Self {
        self.body.push(Item::Attr(name.to_owned(), value));
        self
    }

    /// Adds a nested block.
    pub fn block(mut self, b: Block) -> Self {
        self.body.push(Item::Block(b));
        self
    }
}

/// Writes blocks separated by blank lines.
pub fn file(blocks: &[Block]) -> String {
    let mut s = String::new();
    for (i, b) in blocks.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        write_block(&mut s, b, 0);
    }
    s
}

fn indent(s: &mut String, level: usize) {
    for _ in 0..level {
        s.push_str("  ");
    }
}

fn write_block(s: &mut String, b: &Block, level: usize) {
    indent(s, level);
    s.push_str(&b.kind);
    for l in &b.labels {
        s.push(' ');
        s.push_str(&quote(l));
    }
    if b.body.is_empty() {
        s.push_str(" {}\n");
        return;
    }
    s.push_str(" {\n");
    write_body(s, &b.body, level + 1);
    indent(s, level);
    s.push_str("}\n");
}

/// Writes items, aligning `=` across runs of single-line attributes.
fn write_body(s: &mut String, items: &[Item], level: usize) {
    let mut i = 0;
    while i < items.len() {
        // A run of single-line attributes.
        let run_end = items[i..]
            .iter()
            .position(|it| !matches!(it, Item::Attr(_, v) if v.single_line()))
            .map_or(items.len(), |p| i + p);
        if run_end > i {
            let width = items[i..run_end]
                .iter()
                .map(|it| match it {
                    Item::Attr(k, _) => k.chars().count(),
                    _ => 0,
                })
                .max()
                .unwrap_or(0);
            for it in &items[i..run_end] {
                if let Item::Attr(k, v) = it {
                    indent(s, level);
                    let _ = write!(s, "{k:<width$} = ");
                    write_expr(s, v, level);
                    s.push('\n');
                }
            }
            i = run_end;
            continue;
        }
        match &items[i] {
            Item::Attr(k, v) => {
                indent(s, level);
                let _ = write!(s, "{k} = ");
                write_expr(s, v, level);
                s.push('\n');
            }
            Item::Block(b) => write_block(s, b, level),
            Item::Blank => s.push('\n'),
            Item::Comment(c) => {
                indent(s, level);
                let _ = writeln!(s, "# {c}");
            }
        }
        i += 1;
    }
}

fn write_expr(s: &mut String, e: &Expr, level: usize) {
    match e {
        Expr::Raw(r) => s.push_str(r),
        Expr::Call(name, arg) => {
            s.push_str(name);
            s.push('(');
            write_expr(s, arg, level);
            s.push(')');
        }
        Expr::List(items) if e.single_line() => {
            s.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                write_expr(s, it, level);
            }
            s.push(']');
        }
        Expr::List(items) => {
            s.push_str("[\n");
            for it in items {
                indent(s, level + 1);
                write_expr(s, it, level + 1);
                s.push_str(",\n");
            }
            indent(s, level);
            s.push(']');
        }
        Expr::Object(entries) if entries.is_empty() => s.push_str("{}"),
        Expr::Object(entries) => {
            s.push_str("{\n");
            let items: Vec<Item> = entries
                .iter()
                .map(|(k, v)| Item::Attr(key(k), v.clone()))
                .collect();
            write_body(s, &items, level + 1);
            indent(s, level);
            s.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(blocks: &[Block], expect: &str) {
        assert_eq!(file(blocks), expect);
    }

    #[test]
    fn aligns_runs_of_single_line_attributes_only() {
        let b = Block::new("resource", &["aws_vpc", "main"])
            .attr("a", Expr::Raw("1".into()))
            .attr("bbbb", Expr::Raw("2".into()))
            .attr(
                "tags",
                Expr::Object(vec![
                    ("Name".into(), Expr::str("x")),
                    ("strata:app".into(), Expr::str("y")),
                ]),
            )
            .attr("c", Expr::Raw("3".into()));
        check(
            &[b],
            "resource \"aws_vpc\" \"main\" {\n  a    = 1\n  bbbb = 2\n  tags = {\n    Name         = \"x\"\n    \"strata:app\" = \"y\"\n  }\n  c = 3\n}\n",
        );
    }

    #[test]
    fn strings_never_interpolate() {
        assert_eq!(
            quote("a ${b} %{c} $d \"q\"\n"),
            "\"a $${b} %%{c} $d \\\"q\\\"\\n\""
        );
    }
}
