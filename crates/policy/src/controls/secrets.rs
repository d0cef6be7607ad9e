//! Controls over every kind: what any resource, from any front-end, writes
//! in plain text.

use strata_model::{Credential, Kind, Value, find_credential};

use crate::{Check, Control, Outcome, Severity::*};

/// The first credential inside `v`, depth first in key and index order: its
/// path below `v` (segments innermost first) and its kind. Paths are built
/// only on the way back from a hit, so a clean value allocates nothing.
fn first_credential(v: &Value) -> Option<(Vec<String>, Credential)> {
    match v {
        // An unknown value is the expression as written: it is in the file too.
        Value::String(s) | Value::Unknown(s) => {
            find_credential(s).map(|m| (Vec::new(), m.credential))
        }
        Value::List(items) => items.iter().enumerate().find_map(|(i, x)| {
            first_credential(x).map(|(mut path, c)| {
                path.push(i.to_string());
                (path, c)
            })
        }),
        Value::Map(m) => m.iter().find_map(|(k, x)| {
            first_credential(x).map(|(mut path, c)| {
                path.push(k.clone());
                (path, c)
            })
        }),
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Ref(_) => None,
    }
}

pub(crate) static CREDENTIAL_IN_VALUE: Control = Control {
    id: "STRATA-SEC-001",
    title: "No credential is written in a value",
    severity: High,
    kinds: Kind::ALL,
    rationale: "A password in a connection string, a private key or an access token written into Terraform, a manifest, a ConfigMap, a Dockerfile or a CI file is in version control, in every clone and in every rendered artefact; whoever reads the repository holds the credential.",
    remediation: "Keep the value in the secrets store (AWS Secrets Manager, SSM SecureString, an ExternalSecret, CI secrets) and reference it by name; then rotate the credential, since it is already in history.",
    check: Check::Custom(|_, r| {
        for (name, v) in &r.attributes {
            if let Some((inner, credential)) = first_credential(v) {
                let path: Vec<&str> = std::iter::once(name.as_str())
                    .chain(inner.iter().rev().map(String::as_str))
                    .collect();
                let path = path.join(".");
                return Outcome::fail(&path, format!("`{path}` holds {credential} in plain text"));
            }
        }
        Outcome::Pass
    }),
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn the_path_names_the_nested_attribute_and_the_message_never_the_secret() {
        let env = Value::List(vec![
            Value::Map(BTreeMap::from([
                ("name".to_owned(), Value::String("LOG".into())),
                ("value".to_owned(), Value::String("debug".into())),
            ])),
            Value::Map(BTreeMap::from([
                ("name".to_owned(), Value::String("DATABASE_URL".into())),
                (
                    "value".to_owned(),
                    Value::String("postgres://app:hunter2@db/app".into()),
                ),
            ])),
        ]);
        let spec = Value::Map(BTreeMap::from([("env".to_owned(), env)]));
        let (path, c) = first_credential(&spec).unwrap();
        assert_eq!(path, ["value", "1", "env"]);
        assert_eq!(c, Credential::UrlPassword);
        assert_eq!(
            first_credential(&Value::String("${terraform:x.y}".into())),
            None
        );
        assert_eq!(first_credential(&Value::Int(5)), None);
    }
}
