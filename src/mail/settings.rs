//! E-mail and order-link settings: `SMTP_URL`, `MAIL_FROM`, `MERCHANT_EMAIL`,
//! `ORDER_LINK_DAYS`, `MAIL_INTERVAL_SECS`.

use std::time::Duration;

use lettre::message::Mailbox;
use secrecy::{ExposeSecret, SecretString};

use crate::env::{env_number, problem, ConfigError};

#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtp://` or `smtps://` server (it may carry a password, hence secret). Unset: mails
    /// are kept in the outbox and shown in the back office.
    pub smtp_url: Option<SecretString>,
    /// The sender of every e-mail.
    pub from: Mailbox,
    /// Who gets "new paid order"; unset: nobody (those mails are skipped).
    pub merchant: Option<Mailbox>,
    /// How long a signed order link opens its order.
    pub order_link_valid_for: Duration,
    /// How often the mail worker looks for mail to send.
    pub interval: Duration,
}

impl MailSettings {
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let smtp_url = match get("SMTP_URL") {
            Some(raw) => {
                let raw = raw.trim().to_string();
                // The message never repeats the value: it may hold a password.
                let url = url::Url::parse(&raw)
                    .map_err(|_| problem("SMTP_URL", "must be a URL like smtp://host:25"))?;
                if !matches!(url.scheme(), "smtp" | "smtps") || url.host_str().is_none() {
                    return Err(problem(
                        "SMTP_URL",
                        "must be smtp://host:port or smtps://host:port (with user:password@ when the server asks)",
                    ));
                }
                Some(SecretString::from(raw))
            }
            None => None,
        };
        let mailbox = |name: &'static str, raw: &str| {
            raw.trim().parse::<Mailbox>().map_err(|_| {
                problem(
                    name,
                    "must be an e-mail address (optionally \"Name <address>\")",
                )
            })
        };
        let from = match get("MAIL_FROM") {
            Some(raw) => mailbox("MAIL_FROM", &raw)?,
            None => mailbox("MAIL_FROM", "Loja <no-reply@localhost>")?,
        };
        let merchant = get("MERCHANT_EMAIL")
            .map(|raw| mailbox("MERCHANT_EMAIL", &raw))
            .transpose()?;
        let days = env_number(
            get,
            "ORDER_LINK_DAYS",
            1..=365,
            30,
            "a whole number of days",
        )?;
        let interval = env_number(
            get,
            "MAIL_INTERVAL_SECS",
            1..=3_600,
            5,
            "a whole number of seconds",
        )?;
        Ok(Self {
            smtp_url,
            from,
            merchant,
            order_link_valid_for: Duration::from_secs(days * 86_400),
            interval: Duration::from_secs(interval),
        })
    }

    /// The SMTP URL, for building the transport only.
    pub fn smtp_url(&self) -> Option<&str> {
        self.smtp_url.as_ref().map(|s| s.expose_secret())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::pairs;

    #[test]
    fn defaults_keep_mail_in_the_outbox() {
        let s = MailSettings::from_lookup(&pairs(&[])).unwrap();
        assert!(s.smtp_url.is_none());
        assert!(s.merchant.is_none());
        assert_eq!(s.order_link_valid_for, Duration::from_secs(30 * 86_400));
        assert_eq!(s.interval, Duration::from_secs(5));
        assert_eq!(s.from.email.to_string(), "no-reply@localhost");
    }

    #[test]
    fn settings_are_read() {
        let s = MailSettings::from_lookup(&pairs(&[
            ("SMTP_URL", "smtp://user:pw@127.0.0.1:2525"),
            ("MAIL_FROM", "Loja Exemplo <vendas@example.com>"),
            ("MERCHANT_EMAIL", "dono@example.com"),
            ("ORDER_LINK_DAYS", "7"),
            ("MAIL_INTERVAL_SECS", "60"),
        ]))
        .unwrap();
        assert_eq!(s.smtp_url(), Some("smtp://user:pw@127.0.0.1:2525"));
        assert_eq!(s.from.name.as_deref(), Some("Loja Exemplo"));
        assert_eq!(s.merchant.unwrap().email.to_string(), "dono@example.com");
        assert_eq!(s.order_link_valid_for, Duration::from_secs(7 * 86_400));
        assert_eq!(s.interval, Duration::from_secs(60));
    }

    #[test]
    fn each_bad_value_names_its_variable_and_hides_the_smtp_password() {
        for (name, value) in [
            ("SMTP_URL", "not a url with secretpw"),
            ("SMTP_URL", "http://user:secretpw@mail.example.com"),
            ("MAIL_FROM", "nobody"),
            ("MERCHANT_EMAIL", "a@"),
            ("ORDER_LINK_DAYS", "0"),
            ("ORDER_LINK_DAYS", "366"),
            ("MAIL_INTERVAL_SECS", "soon"),
        ] {
            let err = MailSettings::from_lookup(&pairs(&[(name, value)])).unwrap_err();
            assert_eq!(err.variable, name, "{value}");
            assert!(!err.to_string().contains("secretpw"), "{err}");
        }
        let s =
            MailSettings::from_lookup(&pairs(&[("SMTP_URL", "smtp://u:secretpw@h:25")])).unwrap();
        assert!(!format!("{s:?}").contains("secretpw"));
    }
}
