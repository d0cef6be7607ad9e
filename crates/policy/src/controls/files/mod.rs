//! Controls on whole files: Dockerfiles and CI workflows.

mod ci;
mod dockerfile;

use crate::Control;

/// Every Dockerfile control.
pub(crate) static DOCKERFILE: &[&Control] = &[
    &dockerfile::NON_ROOT_USER,
    &dockerfile::HEALTHCHECK,
    &dockerfile::BASE_PINNED,
    &dockerfile::BASE_DIGEST,
    &dockerfile::NO_REMOTE_ADD,
    &dockerfile::NO_SECRETS,
    &dockerfile::NO_CURL_PIPE,
    &dockerfile::APT_UPDATE_ALONE,
    &dockerfile::NO_SUDO,
    &dockerfile::NO_SSH_PORT,
    &dockerfile::NO_WORLD_WRITABLE,
    &dockerfile::NO_INSECURE_FETCH,
];

/// Every CI workflow control.
pub(crate) static CI: &[&Control] = &[
    &ci::ACTIONS_PINNED,
    &ci::PERMISSIONS_DECLARED,
    &ci::NO_WRITE_ALL,
    &ci::PR_TARGET_CHECKOUT,
    &ci::SCRIPT_INJECTION,
    &ci::NO_LITERAL_SECRETS,
    &ci::SECURITY_SCAN,
    &ci::CHECKOUT_NO_PERSIST,
    &ci::SELF_HOSTED_PR,
    &ci::AWS_OIDC,
    &ci::NO_CURL_PIPE,
    &ci::GITLAB_IMAGES_PINNED,
];
