//! The Terraform functions the reader evaluates statically.

use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};

use super::to_json;

pub(super) fn base_context() -> Context<'static> {
    let mut ctx = Context::new();
    let any = || ParamType::Any;
    ctx.declare_func("jsonencode", FuncDef::new(f_jsonencode, [any()]));
    ctx.declare_func(
        "lower",
        FuncDef::new(
            |a| Ok(hcl::Value::from(text(&a[0]).to_lowercase())),
            [ParamType::String],
        ),
    );
    ctx.declare_func(
        "upper",
        FuncDef::new(
            |a| Ok(hcl::Value::from(text(&a[0]).to_uppercase())),
            [ParamType::String],
        ),
    );
    ctx.declare_func(
        "tostring",
        FuncDef::new(|a| Ok(hcl::Value::from(text(&a[0]))), [any()]),
    );
    ctx.declare_func("tonumber", FuncDef::new(f_tonumber, [any()]));
    ctx.declare_func("tobool", FuncDef::new(|a| Ok(a[0].clone()), [any()]));
    ctx.declare_func("tolist", FuncDef::new(|a| Ok(a[0].clone()), [any()]));
    ctx.declare_func("toset", FuncDef::new(|a| Ok(a[0].clone()), [any()]));
    ctx.declare_func("tomap", FuncDef::new(|a| Ok(a[0].clone()), [any()]));
    ctx.declare_func("length", FuncDef::new(f_length, [any()]));
    ctx.declare_func(
        "merge",
        FuncDef::builder().variadic_param(any()).build(f_merge),
    );
    ctx.declare_func(
        "concat",
        FuncDef::builder().variadic_param(any()).build(f_concat),
    );
    // Arguments are evaluated before the call, so one that fails fails the
    // call (and reads as unknown); when all evaluate, Terraform's `try`
    // gives the first. Strata's own module outputs are
    // `try(<resource>[0].<attr>, null)`.
    ctx.declare_func(
        "try",
        FuncDef::builder().variadic_param(any()).build(|a| {
            Ok(a.variadic_args()
                .next()
                .cloned()
                .unwrap_or(hcl::Value::Null))
        }),
    );
    ctx.declare_func(
        "coalesce",
        FuncDef::builder().variadic_param(any()).build(f_coalesce),
    );
    ctx.declare_func(
        "format",
        FuncDef::builder()
            .param(ParamType::String)
            .variadic_param(any())
            .build(f_format),
    );
    ctx.declare_func("join", FuncDef::new(f_join, [ParamType::String, any()]));
    ctx.declare_func(
        "lookup",
        FuncDef::builder()
            .param(any())
            .param(ParamType::String)
            .variadic_param(any())
            .build(f_lookup),
    );
    ctx.declare_func("contains", FuncDef::new(f_contains, [any(), any()]));
    ctx.declare_func("keys", FuncDef::new(f_keys, [any()]));
    ctx.declare_func("values", FuncDef::new(f_values, [any()]));
    let string = || ParamType::String;
    ctx.declare_func(
        "replace",
        FuncDef::new(f_replace, [string(), string(), string()]),
    );
    ctx.declare_func(
        "trimprefix",
        FuncDef::new(
            |a| {
                let (s, p) = (text(&a[0]), text(&a[1]));
                Ok(hcl::Value::from(
                    s.strip_prefix(&p).unwrap_or(&s).to_owned(),
                ))
            },
            [string(), string()],
        ),
    );
    ctx.declare_func(
        "trimsuffix",
        FuncDef::new(
            |a| {
                let (s, p) = (text(&a[0]), text(&a[1]));
                Ok(hcl::Value::from(
                    s.strip_suffix(&p).unwrap_or(&s).to_owned(),
                ))
            },
            [string(), string()],
        ),
    );
    ctx.declare_func(
        "split",
        FuncDef::new(
            |a| {
                let (sep, s) = (text(&a[0]), text(&a[1]));
                Ok(hcl::Value::Array(
                    s.split(sep.as_str()).map(hcl::Value::from).collect(),
                ))
            },
            [string(), string()],
        ),
    );
    ctx
}

/// A value as text: a string as it is, anything else as HCL writes it.
pub(super) fn text(v: &hcl::Value) -> String {
    match v {
        hcl::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn f_jsonencode(a: FuncArgs) -> Result<hcl::Value, String> {
    Ok(hcl::Value::from(to_json(&a[0]).to_string()))
}
fn f_tonumber(a: FuncArgs) -> Result<hcl::Value, String> {
    match &a[0] {
        hcl::Value::Number(_) => Ok(a[0].clone()),
        hcl::Value::String(s) => s
            .parse::<i64>()
            .map(hcl::Value::from)
            .map_err(|e| e.to_string()),
        _ => Err("not a number".into()),
    }
}
fn f_length(a: FuncArgs) -> Result<hcl::Value, String> {
    let n = match &a[0] {
        hcl::Value::Array(x) => x.len(),
        hcl::Value::Object(x) => x.len(),
        hcl::Value::String(s) => s.chars().count(),
        _ => return Err("length of a scalar".into()),
    };
    Ok(hcl::Value::from(n as i64))
}
fn f_merge(a: FuncArgs) -> Result<hcl::Value, String> {
    let mut m = hcl::Map::new();
    for v in a.variadic_args() {
        match v {
            hcl::Value::Object(o) => m.extend(o.clone()),
            hcl::Value::Null => {}
            _ => return Err("merge of a non-object".into()),
        }
    }
    Ok(hcl::Value::Object(m))
}
fn f_concat(a: FuncArgs) -> Result<hcl::Value, String> {
    let mut out = Vec::new();
    for v in a.variadic_args() {
        match v {
            hcl::Value::Array(x) => out.extend(x.iter().cloned()),
            _ => return Err("concat of a non-list".into()),
        }
    }
    Ok(hcl::Value::Array(out))
}
fn f_coalesce(a: FuncArgs) -> Result<hcl::Value, String> {
    a.variadic_args()
        .find(|v| !matches!(v, hcl::Value::Null) && *v != &hcl::Value::from(""))
        .cloned()
        .ok_or_else(|| "no non-null argument".into())
}
fn f_format(a: FuncArgs) -> Result<hcl::Value, String> {
    let fmt = text(&a[0]);
    let mut args = a.variadic_args();
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some('%') => out.push('%'),
                Some(_) => out.push_str(&text(args.next().ok_or("too few arguments")?)),
                None => out.push('%'),
            }
        } else {
            out.push(c);
        }
    }
    Ok(hcl::Value::from(out))
}
fn f_join(a: FuncArgs) -> Result<hcl::Value, String> {
    let sep = text(&a[0]);
    match &a[1] {
        hcl::Value::Array(x) => Ok(hcl::Value::from(
            x.iter().map(text).collect::<Vec<_>>().join(&sep),
        )),
        _ => Err("join of a non-list".into()),
    }
}
fn f_lookup(a: FuncArgs) -> Result<hcl::Value, String> {
    let key = text(&a[1]);
    match &a[0] {
        hcl::Value::Object(o) => o
            .get(&key)
            .cloned()
            .or_else(|| a.variadic_args().next().cloned())
            .ok_or_else(|| format!("no key {key}")),
        _ => Err("lookup in a non-object".into()),
    }
}
fn f_contains(a: FuncArgs) -> Result<hcl::Value, String> {
    match &a[0] {
        hcl::Value::Array(x) => Ok(hcl::Value::from(x.contains(&a[1]))),
        _ => Err("contains on a non-list".into()),
    }
}
fn f_keys(a: FuncArgs) -> Result<hcl::Value, String> {
    match &a[0] {
        hcl::Value::Object(o) => Ok(hcl::Value::Array(
            o.keys().cloned().map(hcl::Value::from).collect(),
        )),
        _ => Err("keys of a non-object".into()),
    }
}
fn f_values(a: FuncArgs) -> Result<hcl::Value, String> {
    match &a[0] {
        hcl::Value::Object(o) => Ok(hcl::Value::Array(o.values().cloned().collect())),
        _ => Err("values of a non-object".into()),
    }
}

/// `replace(string, substring, replacement)`; a `/regex/` substring is not
/// evaluated statically.
fn f_replace(a: FuncArgs) -> Result<hcl::Value, String> {
    let (s, from, to) = (text(&a[0]), text(&a[1]), text(&a[2]));
    if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
        return Err("regular expressions are not evaluated statically".into());
    }
    Ok(hcl::Value::from(s.replace(&from, &to)))
}
