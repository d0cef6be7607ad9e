//! The catalog: one `static` per control, grouped by what it applies to.
//! Ids are stable and never reused; a retired control keeps its id.

mod aws;
mod files;
mod k8s;
mod meta;

use std::sync::OnceLock;

use crate::Control;

/// Every control: AWS, Kubernetes, Dockerfile, CI, then meta controls.
pub(crate) fn all() -> &'static [&'static Control] {
    static ALL: OnceLock<Vec<&'static Control>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static Control> = Vec::new();
        v.extend_from_slice(aws::ALL);
        v.extend_from_slice(k8s::ALL);
        v.extend_from_slice(files::DOCKERFILE);
        v.extend_from_slice(files::CI);
        v.push(&meta::SUPPRESSION_REASON);
        v
    })
}
