//! Payment services shared by the checkout, the webhook and the reconciliation worker.

pub mod apply;
pub mod approval;
pub mod freshness;
pub mod id_types;
pub mod timings;

pub use timings::Timings;
