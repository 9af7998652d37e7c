//! Hole 11: a pooled connection that the server has closed. A hand-made HTTP/1.1 server
//! stands in for Mercado Pago, because the trap is at the connection level: it keeps its first
//! connection alive after answering, then reads the first payment sent over that reused
//! connection and closes it without a word. The payment was never processed, so the store may
//! (and must) send it again at once with the same idempotency key.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use common::raw::{read_request, RawRequest};
use common::{next_payment_id, spawn_with, Options};

#[derive(Debug, Clone)]
struct Seen {
    connection: usize,
    method: String,
    path: String,
    key: Option<String>,
    answered: bool,
}

#[derive(Default)]
struct Server {
    seen: Mutex<Vec<Seen>>,
    /// Idempotency key -> payment, so a re-send gets the same payment, as at Mercado Pago.
    payments: Mutex<HashMap<String, Value>>,
    sprung: AtomicBool,
}

impl Server {
    fn answer(&self, req: &RawRequest) -> (u16, Value) {
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/v1/payments") => {
                let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let key = req
                    .headers
                    .get("x-idempotency-key")
                    .cloned()
                    .unwrap_or_default();
                let payment = self
                    .payments
                    .lock()
                    .unwrap()
                    .entry(key)
                    .or_insert_with(|| {
                        json!({"id": next_payment_id(), "status": "approved", "status_detail": "accredited",
                           "transaction_amount": body["transaction_amount"], "currency_id": "BRL",
                           "payment_method_id": body["payment_method_id"], "payment_type_id": "credit_card",
                           "external_reference": body["external_reference"], "metadata": body["metadata"]})
                    })
                    .clone();
                (201, payment)
            }
            ("POST", "/checkout/preferences") => (
                201,
                json!({"id": "raw-pref-1", "init_point": "https://www.mercadopago.com.br/checkout/v1/redirect?pref_id=raw-pref-1"}),
            ),
            ("GET", "/v1/payments/search") => (
                200,
                json!({"paging": {"total": 0, "limit": 30, "offset": 0}, "results": []}),
            ),
            _ => (404, json!({"message": "not found", "status": 404})),
        }
    }

    async fn connection(self: Arc<Self>, socket: TcpStream, connection: usize) {
        let mut reader = BufReader::new(socket);
        let mut served = 0;
        while let Some(req) = read_request(&mut reader).await {
            let mut seen = Seen {
                connection,
                method: req.method.clone(),
                path: req.path.clone(),
                key: req.headers.get("x-idempotency-key").cloned(),
                answered: false,
            };
            let trap = served > 0
                && req.method == "POST"
                && req.path == "/v1/payments"
                && !self.sprung.swap(true, Ordering::SeqCst);
            if trap {
                // Read, never processed, and the connection closed: what a server does to a
                // connection it has already timed out.
                self.seen.lock().unwrap().push(seen);
                return;
            }
            let (status, body) = self.answer(&req);
            let body = body.to_string();
            let reason = match status {
                200 => "OK",
                201 => "Created",
                _ => "Not Found",
            };
            let head = format!(
                "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            let socket = reader.get_mut();
            if socket.write_all(head.as_bytes()).await.is_err()
                || socket.write_all(body.as_bytes()).await.is_err()
            {
                return;
            }
            seen.answered = true;
            self.seen.lock().unwrap().push(seen);
            served += 1;
        }
    }
}

async fn start_server() -> (String, Arc<Server>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = Arc::new(Server::default());
    let accepting = server.clone();
    tokio::spawn(async move {
        let mut connections = 0;
        while let Ok((socket, _)) = listener.accept().await {
            connections += 1;
            tokio::spawn(accepting.clone().connection(socket, connections));
        }
    });
    (base, server)
}

#[tokio::test]
async fn hole_11_a_payment_lost_on_a_stale_pooled_connection_is_sent_again_with_its_key() {
    let (base, server) = start_server().await;
    let app = spawn_with(Options {
        api_base: Some(base),
        ..Options::default()
    })
    .await;
    // The checkout page creates the wallet preference: the first connection, kept alive.
    let checkout = app.start_checkout().await;
    let res = app.pay_card(&checkout).await;
    let status = res.status().as_u16();
    let answer: Value = res.json().await.unwrap_or(Value::Null);
    let seen = server.seen.lock().unwrap().clone();
    assert!(
        server.sprung.load(Ordering::SeqCst),
        "the payment went over a reused connection: {seen:#?}"
    );
    let posts: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.method == "POST" && s.path == "/v1/payments")
        .collect();
    let first_key = format!("checkout-{}-1", checkout.order_id);
    assert!(
        posts
            .iter()
            .all(|s| s.key.as_deref() == Some(first_key.as_str())),
        "every send uses attempt 1's key: {posts:#?}"
    );
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("approved")),
        "the shopper's answer ({answer}); Mercado Pago saw {posts:#?}"
    );
    assert!(
        posts.iter().any(|s| s.answered && s.connection > 1),
        "sent again on a fresh connection"
    );
    assert_eq!(app.order_status(&checkout.order_id).await, "paid");
}
