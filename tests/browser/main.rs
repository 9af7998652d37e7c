//! A shopper in headless Chromium, against the store in sandbox mode (no credentials), as
//! `./scripts/run` serves it. Screenshots land in target/screenshots/.

mod a11y;
mod admin;
mod driver;
mod mail;
mod methods;
mod shopper;
mod three_ds;
