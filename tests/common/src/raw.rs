//! A hand-made HTTP/1.1 server for what a mock cannot do: answers at the connection level
//! (a connection closed after the request was read, a kept-alive connection reused).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One HTTP/1.1 request as a hand-made server reads it.
pub struct RawRequest {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

/// Reads one request (head and `content-length` body); `None` when the peer closed.
pub async fn read_request(reader: &mut BufReader<TcpStream>) -> Option<RawRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?;
    let path = target.split('?').next()?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some(RawRequest {
        method,
        path,
        headers,
        body,
    })
}

/// A Mercado Pago that reads each payment creation and closes the connection without a
/// word (the request may have been processed: the store cannot know). Every other request
/// is closed the same way. Returns its base URL and the count of payment creations read.
pub async fn dropping_payments() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let payments = Arc::new(AtomicUsize::new(0));
    let counted = payments.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(socket);
                if let Some(req) = read_request(&mut reader).await {
                    if req.method == "POST" && req.path == "/v1/payments" {
                        counted.fetch_add(1, Ordering::SeqCst);
                    }
                }
                // Dropped here: the connection closes with no answer.
            });
        }
    });
    (base, payments)
}
