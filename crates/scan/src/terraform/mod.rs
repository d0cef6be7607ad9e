//! Terraform: a directory of `.tf` files is one module. Variables take their
//! defaults, locals are evaluated where static, `count`/`for_each` expand when
//! static, `dynamic` blocks expand, `data "aws_iam_policy_document"` becomes
//! its JSON, local modules (`source = "./..."`) are read with their inputs,
//! and references to other resources become graph edges. What cannot be
//! known statically becomes `Value::Unknown` with the expression's text.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use hcl::edit::Span;
use hcl::edit::expr::{Expression as EExpr, ObjectKey, TraversalOperator};
use hcl::edit::structure::{Block, Body, Structure};
use hcl::eval::{Context, Evaluate};
use strata_model::{Address, Kind, Reference, Value};
use strata_spec::SourceFile;

use crate::inventory::{Inventory, Origin, attach_suppressions, suppression_comments};

mod funcs;
mod links;

use funcs::base_context;
use links::{CallKey, Links};

const SOURCE: &str = "terraform";
const MAX_MODULE_DEPTH: usize = 8;
const MAX_INSTANCES: usize = 1000;

/// Reads every Terraform root module among `dirs` and the local modules they
/// call. A directory that some module block points at is read as a module
/// (with each caller's inputs), not as a root. Modules are read breadth
/// first and grouped by directory, so a module called by several roots (one
/// per environment) is parsed once.
pub fn scan_roots(dirs: &[(PathBuf, String)], inv: &mut Inventory) {
    let called: HashSet<PathBuf> = dirs.iter().flat_map(|(d, _)| called_dirs(d)).collect();
    let links = RefCell::new(Links::default());
    let mut pending = Vec::new();
    for (dir, display) in dirs {
        if called.contains(&canonical(dir)) {
            continue;
        }
        let files = read_module(dir, display, inv);
        let root = Scope::root(&links, display);
        pending.extend(eval_module(&files, dir, &root, hcl::Map::new(), inv).0);
    }
    read_calls(pending, &links, inv);
    links.borrow().finish(inv);
}

/// Reads given `.tf` files as one module.
pub fn scan_files(files: &[(String, String)], dir: &Path, inv: &mut Inventory) {
    let parsed: Vec<(SourceFile, Body)> = files
        .iter()
        .filter_map(|(name, text)| {
            parse(name, text, inv).map(|b| (SourceFile::new(name.clone(), text.clone()), b))
        })
        .collect();
    let links = RefCell::new(Links::default());
    let root = Scope::root(&links, &dir.display().to_string());
    let calls = eval_module(&parsed, dir, &root, hcl::Map::new(), inv).0;
    drop(parsed);
    read_calls(calls, &links, inv);
    links.borrow().finish(inv);
}

/// Where a module instance is read: its address prefix (`module.a.`), its
/// number (which its `module.<name>` references and its calls name), how
/// deep it is, and the scan's links.
struct Scope<'a> {
    /// The root module's directory, as given.
    root: String,
    prefix: String,
    instance: usize,
    depth: usize,
    links: &'a RefCell<Links>,
}

impl<'a> Scope<'a> {
    fn root(links: &'a RefCell<Links>, dir: &str) -> Self {
        let instance = links.borrow_mut().instance();
        Scope {
            root: dir.trim_end_matches('/').to_owned(),
            prefix: String::new(),
            instance,
            depth: 0,
            links,
        }
    }
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// The local module directories the `.tf` files in `dir` call, found by a
/// textual scan (no parse) of `source = "./..."`.
fn called_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in tf_files(dir) {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        for line in text.lines() {
            let t = line.trim_start();
            let Some(rest) = t.strip_prefix("source") else {
                continue;
            };
            let rest = rest.trim_start();
            let Some(rest) = rest.strip_prefix('=') else {
                continue;
            };
            let v = rest.trim().trim_matches('"');
            if v.starts_with("./") || v.starts_with("../") {
                out.push(canonical(&dir.join(v)));
            }
        }
    }
    out
}

fn tf_files(dir: &Path) -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "tf") && p.is_file())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn parse(name: &str, text: &str, inv: &mut Inventory) -> Option<Body> {
    inv.files.push(name.to_owned());
    match hcl::edit::parser::parse_body(text) {
        Ok(b) => Some(b),
        Err(e) => {
            let loc = e.location();
            inv.problem(
                name,
                u32::try_from(loc.line()).unwrap_or(0),
                u32::try_from(loc.column()).unwrap_or(0),
                format!("not valid HCL: {}", e.message()),
            );
            None
        }
    }
}

/// Reads and parses the `.tf` files of `dir`.
fn read_module(dir: &Path, display: &str, inv: &mut Inventory) -> Vec<(SourceFile, Body)> {
    let mut parsed = Vec::new();
    for p in tf_files(dir) {
        let file = format!(
            "{}/{}",
            display.trim_end_matches('/'),
            p.file_name().unwrap_or_default().to_string_lossy()
        );
        let text = match std::fs::read(&p) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                inv.problem(&file, 0, 0, format!("cannot read: {e}"));
                continue;
            }
        };
        if let Some(b) = parse(&file, &text, inv) {
            parsed.push((SourceFile::new(file, text), b));
        }
    }
    parsed
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "." | "" if !parts.is_empty() => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// A declared resource instance, before its attributes are evaluated.
struct Instance<'a> {
    file: usize,
    block: &'a Block,
    label: String,
    address: Address,
    count_index: Option<i64>,
    each: Option<(hcl::Value, hcl::Value)>,
}

fn labels(b: &Block) -> Vec<String> {
    b.labels.iter().map(|l| l.as_str().to_owned()).collect()
}

fn blocks<'a>(body: &'a Body, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    body.iter()
        .filter_map(Structure::as_block)
        .filter(move |b| b.ident.as_str() == ident)
}

fn line_of(src: &SourceFile, span: Option<std::ops::Range<usize>>) -> u32 {
    span.map(|s| src.line_col(s.start).0).unwrap_or(1)
}

/// Reads one module instance into `inv`: returns the local modules it calls
/// and what its outputs evaluate to.
#[allow(clippy::too_many_lines)]
fn eval_module(
    files: &[(SourceFile, Body)],
    dir: &Path,
    scope: &Scope,
    inputs: hcl::Map<String, hcl::Value>,
    inv: &mut Inventory,
) -> (Vec<ModuleCall>, hcl::Map<String, hcl::Value>) {
    let prefix = scope.prefix.as_str();
    // Variables: inputs over defaults.
    let mut vars = hcl::Map::new();
    for (_, body) in files {
        for b in blocks(body, "variable") {
            let Some(name) = labels(&b.clone()).into_iter().next() else {
                continue;
            };
            if let Some(v) = inputs.get(&name) {
                vars.insert(name, v.clone());
            } else if let Some(d) = b.body.get_attribute("default") {
                if let Ok(v) = hcl::Expression::from(d.value.clone()).evaluate(&base_context()) {
                    vars.insert(name, v);
                }
            }
        }
    }
    let mut ctx = base_context();
    let var_value = hcl::Value::Object(vars);
    ctx.declare_var("var", var_value.clone());
    ctx.declare_var(
        "path",
        hcl::value!({ module = (dir.display().to_string()), root = ".", cwd = "." }),
    );
    ctx.declare_var("terraform", hcl::value!({ workspace = "default" }));

    // Locals, to a fixed point; then policy documents; then locals again.
    let local_attrs: Vec<(&str, &EExpr)> = files
        .iter()
        .flat_map(|(_, b)| blocks(b, "locals"))
        .flat_map(|b| b.body.iter().filter_map(Structure::as_attribute))
        .map(|a| (a.key.as_str(), &a.value))
        .collect();
    let mut locals = hcl::Map::new();
    let fixpoint = |ctx: &mut Context, locals: &mut hcl::Map<String, hcl::Value>| {
        for _ in 0..8 {
            let before = locals.len();
            ctx.declare_var("local", hcl::Value::Object(locals.clone()));
            for (k, e) in &local_attrs {
                if !locals.contains_key(*k)
                    && let Ok(v) = hcl::Expression::from((*e).clone()).evaluate(ctx)
                {
                    locals.insert((*k).to_owned(), v);
                }
            }
            if locals.len() == before {
                break;
            }
        }
        ctx.declare_var("local", hcl::Value::Object(locals.clone()));
    };
    fixpoint(&mut ctx, &mut locals);
    let mut data = context_data(files);
    ctx.declare_var("data", hcl::Value::Object(data.clone()));
    let mut docs = hcl::Map::new();
    for (_, body) in files {
        for b in blocks(body, "data") {
            let l = labels(b);
            if l.len() == 2
                && l[0] == "aws_iam_policy_document"
                && let Some(json) = policy_document(&b.body, &ctx)
            {
                docs.insert(
                    l[1].clone(),
                    hcl::value!({ json = (json.clone()), minified_json = (json) }),
                );
            }
        }
    }
    data.insert(
        "aws_iam_policy_document".to_owned(),
        hcl::Value::Object(docs),
    );
    ctx.declare_var("data", hcl::Value::Object(data));
    fixpoint(&mut ctx, &mut locals);

    // Declare every resource instance so references can resolve.
    let mut instances: Vec<Instance> = Vec::new();
    let mut by_label: HashMap<String, Vec<(Option<hcl::Value>, Address)>> = HashMap::new();
    for (fi, (src, body)) in files.iter().enumerate() {
        for b in blocks(body, "resource") {
            let l = labels(b);
            let [ty, name] = &l[..] else {
                inv.problem(
                    &src.name,
                    line_of(src, b.span()),
                    1,
                    "a resource block needs a type and a name",
                );
                continue;
            };
            let Ok(kind) = ty.parse::<Kind>() else {
                *inv.uncovered.entry(ty.clone()).or_default() += 1;
                continue;
            };
            let base = format!("{prefix}{ty}.{name}");
            let mut push =
                |label: String, key: Option<hcl::Value>, count_index, each, inv: &mut Inventory| {
                    let address = inv.address(SOURCE, kind, &label);
                    by_label
                        .entry(format!("{ty}.{name}"))
                        .or_default()
                        .push((key, address.clone()));
                    instances.push(Instance {
                        file: fi,
                        block: b,
                        label,
                        address,
                        count_index,
                        each,
                    });
                };
            if let Some(c) = b.body.get_attribute("count") {
                match hcl::Expression::from(c.value.clone()).evaluate(&ctx) {
                    Ok(hcl::Value::Number(n)) => {
                        let n = n.as_i64().unwrap_or(0).clamp(0, MAX_INSTANCES as i64);
                        for i in 0..n {
                            push(
                                format!("{base}[{i}]"),
                                Some(hcl::Value::from(i)),
                                Some(i),
                                None,
                                inv,
                            );
                        }
                    }
                    Ok(hcl::Value::Bool(b)) => {
                        if b {
                            push(
                                format!("{base}[0]"),
                                Some(hcl::Value::from(0)),
                                Some(0),
                                None,
                                inv,
                            );
                        }
                    }
                    _ => push(
                        format!("{base}[0]"),
                        Some(hcl::Value::from(0)),
                        Some(0),
                        None,
                        inv,
                    ),
                }
            } else if let Some(fe) = b.body.get_attribute("for_each") {
                match hcl::Expression::from(fe.value.clone()).evaluate(&ctx) {
                    Ok(hcl::Value::Object(m)) => {
                        for (k, v) in m.into_iter().take(MAX_INSTANCES) {
                            push(
                                format!("{base}[\"{k}\"]"),
                                Some(hcl::Value::from(k.clone())),
                                None,
                                Some((hcl::Value::from(k), v)),
                                inv,
                            );
                        }
                    }
                    Ok(hcl::Value::Array(a)) => {
                        for v in a.into_iter().take(MAX_INSTANCES) {
                            let k = match &v {
                                hcl::Value::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            push(
                                format!("{base}[\"{k}\"]"),
                                Some(hcl::Value::from(k.clone())),
                                None,
                                Some((v.clone(), v)),
                                inv,
                            );
                        }
                    }
                    _ => push(base.clone(), None, None, None, inv),
                }
            } else {
                push(base.clone(), None, None, None, inv);
            }
        }
    }

    declare_resources(&mut ctx, files, &by_label, &mut scope.links.borrow_mut());

    // Evaluate attributes.
    let mut spans: Vec<Vec<(Address, u32, u32)>> = vec![Vec::new(); files.len()];
    let statics = Statics {
        var: var_value,
        local: hcl::Value::Object(locals),
    };
    // One context for every instance: `count` and `each` are re-declared per
    // instance rather than cloning the module's (possibly large) variables.
    let shared = RefCell::new(ctx);
    for inst in &instances {
        let src = &files[inst.file].0;
        {
            let mut c = shared.borrow_mut();
            match inst.count_index {
                Some(i) => c.declare_var("count", hcl::value!({ index = i })),
                None => c.declare_var("count", hcl::Value::Null),
            }
            match &inst.each {
                Some((k, v)) => c.declare_var(
                    "each",
                    hcl::value!({ key = (k.clone()), value = (v.clone()) }),
                ),
                None => c.declare_var("each", hcl::Value::Null),
            }
        }
        let ev = Eval {
            ctx: &shared,
            statics: &statics,
            refs: &by_label,
            src,
            scope,
        };
        let mut lines = BTreeMap::new();
        let attrs = ev.body(&inst.block.body, "", &mut lines, true);
        let start = line_of(src, inst.block.span());
        let end = inst
            .block
            .span()
            .map(|s| src.line_col(s.end).0)
            .unwrap_or(start);
        spans[inst.file].push((inst.address.clone(), start, end));
        inv.add(
            inst.address.clone(),
            attrs,
            Origin {
                label: inst.label.clone(),
                file: src.name.clone(),
                line: start,
                attrs: lines.into(),
                root: Some(scope.root.clone()),
            },
        );
    }
    for (fi, (src, _)) in files.iter().enumerate() {
        let found = suppression_comments(&src.name, &src.text);
        attach_suppressions(inv, found, &spans[fi]);
    }

    {
        let mut c = shared.borrow_mut();
        c.declare_var("count", hcl::Value::Null);
        c.declare_var("each", hcl::Value::Null);
    }
    let mut calls = Vec::new();
    let mut outputs = hcl::Map::new();
    for (src, body) in files {
        let ev = Eval {
            ctx: &shared,
            statics: &statics,
            refs: &by_label,
            src,
            scope,
        };
        calls.extend(ev.module_calls(body, dir));
        for b in blocks(body, "output") {
            if let (Some(name), Some(v)) =
                (labels(b).into_iter().next(), b.body.get_attribute("value"))
            {
                outputs.insert(name, ev.hcl_value(&v.value));
            }
        }
    }
    (calls, outputs)
}

/// Declares each resource of the module in the evaluation context, with a
/// link for every attribute the module's text reads of it
/// (`aws_lb.public.arn`, `aws_subnet.a[0].id`), so an expression that
/// hcl-rs evaluates itself — a template, a function call, a conditional —
/// sees references as links rather than failing.
fn declare_resources(
    ctx: &mut Context,
    files: &[(SourceFile, Body)],
    by_label: &HashMap<String, Vec<(Option<hcl::Value>, Address)>>,
    links: &mut Links,
) {
    let mut read: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for (src, _) in files {
        for (label, attr) in attribute_reads(&src.text) {
            if let Some((key, _)) = by_label.get_key_value(label.as_str()) {
                read.entry(key.as_str()).or_default().insert(attr);
            }
        }
    }
    let mut types: BTreeMap<&str, hcl::Map<String, hcl::Value>> = BTreeMap::new();
    for (label, attrs) in read {
        let Some((ty, name)) = label.split_once('.') else {
            continue;
        };
        let mut object = |address: &Address, text: &str| {
            let m: hcl::Map<String, hcl::Value> = attrs
                .iter()
                .map(|a| {
                    let r = Reference {
                        address: address.clone(),
                        attribute: a.clone(),
                    };
                    (a.clone(), links.reference(r, format!("{text}.{a}")))
                })
                .collect();
            hcl::Value::Object(m)
        };
        let instances = &by_label[label];
        let value = match &instances[0].0 {
            None => object(&instances[0].1, label),
            Some(hcl::Value::Number(_)) => hcl::Value::Array(
                instances
                    .iter()
                    .enumerate()
                    .map(|(i, (_, a))| object(a, &format!("{label}[{i}]")))
                    .collect(),
            ),
            Some(_) => hcl::Value::Object(
                instances
                    .iter()
                    .map(|(k, a)| {
                        let k = k.as_ref().map(funcs::text).unwrap_or_default();
                        let o = object(a, &format!("{label}[{k:?}]"));
                        (k, o)
                    })
                    .collect(),
            ),
        };
        types.entry(ty).or_default().insert(name.to_owned(), value);
    }
    for (ty, names) in types {
        ctx.declare_var(ty.to_owned(), hcl::Value::Object(names));
    }
}

/// Every `a.b.c` and `a.b[…].c` in `text` (identifiers joined by dots, an
/// index between the second and third allowed), as (`a.b`, `c`): a lexical
/// pass, linear in the text.
fn attribute_reads(text: &str) -> Vec<(String, String)> {
    let b = text.as_bytes();
    let ident = |i: usize| -> usize {
        let mut j = i;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-') {
            j += 1;
        }
        j
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts = (b[i].is_ascii_alphabetic() || b[i] == b'_')
            && (i == 0
                || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b'.'));
        if !starts {
            i += 1;
            continue;
        }
        let e1 = ident(i);
        if e1 >= b.len() || b[e1] != b'.' {
            i = e1.max(i + 1);
            continue;
        }
        let e2 = ident(e1 + 1);
        let mut k = e2;
        if k < b.len() && b[k] == b'[' {
            match text[k..].find(']') {
                Some(close) => k += close + 1,
                None => {
                    i = e2;
                    continue;
                }
            }
        }
        if e2 > e1 + 1 && k < b.len() && b[k] == b'.' {
            let e3 = ident(k + 1);
            if e3 > k + 1 {
                out.push((text[i..e2].to_owned(), text[k + 1..e3].to_owned()));
            }
        }
        i = e2;
    }
    out
}

/// A traversal as written: `aws_lb.public.arn`, `module.a.b[0]`.
fn traversal_text(t: &hcl::edit::expr::Traversal) -> String {
    let mut text = match &t.expr {
        EExpr::Variable(v) => v.as_str().to_owned(),
        _ => "…".to_owned(),
    };
    for op in &t.operators {
        match op.value() {
            TraversalOperator::GetAttr(n) => text.push_str(&format!(".{}", n.as_str())),
            TraversalOperator::Index(EExpr::String(x)) => {
                text.push_str(&format!("[{:?}]", x.value()))
            }
            TraversalOperator::Index(EExpr::Number(n)) => {
                text.push_str(&format!("[{}]", n.value()))
            }
            TraversalOperator::LegacyIndex(i) => text.push_str(&format!("[{}]", i.value())),
            _ => text.push_str("[…]"),
        }
    }
    text
}

/// The data sources that only name the context a configuration runs in —
/// the caller's account, the region, the partition — as the values
/// Terraform itself shows before apply: `${data.aws_caller_identity.current.account_id}`.
/// They are strings of the right shape, so a policy built with
/// `jsonencode` around them is still read (and judged) as a document.
fn context_data(files: &[(SourceFile, Body)]) -> hcl::Map<String, hcl::Value> {
    const CONTEXT: &[(&str, &[&str])] = &[
        (
            "aws_caller_identity",
            &["account_id", "arn", "id", "user_id"],
        ),
        (
            "aws_region",
            &["name", "id", "region", "endpoint", "description"],
        ),
        (
            "aws_partition",
            &["partition", "dns_suffix", "id", "reverse_dns_prefix"],
        ),
    ];
    let mut data = hcl::Map::new();
    for (_, body) in files {
        for b in blocks(body, "data") {
            let l = labels(b);
            let [ty, name] = &l[..] else {
                continue;
            };
            let Some((_, attrs)) = CONTEXT.iter().find(|(t, _)| t == ty) else {
                continue;
            };
            let values: hcl::Map<String, hcl::Value> = attrs
                .iter()
                .map(|a| {
                    (
                        (*a).to_owned(),
                        hcl::Value::from(format!("${{data.{ty}.{name}.{a}}}")),
                    )
                })
                .collect();
            if let hcl::Value::Object(m) = data
                .entry(ty.clone())
                .or_insert_with(|| hcl::Value::Object(hcl::Map::new()))
            {
                m.insert(name.clone(), hcl::Value::Object(values));
            }
        }
    }
    data
}

/// A local module to read once its caller's syntax trees are dropped.
struct ModuleCall {
    dir: PathBuf,
    display: String,
    /// The calling instance and the call's name: the outputs' key.
    key: CallKey,
    root: String,
    prefix: String,
    depth: usize,
    inputs: hcl::Map<String, hcl::Value>,
    /// The sibling module instances whose outputs the inputs read.
    waits: BTreeSet<CallKey>,
}

/// Reads the called modules in dependency order, as Terraform would: a
/// module instance is read once every sibling whose outputs its inputs read
/// has been (a cycle, or an output of a module that is not local, is read
/// anyway and its links stay unknown). Calls to one directory are read
/// together so it is parsed once; among those ready, the largest first: a
/// module's syntax tree is alive while its instances are evaluated, so
/// reading the big ones while the graph is still small keeps the peak of the
/// two together low.
fn read_calls(mut pending: Vec<ModuleCall>, links: &RefCell<Links>, inv: &mut Inventory) {
    let mut sizes: HashMap<PathBuf, u64> = HashMap::new();
    let mut too_deep = None;
    while !pending.is_empty() {
        let waiting: HashSet<CallKey> = pending.iter().map(|c| c.key.clone()).collect();
        let ready = |c: &ModuleCall| {
            let l = links.borrow();
            c.waits
                .iter()
                .all(|k| l.has_outputs(k) || !waiting.contains(k))
        };
        let mut groups: BTreeMap<PathBuf, (usize, usize)> = BTreeMap::new();
        for c in &pending {
            let g = groups.entry(canonical(&c.dir)).or_default();
            g.0 += 1;
            g.1 += usize::from(ready(c));
        }
        let size = |d: &PathBuf, sizes: &mut HashMap<PathBuf, u64>| {
            *sizes.entry(d.clone()).or_insert_with(|| {
                tf_files(d)
                    .iter()
                    .filter_map(|f| std::fs::metadata(f).ok())
                    .map(|m| m.len())
                    .sum()
            })
        };
        // Whole groups ready first, then partly ready ones, then (a cycle)
        // the largest as it is; among equals, the largest directory.
        let (dir, whole) = groups
            .iter()
            .map(|(d, (n, r))| {
                let rank = if r == n { 2 } else { usize::from(*r > 0) };
                (rank, size(d, &mut sizes), d.clone())
            })
            .max_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(b.2.cmp(&a.2)))
            .map(|(rank, _, d)| (d, rank != 1))
            .expect("pending is not empty");
        let (now, later): (Vec<ModuleCall>, Vec<ModuleCall>) = pending
            .into_iter()
            .partition(|c| canonical(&c.dir) == dir && (whole || ready(c)));
        pending = later;
        let files = read_module(&now[0].dir, &now[0].display, inv);
        for c in now {
            let inputs = links.borrow().settle(hcl::Value::Object(c.inputs));
            let hcl::Value::Object(inputs) = inputs else {
                unreachable!("settle keeps an object an object")
            };
            let scope = Scope {
                root: c.root,
                prefix: c.prefix,
                instance: links.borrow_mut().instance(),
                depth: c.depth,
                links,
            };
            let (calls, outputs) = eval_module(&files, &c.dir, &scope, inputs, inv);
            links.borrow_mut().set_outputs(c.key, outputs);
            for n in calls {
                if n.depth > MAX_MODULE_DEPTH {
                    too_deep.get_or_insert(n.display);
                } else {
                    pending.push(n);
                }
            }
        }
    }
    if let Some(display) = too_deep {
        inv.problem(
            &display,
            0,
            0,
            "modules nest too deep (or call each other); not read further",
        );
    }
}

/// The module's variables and locals, for reading static traversals by
/// reference: hcl-rs clones a whole variable to index into it, which made
/// `var.values["key"]` over a large map quadratic.
struct Statics {
    var: hcl::Value,
    local: hcl::Value,
}

struct Eval<'a> {
    ctx: &'a RefCell<Context<'static>>,
    statics: &'a Statics,
    refs: &'a HashMap<String, Vec<(Option<hcl::Value>, Address)>>,
    src: &'a SourceFile,
    scope: &'a Scope<'a>,
}

const META: &[&str] = &[
    "count",
    "for_each",
    "depends_on",
    "lifecycle",
    "provider",
    "provisioner",
    "connection",
];

impl Eval<'_> {
    fn body(
        &self,
        body: &Body,
        path: &str,
        lines: &mut BTreeMap<String, u32>,
        top: bool,
    ) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        let join = |k: &str| {
            if path.is_empty() {
                k.to_owned()
            } else {
                format!("{path}.{k}")
            }
        };
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let k = a.key.as_str();
                    if top && META.contains(&k) {
                        continue;
                    }
                    lines.insert(join(k), line_of(self.src, a.span()));
                    out.insert(k.to_owned(), self.value(&a.value));
                }
                Structure::Block(b) => {
                    let ident = b.ident.as_str();
                    if top && META.contains(&ident) {
                        continue;
                    }
                    if ident == "dynamic" {
                        let Some(name) = labels(b).into_iter().next() else {
                            continue;
                        };
                        let key = join(&name);
                        lines
                            .entry(key.clone())
                            .or_insert(line_of(self.src, b.span()));
                        let items = self.dynamic(b, &name, &key, lines);
                        match out.entry(name).or_insert_with(|| Value::List(Vec::new())) {
                            Value::List(l) => match items {
                                Value::List(new) => l.extend(new),
                                other => *l = vec![other],
                            },
                            slot => *slot = items,
                        }
                        continue;
                    }
                    let list = out
                        .entry(ident.to_owned())
                        .or_insert_with(|| Value::List(Vec::new()));
                    let idx = list.as_list().map_or(0, <[Value]>::len);
                    let key = join(ident);
                    lines
                        .entry(key.clone())
                        .or_insert(line_of(self.src, b.span()));
                    let inner = self.body(&b.body, &format!("{key}.{idx}"), lines, false);
                    // Also index the first block's attributes without the index.
                    if idx == 0 {
                        let extra: Vec<(String, u32)> = lines
                            .range(format!("{key}.0.")..)
                            .take_while(|(k, _)| k.starts_with(&format!("{key}.0.")))
                            .map(|(k, v)| {
                                (k.replacen(&format!("{key}.0."), &format!("{key}."), 1), *v)
                            })
                            .collect();
                        for (k, v) in extra {
                            lines.entry(k).or_insert(v);
                        }
                    }
                    if let Value::List(l) = list {
                        l.push(Value::Map(inner));
                    }
                }
            }
        }
        out
    }

    fn dynamic(
        &self,
        b: &Block,
        name: &str,
        key: &str,
        lines: &mut BTreeMap<String, u32>,
    ) -> Value {
        let Some(fe) = b.body.get_attribute("for_each") else {
            return Value::Unknown(format!("dynamic \"{name}\" without for_each"));
        };
        let iterator = b
            .body
            .get_attribute("iterator")
            .and_then(|a| match &a.value {
                EExpr::Variable(v) => Some(v.as_str().to_owned()),
                _ => None,
            })
            .unwrap_or_else(|| name.to_owned());
        let Some(content) = blocks(&b.body, "content").next() else {
            return Value::Unknown(format!("dynamic \"{name}\" without content"));
        };
        let items: Vec<(hcl::Value, hcl::Value)> =
            match hcl::Expression::from(fe.value.clone()).evaluate(&self.ctx.borrow()) {
                Ok(hcl::Value::Object(m)) => m
                    .into_iter()
                    .map(|(k, v)| (hcl::Value::from(k), v))
                    .collect(),
                Ok(hcl::Value::Array(a)) => a
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (hcl::Value::from(i as i64), v))
                    .collect(),
                _ => return Value::Unknown(fe.value.to_string().trim().to_owned()),
            };
        let mut out = Vec::new();
        for (i, (k, v)) in items.into_iter().take(MAX_INSTANCES).enumerate() {
            self.ctx
                .borrow_mut()
                .declare_var(iterator.clone(), hcl::value!({ key = (k), value = (v) }));
            out.push(Value::Map(self.body(
                &content.body,
                &format!("{key}.{i}"),
                lines,
                false,
            )));
        }
        self.ctx
            .borrow_mut()
            .declare_var(iterator, hcl::Value::Null);
        Value::List(out)
    }

    fn value(&self, e: &EExpr) -> Value {
        match e {
            EExpr::Array(a) => return Value::List(a.iter().map(|x| self.value(x)).collect()),
            EExpr::Object(o) => {
                let mut m = BTreeMap::new();
                for (k, v) in o.iter() {
                    m.insert(self.object_key(k), self.value(v.expr()));
                }
                return Value::Map(m);
            }
            EExpr::Parenthesis(p) => return self.value(p.inner()),
            EExpr::Traversal(t) => {
                if let Some(v) = self.output_link(t) {
                    return self.scope.links.borrow().to_value(v);
                }
                if let Some(r) = self.reference(t) {
                    return Value::Ref(Box::new(r));
                }
                if let Some(v) = self.static_traversal(t) {
                    return v;
                }
            }
            _ => {}
        }
        match self.substituted(e).evaluate(&self.ctx.borrow()) {
            Ok(v) => self.scope.links.borrow().to_value(v),
            Err(_) => Value::Unknown(e.to_string().trim().to_owned()),
        }
    }

    /// An object key: an identifier, a literal string, or an expression
    /// evaluated (its text when it cannot be).
    fn object_key(&self, k: &ObjectKey) -> String {
        match k {
            ObjectKey::Ident(i) => i.as_str().to_owned(),
            ObjectKey::Expression(EExpr::String(s)) => s.value().clone(),
            ObjectKey::Expression(x) => {
                match hcl::Expression::from(x.clone()).evaluate(&self.ctx.borrow()) {
                    Ok(hcl::Value::String(s)) => s,
                    Ok(other) => other.to_string(),
                    Err(_) => x.to_string().trim().to_owned(),
                }
            }
        }
    }

    /// `e` as an hcl value for a module input or output: references,
    /// outputs of other modules and what is not static become links (see
    /// `links`). Object and array literals are walked here: hcl-rs builds
    /// objects in a vector map (linear inserts), which made large literal
    /// maps such as module inputs quadratic.
    fn hcl_value(&self, e: &EExpr) -> hcl::Value {
        match e {
            EExpr::Null(_) => return hcl::Value::Null,
            EExpr::Bool(b) => return hcl::Value::Bool(*b.value()),
            EExpr::String(s) => return hcl::Value::String(s.value().clone()),
            EExpr::Array(a) => {
                return hcl::Value::Array(a.iter().map(|x| self.hcl_value(x)).collect());
            }
            EExpr::Object(o) => {
                let mut m = hcl::Map::with_capacity(o.len());
                for (k, v) in o.iter() {
                    m.insert(self.object_key(k), self.hcl_value(v.expr()));
                }
                return hcl::Value::Object(m);
            }
            EExpr::Parenthesis(p) => return self.hcl_value(p.inner()),
            EExpr::Traversal(t) => {
                if let Some(v) = self.output_link(t) {
                    return v;
                }
                if let Some(r) = self.reference(t) {
                    return self
                        .scope
                        .links
                        .borrow_mut()
                        .reference(r, traversal_text(t));
                }
                if let Some(v) = self.static_hcl(t) {
                    return v.clone();
                }
            }
            _ => {}
        }
        match self.substituted(e).evaluate(&self.ctx.borrow()) {
            Ok(v) => v,
            Err(_) => self
                .scope
                .links
                .borrow_mut()
                .unknown(e.to_string().trim().to_owned()),
        }
    }

    /// `module.<name>.<output>` (then literal steps), read in this instance.
    fn output_link(&self, t: &hcl::edit::expr::Traversal) -> Option<hcl::Value> {
        let EExpr::Variable(root) = &t.expr else {
            return None;
        };
        if root.as_str() != "module" {
            return None;
        }
        let mut ops = t.operators.iter().map(|o| o.value());
        let mut links = self.scope.links.borrow_mut();
        let whole = || traversal_text(t);
        let (Some(TraversalOperator::GetAttr(module)), Some(TraversalOperator::GetAttr(output))) =
            (ops.next(), ops.next())
        else {
            return Some(links.unknown(whole()));
        };
        let mut steps = Vec::new();
        for op in ops {
            steps.push(match op {
                TraversalOperator::GetAttr(n) => n.as_str().to_owned(),
                TraversalOperator::Index(EExpr::String(s)) => s.value().clone(),
                TraversalOperator::Index(EExpr::Number(n)) => n.value().to_string(),
                TraversalOperator::LegacyIndex(i) => i.value().to_string(),
                _ => return Some(links.unknown(whole())),
            });
        }
        Some(links.output(self.scope.instance, module.as_str(), output.as_str(), steps))
    }

    /// The local modules that `module` blocks in `body` call, with their
    /// inputs as hcl values.
    fn module_calls(&self, body: &Body, dir: &Path) -> Vec<ModuleCall> {
        let mut calls = Vec::new();
        for b in blocks(body, "module") {
            let Some(name) = labels(b).into_iter().next() else {
                continue;
            };
            let Some(source) = b.body.get_attribute("source").and_then(|a| match &a.value {
                EExpr::String(s) => Some(s.value().clone()),
                _ => None,
            }) else {
                continue;
            };
            if !(source.starts_with("./") || source.starts_with("../")) {
                continue;
            }
            let mut inputs = hcl::Map::new();
            let mut waits = BTreeSet::new();
            for a in b.body.iter().filter_map(Structure::as_attribute) {
                let k = a.key.as_str();
                if matches!(
                    k,
                    "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
                ) {
                    continue;
                }
                let v = self.hcl_value(&a.value);
                self.scope.links.borrow().waits_for(&v, &mut waits);
                inputs.insert(k.to_owned(), v);
            }
            let base = Path::new(&self.src.name)
                .parent()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            let display = if base.is_empty() {
                normalize(&source)
            } else {
                normalize(&format!("{base}/{source}"))
            };
            calls.push(ModuleCall {
                dir: dir.join(&source),
                display,
                key: (self.scope.instance, name.clone()),
                root: self.scope.root.clone(),
                prefix: format!("{}module.{name}.", self.scope.prefix),
                depth: self.scope.depth + 1,
                inputs,
                waits,
            });
        }
        calls
    }

    /// `e` for hcl-rs to evaluate, with static `var`/`local` traversals
    /// replaced by their values (inside function calls, arrays and objects),
    /// so evaluating never clones a whole variable.
    fn substituted(&self, e: &EExpr) -> hcl::Expression {
        match e {
            EExpr::Traversal(t) => {
                if let Some(v) = self.static_hcl(t) {
                    return hcl::Expression::from(v.clone());
                }
                if let Some(v) = self.output_link(t) {
                    return hcl::Expression::from(v);
                }
                match self.reference(t) {
                    Some(r) => hcl::Expression::from(
                        self.scope
                            .links
                            .borrow_mut()
                            .reference(r, traversal_text(t)),
                    ),
                    None => hcl::Expression::from(e.clone()),
                }
            }
            EExpr::FuncCall(f) => hcl::Expression::FuncCall(Box::new(hcl::expr::FuncCall {
                name: f.name.clone().into(),
                args: f.args.iter().map(|a| self.substituted(a)).collect(),
                expand_final: f.args.expand_final(),
            })),
            EExpr::Array(a) => {
                hcl::Expression::Array(a.iter().map(|x| self.substituted(x)).collect())
            }
            EExpr::Object(o) => hcl::Expression::Object(
                o.iter()
                    .map(|(k, v)| (hcl::ObjectKey::from(k.clone()), self.substituted(v.expr())))
                    .collect(),
            ),
            EExpr::Parenthesis(p) => self.substituted(p.inner()),
            _ => hcl::Expression::from(e.clone()),
        }
    }

    /// `var.a["b"].c` / `local.x.y` with literal steps, read by reference.
    fn static_hcl(&self, t: &hcl::edit::expr::Traversal) -> Option<&hcl::Value> {
        let EExpr::Variable(root) = &t.expr else {
            return None;
        };
        let mut cur = match root.as_str() {
            "var" => &self.statics.var,
            "local" => &self.statics.local,
            _ => return None,
        };
        for op in &t.operators {
            let key: String = match op.value() {
                TraversalOperator::GetAttr(name) => name.as_str().to_owned(),
                TraversalOperator::Index(EExpr::String(s)) => s.value().clone(),
                TraversalOperator::Index(EExpr::Number(n)) => n.value().to_string(),
                TraversalOperator::LegacyIndex(i) => i.value().to_string(),
                _ => return None,
            };
            cur = match cur {
                hcl::Value::Object(m) => m.get(&key)?,
                hcl::Value::Array(a) => a.get(key.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// `var.a["b"].c` / `local.x.y` with literal steps, as a graph value.
    fn static_traversal(&self, t: &hcl::edit::expr::Traversal) -> Option<Value> {
        self.static_hcl(t)
            .map(|v| self.scope.links.borrow().to_value(v.clone()))
    }

    /// `aws_x.name[idx].attr` → a reference to that resource instance.
    fn reference(&self, t: &hcl::edit::expr::Traversal) -> Option<Reference> {
        let EExpr::Variable(root) = &t.expr else {
            return None;
        };
        let ty = root.as_str();
        if matches!(
            ty,
            "var" | "local" | "data" | "module" | "count" | "each" | "path" | "self" | "terraform"
        ) {
            return None;
        }
        let mut ops = t.operators.iter().map(|o| o.value());
        let Some(TraversalOperator::GetAttr(name)) = ops.next() else {
            return None;
        };
        let candidates = self.refs.get(&format!("{ty}.{}", name.as_str()))?;
        let mut next = ops.next();
        let mut chosen = &candidates[0].1;
        if let Some(TraversalOperator::Index(ix)) = next {
            if let Ok(key) = hcl::Expression::from(ix.clone()).evaluate(&self.ctx.borrow())
                && let Some((_, a)) = candidates.iter().find(|(k, _)| k.as_ref() == Some(&key))
            {
                chosen = a;
            }
            next = ops.next();
        } else if let Some(TraversalOperator::LegacyIndex(i)) = next {
            if let Some((_, a)) = candidates
                .iter()
                .find(|(k, _)| k.as_ref() == Some(&hcl::Value::from(*i.value() as i64)))
            {
                chosen = a;
            }
            next = ops.next();
        }
        let attribute = match next {
            Some(TraversalOperator::GetAttr(a)) => a.as_str().to_owned(),
            _ => "id".to_owned(),
        };
        Some(Reference {
            address: chosen.clone(),
            attribute,
        })
    }
}

fn to_json(v: &hcl::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        hcl::Value::Null => J::Null,
        hcl::Value::Bool(b) => J::Bool(*b),
        hcl::Value::Number(n) => n
            .as_i64()
            .map(J::from)
            .or_else(|| {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(J::Number)
            })
            .unwrap_or(J::Null),
        hcl::Value::String(s) => J::String(s.clone()),
        hcl::Value::Array(a) => J::Array(a.iter().map(to_json).collect()),
        hcl::Value::Object(o) => {
            J::Object(o.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

/// `data "aws_iam_policy_document"` as its JSON text, when every part is static.
fn policy_document(body: &Body, ctx: &Context) -> Option<String> {
    let eval = |b: &Body, k: &str| {
        b.get_attribute(k)
            .and_then(|a| hcl::Expression::from(a.value.clone()).evaluate(ctx).ok())
    };
    let mut statements = Vec::new();
    for s in blocks(body, "statement") {
        let mut st = serde_json::Map::new();
        if let Some(v) = eval(&s.body, "sid") {
            st.insert("Sid".into(), to_json(&v));
        }
        let effect = eval(&s.body, "effect")
            .map(|v| to_json(&v))
            .unwrap_or_else(|| "Allow".into());
        st.insert("Effect".into(), effect);
        for (k, j) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            if s.body.get_attribute(k).is_some() {
                st.insert(j.into(), to_json(&eval(&s.body, k)?));
            }
        }
        for (k, j) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            let mut p = serde_json::Map::new();
            for pb in blocks(&s.body, k) {
                let ty = eval(&pb.body, "type")?;
                let ids = eval(&pb.body, "identifiers")?;
                p.insert(ty.to_string().trim_matches('"').to_owned(), to_json(&ids));
            }
            if !p.is_empty() {
                st.insert(j.into(), serde_json::Value::Object(p));
            }
        }
        let mut cond = serde_json::Map::new();
        for cb in blocks(&s.body, "condition") {
            let test = eval(&cb.body, "test")?;
            let var = eval(&cb.body, "variable")?;
            let vals = eval(&cb.body, "values")?;
            let entry = cond
                .entry(test.to_string().trim_matches('"').to_owned())
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            if let serde_json::Value::Object(m) = entry {
                m.insert(var.to_string().trim_matches('"').to_owned(), to_json(&vals));
            }
        }
        if !cond.is_empty() {
            st.insert("Condition".into(), serde_json::Value::Object(cond));
        }
        statements.push(serde_json::Value::Object(st));
    }
    let doc = serde_json::json!({ "Version": "2012-10-17", "Statement": statements });
    Some(doc.to_string())
}

#[cfg(test)]
mod tests;
