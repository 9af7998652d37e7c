//! Logs of a whole checkout, captured at debug level, never hold a secret, a card token,
//! a whole email or a cookie.

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{approving_checkout, ACCESS_TOKEN, SESSION_KEY, WEBHOOK_SECRET};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_checkout_leaves_no_secret_in_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        // cookie_store (the test browser's jar) and wiremock (the fake Mercado Pago) log what
        // they receive; they stand for the outside world, not the server under test.
        .with_env_filter("debug,cookie_store=off,wiremock=off")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let (app, checkout) = approving_checkout().await;
    let res = app.pay_card(&checkout).await;
    assert_eq!(res.status(), 200);
    let cookie = app.get("/cart").await.headers().get("set-cookie").map(|c| {
        c.to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap()
            .1
            .to_string()
    });

    // A signed order link's token is a bearer secret: a refused one is logged ("page
    // refused", inside the request's span) without it.
    let res = app
        .get(&format!(
            "/orders/{}?t=4102444800.bGlua3NpZ25hdHVyZQ",
            checkout.order_id
        ))
        .await;
    assert_eq!(res.status(), 403);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("calling Mercado Pago"),
        "the capture works: {logs}"
    );
    assert!(logs.contains("t***@testuser.com"), "payers appear masked");
    for secret in [
        ACCESS_TOKEN,
        WEBHOOK_SECRET,
        SESSION_KEY,
        "ff8080814c11e237014c1ff593b57b4d",
        "test_user_123@testuser.com",
        "bGlua3NpZ25hdHVyZQ",
        "12345678909",
        &checkout.csrf,
    ] {
        let at = logs
            .find(secret)
            .map(|i| &logs[i.saturating_sub(400)..(i + 80).min(logs.len())]);
        assert!(at.is_none(), "{secret} leaked into the logs: {at:?}");
    }
    if let Some(cookie) = cookie {
        let at = logs
            .find(&cookie)
            .map(|i| &logs[i.saturating_sub(300)..(i + 100).min(logs.len())]);
        assert!(at.is_none(), "cookie in logs: {at:?}");
    }
}
