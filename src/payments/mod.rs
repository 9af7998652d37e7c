//! Payment services shared by the checkout, the webhook and the reconciliation worker.

pub mod apply;
pub mod approval;
mod body;
pub mod charge;
pub mod door;
pub mod freshness;
pub mod id_types;
pub mod orders;
pub mod resolve;
