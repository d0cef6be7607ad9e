//! EKS kinds (the AWS side of a Kubernetes platform).

pub(crate) mod cluster;
pub(crate) mod node_group;
