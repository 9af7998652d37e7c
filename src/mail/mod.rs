//! E-mail: the signed order link, the mail settings, rendering and the outbox worker that
//! sends what the database queued (`db::outbox`).

pub mod link;
pub mod render;
pub mod settings;
pub mod worker;

pub use link::{LinkProblem, OrderLinks};
pub use settings::MailSettings;
pub use worker::Mailer;
