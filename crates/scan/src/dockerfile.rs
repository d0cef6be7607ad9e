//! Dockerfiles: one resource per file, holding its instructions in order
//! (`instructions`: `{cmd, args, stage}`) and its stages (`stages`:
//! `{image, name}`), with the line of each instruction. Line continuations,
//! comments, parser directives and heredocs (`<<EOF`) are handled; JSON
//! (exec) form is kept as written.

use std::collections::BTreeMap;

use strata_model::{Kind, Value};

use crate::inventory::{Inventory, Origin, attach_suppressions, suppression_comments};

const SOURCE: &str = "dockerfile";

const KNOWN: &[&str] = &[
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

/// Reads the Dockerfile `name`.
pub fn scan_text(name: &str, text: &str, inv: &mut Inventory) {
    inv.files.push(name.to_owned());
    let mut escape = '\\';
    let mut instructions = Vec::new();
    let mut lines_of = BTreeMap::new();
    let mut stages: Vec<Value> = Vec::new();
    let mut src_lines = text.lines().enumerate().peekable();
    let mut directives = true;
    while let Some((i, raw)) = src_lines.next() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(c) = trimmed.strip_prefix('#') {
            if directives
                && let Some((k, v)) = c.split_once('=')
                && k.trim().eq_ignore_ascii_case("escape")
            {
                escape = v.trim().chars().next().unwrap_or('\\');
            }
            continue;
        }
        directives = false;
        // Join continuation lines.
        let mut logical = trimmed.to_owned();
        while logical.ends_with(escape) {
            logical.pop();
            match src_lines.next() {
                Some((_, next)) => {
                    let n = next.trim();
                    if n.starts_with('#') {
                        logical.push(escape);
                        continue;
                    }
                    logical.push(' ');
                    logical.push_str(n);
                }
                None => break,
            }
        }
        // Heredocs: the body up to the terminator belongs to this instruction.
        if let Some(pos) = logical.find("<<") {
            let tag: String = logical[pos + 2..]
                .trim_start_matches('-')
                .trim_matches(|c| c == '"' || c == '\'')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !tag.is_empty() {
                for (_, body) in src_lines.by_ref() {
                    if body.trim() == tag {
                        break;
                    }
                    logical.push('\n');
                    logical.push_str(body);
                }
            }
        }
        let (cmd, args) = logical
            .split_once(char::is_whitespace)
            .unwrap_or((&logical, ""));
        let cmd = cmd.to_ascii_uppercase();
        if !KNOWN.contains(&cmd.as_str()) {
            inv.problem(name, line_no, 1, format!("unknown instruction `{cmd}`"));
            continue;
        }
        let args = args.trim().to_owned();
        if cmd == "FROM" {
            let mut parts = args.split_whitespace().filter(|p| !p.starts_with("--"));
            let image = parts.next().unwrap_or_default().to_owned();
            let alias = match (parts.next(), parts.next()) {
                (Some(a), Some(n)) if a.eq_ignore_ascii_case("as") => Some(n.to_owned()),
                _ => None,
            };
            let mut st = BTreeMap::new();
            st.insert("image".to_owned(), Value::String(image));
            st.insert("name".to_owned(), alias.map_or(Value::Null, Value::String));
            st.insert("line".to_owned(), Value::Int(i64::from(line_no)));
            stages.push(Value::Map(st));
        }
        let idx = instructions.len();
        lines_of.insert(format!("instructions.{idx}"), line_no);
        let mut m = BTreeMap::new();
        m.insert("cmd".to_owned(), Value::String(cmd));
        m.insert("args".to_owned(), Value::String(args));
        m.insert(
            "stage".to_owned(),
            Value::Int(stages.len().saturating_sub(1) as i64),
        );
        m.insert("line".to_owned(), Value::Int(i64::from(line_no)));
        instructions.push(Value::Map(m));
    }
    if instructions.is_empty() {
        inv.problem(name, 1, 1, "no instructions: not a Dockerfile?");
        return;
    }
    let mut attrs = BTreeMap::new();
    attrs.insert("instructions".to_owned(), Value::List(instructions));
    attrs.insert("stages".to_owned(), Value::List(stages));
    let label = name.to_owned();
    let address = inv.address(SOURCE, Kind::Dockerfile, &label);
    let last = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
    inv.add(
        address.clone(),
        attrs,
        Origin {
            label,
            file: name.to_owned(),
            line: 1,
            attrs: lines_of.into(),
            root: None,
        },
    );
    let found = suppression_comments(name, text);
    attach_suppressions(inv, found, &[(address, 1, last.max(1))]);
}
