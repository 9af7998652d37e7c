//! The credentials: whose access token it is (`GET /users/me`), whether `MP_SITE` is that
//! account's site, whether the public key goes with it, and the webhook secret.
//!
//! What the public key check proves. A public key (`TEST-<uuid>` / `APP_USR-<uuid>`) embeds no
//! account id, and no API reads a public key's owner with the access token except through a card
//! token made with that key, which the doctor will not make from card data. What the API does
//! answer: `GET /v1/payment_methods/search?public_key=…` with the key alone (as MercadoPago.js
//! and the PSE guide call it) refuses a key it does not know, and every method it lists carries
//! the `site_id` of the key's account. So the doctor proves: the key is live at Mercado Pago, it
//! is of the same kind as the access token (test with test, production with production; mixed
//! ones fail every card payment) and of the same site as the token's account. Two accounts of
//! one site are told apart only in the panel.

use secrecy::ExposeSecret;

use super::{Check, ACCESS_TOKEN, PUBLIC_KEY, SITE, WEBHOOK_SECRET};
use crate::configuration::{Mode, Settings, SANDBOX_WEBHOOK_SECRET};
use crate::mercadopago::{Account, MercadoPagoClient, MpError};

const CREDENTIALS_PAGE: &str =
    "Mercado Pago's panel, Your integrations → your application → Production credentials";

pub async fn checks(settings: &Settings) -> Vec<Check> {
    let Mode::Live { api_base, .. } = &settings.mercadopago.mode else {
        let skipped = "sandbox mode: the built-in emulator stands in for Mercado Pago";
        return [ACCESS_TOKEN, SITE, PUBLIC_KEY]
            .into_iter()
            .map(|name| Check::not_applicable(name, skipped))
            .collect();
    };
    let mp = &settings.mercadopago;
    let client = match MercadoPagoClient::new(
        api_base.clone(),
        mp.access_token.clone(),
        mp.connect_timeout,
        mp.timeout,
    ) {
        Ok(client) => client,
        Err(e) => {
            return vec![Check::failed(
                ACCESS_TOKEN,
                format!("no HTTP client: {e}"),
                "report this as a bug",
            )]
        }
    };
    let account = client.me().await;
    let token_kind = Kind::of(mp.access_token.expose_secret());
    vec![
        access_token(&account, token_kind, api_base.as_str()),
        site(&account, settings.site.id()),
        public_key(
            &client,
            &mp.public_key,
            token_kind,
            &account,
            settings.site.id(),
        )
        .await,
    ]
}

fn access_token(account: &Result<Account, MpError>, kind: Kind, api_base: &str) -> Check {
    let account = match account {
        Ok(account) => account,
        Err(MpError::Unauthorized { status }) => {
            return Check::failed(
                ACCESS_TOKEN,
                format!("Mercado Pago refused MP_ACCESS_TOKEN ({status})"),
                format!("set MP_ACCESS_TOKEN to the Access Token shown in {CREDENTIALS_PAGE}"),
            )
        }
        Err(e) => return no_answer(ACCESS_TOKEN, e, api_base),
    };
    let who = format!(
        "account {} ({}), site {}",
        account.id, account.nickname, account.site_id
    );
    match kind {
        Kind::Test => Check::warning(
            ACCESS_TOKEN,
            format!("{who}; test credentials: no real money moves"),
            format!(
                "for real sales, set MP_ACCESS_TOKEN and MP_PUBLIC_KEY from {CREDENTIALS_PAGE}"
            ),
        ),
        _ => Check::ok(ACCESS_TOKEN, who),
    }
}

fn site(account: &Result<Account, MpError>, configured: &str) -> Check {
    match account {
        Ok(account) if account.site_id.eq_ignore_ascii_case(configured) => {
            Check::ok(SITE, format!("MP_SITE is {configured}, the account's site"))
        }
        Ok(account) => Check::failed(
            SITE,
            format!(
                "MP_SITE is {configured}, but the access token belongs to an account of site {}",
                account.site_id
            ),
            format!(
                "set MP_SITE={}, or use the credentials of your {configured} account",
                account.site_id
            ),
        ),
        Err(_) => Check::not_applicable(SITE, "needs a working access token"),
    }
}

async fn public_key(
    client: &MercadoPagoClient,
    key: &str,
    token_kind: Kind,
    account: &Result<Account, MpError>,
    configured_site: &str,
) -> Check {
    let key_kind = Kind::of(key);
    if key_kind == Kind::Unknown {
        return Check::failed(
            PUBLIC_KEY,
            "MP_PUBLIC_KEY does not look like a Mercado Pago public key (TEST-… or APP_USR-…)",
            format!("set MP_PUBLIC_KEY to the Public Key shown in {CREDENTIALS_PAGE}"),
        );
    }
    if token_kind != Kind::Unknown && token_kind != key_kind {
        return Check::failed(
            PUBLIC_KEY,
            format!(
                "a {} public key with a {} access token: every card payment would fail",
                key_kind.name(),
                token_kind.name()
            ),
            format!("set MP_ACCESS_TOKEN and MP_PUBLIC_KEY from one page: {CREDENTIALS_PAGE} (or Test credentials)"),
        );
    }
    let sites = match client.public_key_sites(key).await {
        Ok(sites) => sites,
        Err(MpError::Unauthorized { status } | MpError::Refused { status, .. }) => {
            return Check::failed(
                PUBLIC_KEY,
                format!("Mercado Pago does not accept MP_PUBLIC_KEY ({status})"),
                format!("set MP_PUBLIC_KEY to the Public Key shown in {CREDENTIALS_PAGE}"),
            )
        }
        Err(e) => return no_answer(PUBLIC_KEY, &e, "Mercado Pago"),
    };
    let (expected, whose) = match account {
        Ok(account) => (account.site_id.as_str(), "the access token's account"),
        Err(_) => (configured_site, "MP_SITE"),
    };
    match sites.as_slice() {
        [] => Check::warning(
            PUBLIC_KEY,
            "accepted by Mercado Pago, which named no site for it",
            "compare the Public Key with the one in the panel",
        ),
        [only] if only.eq_ignore_ascii_case(expected) => Check::ok(
            PUBLIC_KEY,
            format!(
                "accepted by Mercado Pago: a {} key of an account of site {only}, like {whose} \
                 (which account of that site, only the panel shows)",
                key_kind.name()
            ),
        ),
        other => Check::failed(
            PUBLIC_KEY,
            format!(
                "the public key belongs to an account of site {}, {whose} to one of site {expected}",
                other.join("/")
            ),
            format!("set MP_PUBLIC_KEY to the Public Key shown next to the Access Token in {CREDENTIALS_PAGE}"),
        ),
    }
}

pub fn webhook_secret(settings: &Settings) -> Check {
    if settings.is_sandbox() {
        return Check::not_applicable(
            WEBHOOK_SECRET,
            "sandbox mode: the emulator signs its own notifications",
        );
    }
    let fix = "set MP_WEBHOOK_SECRET to the secret signature in Mercado Pago's panel, \
               Your integrations → your application → Webhooks";
    match settings.mercadopago.webhook_secret.expose_secret().trim() {
        "" => Check::failed(WEBHOOK_SECRET, "MP_WEBHOOK_SECRET is not set", fix),
        SANDBOX_WEBHOOK_SECRET => Check::failed(
            WEBHOOK_SECRET,
            // Published in this repository: it proves nothing about a notification.
            "MP_WEBHOOK_SECRET is the sandbox's published one: anyone could forge a notification",
            fix,
        ),
        _ => Check::ok(
            WEBHOOK_SECRET,
            "set; whether it is the panel's shows at the first real notification (a refused signature is logged)",
        ),
    }
}

fn no_answer(name: &'static str, e: &MpError, whom: &str) -> Check {
    Check::failed(
        name,
        format!("no usable answer from {whom}: {e}"),
        "check this machine's outbound HTTPS (DNS, firewall, proxy) and MP_API_BASE, then run the doctor again",
    )
}

/// Test credentials or production ones, by the prefix Mercado Pago gives each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Test,
    Production,
    Unknown,
}

impl Kind {
    fn of(credential: &str) -> Self {
        if credential.starts_with("TEST-") {
            Kind::Test
        } else if credential.starts_with("APP_USR-") {
            Kind::Production
        } else {
            Kind::Unknown
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Test => "test (TEST-)",
            Kind::Production => "production (APP_USR-)",
            Kind::Unknown => "unknown",
        }
    }
}
