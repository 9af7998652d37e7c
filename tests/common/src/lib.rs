//! What the store's integration, browser, logging and torture tests share. One crate, so
//! each test binary uses it as it is, without `#[path]` copies: the spawned app and its
//! database (`app`), the mock Mercado Pago (`mercadopago`), the emulator's control API
//! (`sandbox`), the back-office sign-in (`backoffice`), the one `eventually` (`wait`), and a
//! hand-made HTTP server for what a mock cannot do (`raw`).

mod app;
mod backoffice;
mod mail;
mod mercadopago;
pub mod raw;
mod sandbox;
mod wait;

pub use app::*;
pub use backoffice::*;
pub use mail::*;
pub use mercadopago::*;
pub use sandbox::*;
pub use wait::*;
