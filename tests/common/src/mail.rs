//! The real local SMTP server the e-mail tests send to (`scripts/ensure-smtp`, started by
//! `scripts/test`: TEST_SMTP_URL, TEST_SMTP_DIR) and the mail it received, found by a unique
//! recipient. Without the server the tests fail; they never skip.

use std::time::Duration;

use crate::eventually;

pub fn smtp_url() -> String {
    let url = std::env::var("TEST_SMTP_URL").expect(
        "TEST_SMTP_URL is not set: run the tests with scripts/test, or \
         eval \"$(scripts/ensure-smtp)\" first (a real SMTP server for the e-mail tests)",
    );
    let hostport = url.trim_start_matches("smtp://").to_string();
    std::net::TcpStream::connect(&hostport).unwrap_or_else(|e| {
        panic!("no SMTP server on {hostport} ({e}): start it with scripts/ensure-smtp")
    });
    url
}

pub fn unique(who: &str) -> String {
    format!("{who}-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// Decodes quoted-printable (the worker sends every part so): soft breaks and `=XX`.
pub fn unqp(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every message the SMTP server received for `to`, decoded, oldest first.
pub fn received(to: &str) -> Vec<String> {
    let dir = std::env::var("TEST_SMTP_DIR").expect("TEST_SMTP_DIR (scripts/ensure-smtp)");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|m| m.lines().next().is_some_and(|l| l.contains(to)))
        .map(|m| unqp(&m))
        .collect()
}

pub fn header<'a>(mail: &'a str, name: &str) -> &'a str {
    mail.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {mail}"))
        .trim()
}

/// The absolute URL after `label: ` in the text part.
pub fn link_in(mail: &str, label: &str) -> String {
    let line = mail
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no '{label}' line in {mail}"));
    line.split_once(": ").unwrap().1.trim().to_string()
}

/// Waits until `to` got at least `n` mails (10 s), and returns all of them.
pub async fn wait_for_mail(to: &str, n: usize) -> Vec<String> {
    eventually(
        &format!("{n} mail(s) to {to}"),
        Duration::from_secs(10),
        || async { received(to).len() >= n },
    )
    .await;
    received(to)
}
