//! `checkout healthcheck`: asks the store on this machine's `PORT` whether it is alive, for a
//! container's `HEALTHCHECK` (the runtime image has no curl).

use std::time::Duration;

/// 0 when `/healthz` answers 200 within three seconds, 1 otherwise.
pub async fn run() -> i32 {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8000".into());
    let url = format!("http://127.0.0.1:{port}/healthz");
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
    {
        Ok(client) => client,
        Err(_) => return 1,
    };
    match client.get(&url).send().await {
        Ok(res) if res.status().is_success() => 0,
        Ok(res) => {
            eprintln!("{url}: {}", res.status());
            1
        }
        Err(e) => {
            eprintln!("{url}: {e}");
            1
        }
    }
}
