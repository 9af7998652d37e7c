//! A small round-robin reverse proxy: each request goes to the next of several store
//! instances, so consecutive requests of one shopper, its webhooks and its back-office clicks
//! land on different instances, as behind a load balancer with no session affinity.

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

pub struct Upstreams {
    bases: Vec<String>,
    next: AtomicUsize,
    /// Requests each instance answered.
    served: Vec<AtomicUsize>,
    client: reqwest::Client,
}

impl Upstreams {
    pub fn served(&self) -> Vec<usize> {
        self.served
            .iter()
            .map(|n| n.load(Ordering::Relaxed))
            .collect()
    }
}

/// Starts the proxy in front of `bases` on `port`.
pub fn start(bases: Vec<String>, port: u16) -> web::Data<Upstreams> {
    let upstreams = web::Data::new(Upstreams {
        served: bases.iter().map(|_| AtomicUsize::new(0)).collect(),
        bases,
        next: AtomicUsize::new(0),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("proxy client"),
    });
    let shared = upstreams.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .app_data(web::PayloadConfig::new(1 << 20))
            .default_service(web::to(forward))
    })
    .workers(2)
    .bind(("127.0.0.1", port))
    .expect("bind the proxy")
    .run();
    tokio::spawn(server);
    upstreams
}

/// Connection-level headers a proxy does not pass on.
fn hop_by_hop(name: &str) -> bool {
    matches!(
        name,
        "connection"
            | "keep-alive"
            | "transfer-encoding"
            | "te"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

async fn forward(req: HttpRequest, body: web::Bytes, up: web::Data<Upstreams>) -> HttpResponse {
    let n = up.next.fetch_add(1, Ordering::Relaxed) % up.bases.len();
    let url = format!("{}{}", up.bases[n], req.uri());
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes()).expect("method");
    let mut out = up.client.request(method, url).body(body.to_vec());
    for (name, value) in req.headers() {
        if !hop_by_hop(name.as_str()) {
            out = out.header(name.as_str(), value.as_bytes());
        }
    }
    let Ok(res) = out.send().await else {
        return HttpResponse::BadGateway().finish();
    };
    up.served[n].fetch_add(1, Ordering::Relaxed);
    let mut answer = HttpResponse::build(
        actix_web::http::StatusCode::from_u16(res.status().as_u16()).expect("status"),
    );
    for (name, value) in res.headers() {
        if !hop_by_hop(name.as_str()) {
            answer.append_header((
                HeaderName::from_bytes(name.as_str().as_bytes()).expect("header name"),
                HeaderValue::from_bytes(value.as_bytes()).expect("header value"),
            ));
        }
    }
    answer.body(res.bytes().await.unwrap_or_default())
}
