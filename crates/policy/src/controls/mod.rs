//! The catalog: one `static` per control, grouped by what it applies to.
//! Ids are stable and never reused; a retired control keeps its id.

mod aws;
mod files;
mod k8s;
mod meta;
mod secrets;

use std::sync::OnceLock;

use crate::Control;

/// True when a container image reference is not pinned: no tag, or
/// `latest`, and no digest. A registry port (`host:5000/name`) is not a tag.
pub(crate) fn unpinned_image(image: &str) -> bool {
    if image.contains("@sha256:") {
        return false;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    matches!(last.split_once(':'), None | Some((_, "latest")))
}

/// Every control: AWS, Kubernetes, Dockerfile, CI, then those over every
/// kind, then meta controls.
pub(crate) fn all() -> &'static [&'static Control] {
    static ALL: OnceLock<Vec<&'static Control>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static Control> = Vec::new();
        v.extend_from_slice(aws::ALL);
        v.extend_from_slice(k8s::ALL);
        v.extend_from_slice(files::DOCKERFILE);
        v.extend_from_slice(files::CI);
        v.push(&secrets::CREDENTIAL_IN_VALUE);
        v.push(&meta::SUPPRESSION_REASON);
        v
    })
}
