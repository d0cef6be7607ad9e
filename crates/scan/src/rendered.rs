//! Strata's own rendered trees, read as one configuration. Each
//! environment's Terraform root (`terraform/<env>/`) calls the layer modules
//! (`module.<layer>[_<region>]`); a resource whose environments differ is a
//! variant `<name>__<env>`. Kubernetes objects hold
//! `${terraform:<address>.<attribute>}` where a value comes from Terraform
//! (an output of that environment's root fills it). Such a placeholder is
//! read as a reference to the Terraform resource it names, so a graph
//! control sees across the two: an Ingress's security group is the group
//! the network module makes.

use std::collections::HashMap;

use strata_model::{Address, Kind, Reference, Value};

use crate::{Inventory, Origin};

/// The Strata address (`env.module.kind.name`) that a Terraform resource
/// rendered by Strata was rendered from, read off its root and label.
pub fn strata_address(origin: &Origin, kind: Kind) -> Option<String> {
    let root = origin.root.as_deref()?;
    let mut dirs = root.rsplit('/');
    let env = dirs.next()?;
    if dirs.next()? != "terraform" {
        return None;
    }
    let (module, rest) = origin.label.strip_prefix("module.")?.split_once('.')?;
    let name = rest
        .strip_prefix(kind.as_str())?
        .strip_prefix('.')?
        .split('[')
        .next()?
        .split("__")
        .next()?;
    Some(format!("{env}.{module}.{kind}.{name}"))
}

/// Turns `${terraform:<address>.<attribute>}` values outside Terraform into
/// references to the Terraform resource read from that address.
pub(crate) fn link_placeholders(inv: &mut Inventory) {
    let by_strata: HashMap<String, Address> = inv
        .origins
        .iter()
        .filter_map(|(a, o)| strata_address(o, a.kind).map(|s| (s, a.clone())))
        .collect();
    if by_strata.is_empty() {
        return;
    }
    let outside: Vec<Address> = inv
        .origins
        .iter()
        .filter(|(_, o)| o.root.is_none())
        .map(|(a, _)| a.clone())
        .collect();
    for r in inv.graph.iter_mut() {
        if outside.binary_search(&r.address).is_ok() {
            for v in r.attributes.values_mut() {
                link(v, &by_strata);
            }
        }
    }
}

fn link(v: &mut Value, by_strata: &HashMap<String, Address>) {
    match v {
        Value::String(s) => {
            let Some(inner) = s
                .strip_prefix("${terraform:")
                .and_then(|x| x.strip_suffix('}'))
            else {
                return;
            };
            let parts: Vec<&str> = inner.splitn(5, '.').collect();
            if let [env, module, kind, name, attribute] = parts[..]
                && let Some(address) = by_strata.get(&format!("{env}.{module}.{kind}.{name}"))
            {
                *v = Value::Ref(Box::new(Reference {
                    address: address.clone(),
                    attribute: attribute.to_owned(),
                }));
            }
        }
        Value::List(l) => l.iter_mut().for_each(|x| link(x, by_strata)),
        Value::Map(m) => m.values_mut().for_each(|x| link(x, by_strata)),
        _ => {}
    }
}
