//! Load generator for `bench/run`: drives whole checkouts against a store in sandbox mode.
//!
//!   loadgen payments URL SHOPPERS CONCURRENCY   each shopper a fresh cart, order and card
//!                                               token (prepared first), then one
//!                                               /process_payment each: only that is timed
//!   loadgen webhooks URL COUNT CONCURRENCY SECRET  signed notifications for a real payment
//!   loadgen sample URL COUNT CONCURRENCY        card payments to Mercado Pago's own Node
//!                                               sample (bench/node-sample): a token each,
//!                                               prepared first; only the payment is timed
//!   loadgen paced URL SHOPPERS RATE             payments started at a steady RATE per second
//!                                               (open loop); reports what the store adds to
//!                                               each beyond the emulator's own answer time
//!   loadgen pages URL RATE                      GET URL at a steady RATE per second (open
//!                                               loop) until `LOADGEN_STOP_FILE` exists; each
//!                                               page timed from when it was due, so a stall
//!                                               counts for every page it delayed
//!
//! With `LOADGEN_GO_FILE` set, `payments` says `prepared` on stderr once its shoppers are
//! ready and pays only when that file exists: `bench/run` then measures the payments right
//! after another workload, not minutes apart. With `LOADGEN_TIMELINE` set to a file, `paced`
//! writes there when each payment was sent (ms from the first) and what the store added (ms);
//! `pages` writes when each page was due and how long it took.
//!
//! Card tokens come from `MP_BASE` when set (the emulator as its own process), else from the
//! store's own `/sandbox/mp`.
//!
//! Prints one line: `name requests seconds rps p50_ms p99_ms errors`; `paced` adds
//! `added_p50_ms added_p99_ms`, `payments` its steady rate (answers a second between the tenth
//! and the ninetieth percentile of the answers).

use std::sync::Arc;
use std::time::{Duration, Instant};

use checkout::mercadopago::signature::{manifest, sign};
use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

struct Shopper {
    cookie: String,
    csrf: String,
    amount: String,
    token: String,
}

fn attr(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(prefix)? + prefix.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// Cookies by hand: one shared client (one connection pool) for thousands of shoppers.
fn keep_cookie(res: &reqwest::Response, cookie: &mut String) {
    for value in res.headers().get_all("set-cookie") {
        if let Some(pair) = value.to_str().ok().and_then(|v| v.split(';').next()) {
            if pair.starts_with("checkout_session=") {
                *cookie = pair.to_string();
            }
        }
    }
}

/// Where Mercado Pago (the emulator) is: `MP_BASE`, or the one mounted in a sandbox-mode store.
fn mp_base(store: &str) -> String {
    std::env::var("MP_BASE").unwrap_or_else(|_| format!("{store}/sandbox/mp"))
}

async fn prepare(client: &reqwest::Client, base: &str) -> anyhow::Result<Shopper> {
    let mut cookie = String::new();
    let res = client.get(format!("{base}/")).send().await?;
    keep_cookie(&res, &mut cookie);
    let html = res.text().await?;
    let csrf =
        attr(&html, "name=\"csrf_token\" value=\"").ok_or_else(|| anyhow::anyhow!("no csrf"))?;
    let product =
        attr(&html, "name=\"product_id\" value=\"").ok_or_else(|| anyhow::anyhow!("no product"))?;
    let res = client
        .post(format!("{base}/cart/add"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("product_id", product.as_str()),
            ("quantity", "1"),
        ])
        .send()
        .await?;
    keep_cookie(&res, &mut cookie);
    let res = client
        .get(format!("{base}/checkout"))
        .header("cookie", &cookie)
        .send()
        .await?;
    keep_cookie(&res, &mut cookie);
    let html = res.text().await?;
    let csrf = attr(&html, "data-csrf=\"").ok_or_else(|| anyhow::anyhow!("no checkout"))?;
    let amount = attr(&html, "data-amount=\"").ok_or_else(|| anyhow::anyhow!("no amount"))?;
    let token = card_token(client, &mp_base(base)).await?;
    Ok(Shopper {
        cookie,
        csrf,
        amount,
        token,
    })
}

/// A card token from the emulator for an approving test card.
async fn card_token(client: &reqwest::Client, mp: &str) -> anyhow::Result<String> {
    let token: Value = client
        .post(format!("{mp}/v1/card_tokens?public_key=TEST-bench"))
        .json(&json!({"card_number": "5031433215406351", "expiration_month": 11, "expiration_year": 2030,
                      "security_code": "123", "cardholder": {"name": "APRO", "identification": {"type": "CPF", "number": "12345678909"}}}))
        .send()
        .await?
        .json()
        .await?;
    Ok(token["id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no token"))?
        .to_string())
}

/// What the Brick posts to the sample's `/process_payment`; it answers 201 with the status.
async fn pay_sample(client: &reqwest::Client, base: &str, token: &str) -> bool {
    let body = json!({"selectedPaymentMethod": "credit_card", "formData": {
        "token": token, "issuer_id": "24", "payment_method_id": "master",
        "transaction_amount": 49.9, "installments": 1,
        "payer": {"email": "bench@example.com", "identification": {"type": "CPF", "number": "12345678909"}}}});
    match client
        .post(format!("{base}/process_payment"))
        .json(&body)
        .send()
        .await
    {
        Ok(res) if res.status() == 201 => res
            .json::<Value>()
            .await
            .is_ok_and(|v| v["status"] == "approved"),
        _ => false,
    }
}

async fn pay(client: &reqwest::Client, base: &str, s: &Shopper) -> bool {
    paid_order(client, base, s).await.is_some()
}

/// The order an approved payment paid, or `None` for anything else.
async fn paid_order(client: &reqwest::Client, base: &str, s: &Shopper) -> Option<String> {
    let body = json!({"selectedPaymentMethod": "credit_card", "formData": {
        "token": s.token, "issuer_id": "24", "payment_method_id": "master",
        "transaction_amount": s.amount.parse::<serde_json::Number>().unwrap(), "installments": 1,
        "payer": {"email": "bench@example.com", "identification": {"type": "CPF", "number": "12345678909"}}}});
    match client
        .post(format!("{base}/process_payment"))
        .header("cookie", &s.cookie)
        .header("x-csrf-token", &s.csrf)
        .json(&body)
        .send()
        .await
    {
        Ok(res) if res.status() == 200 => res
            .json::<Value>()
            .await
            .ok()
            .filter(|v| v["status"] == "approved")
            .and_then(|v| v["order_id"].as_str().map(String::from)),
        _ => None,
    }
}

/// Shoppers ready to pay, prepared 64 at a time; those that could not be prepared are left out.
async fn prepare_all(client: &reqwest::Client, base: &str, shoppers: usize) -> Arc<Vec<Shopper>> {
    let prepared: Vec<Option<Shopper>> = stream::iter(0..shoppers)
        .map(|_| async move { prepare(client, base).await.ok() })
        .buffer_unordered(64)
        .collect()
        .await;
    Arc::new(prepared.into_iter().flatten().collect())
}

/// Payments started every `1 / rate` seconds whatever the answers do, as shoppers arrive;
/// each one's time at the store minus the emulator's time for its `POST /v1/payments`.
async fn paced(
    client: &reqwest::Client,
    base: &str,
    shoppers: usize,
    rate: f64,
) -> anyhow::Result<()> {
    let prepared = prepare_all(client, base, shoppers).await;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut running = Vec::with_capacity(prepared.len());
    for i in 0..prepared.len() {
        tick.tick().await;
        let (client, base, prepared) = (client.clone(), base.to_string(), prepared.clone());
        running.push(tokio::spawn(async move {
            let t = Instant::now();
            let order = paid_order(&client, &base, &prepared[i]).await;
            (t.duration_since(started), t.elapsed(), order)
        }));
    }
    let mut answered = Vec::with_capacity(running.len());
    for r in running {
        answered.push(r.await?);
    }
    let elapsed = started.elapsed();
    let times: Vec<Value> = client
        .get(format!("{}/sandbox/control/answer_times", mp_base(base)))
        .send()
        .await?
        .json()
        .await?;
    let emulator: std::collections::HashMap<String, u64> = times
        .iter()
        .filter_map(|t| {
            // `checkout-{order}-{attempt}`: the order is what the store's answer names.
            let key = t["idempotency_key"].as_str()?;
            let order = key.strip_prefix("checkout-")?.rsplit_once('-')?.0;
            Some((order.to_string(), t["micros"].as_u64()?))
        })
        .collect();
    let mut errors = shoppers - prepared.len();
    let (mut total, mut added, mut timeline) = (Vec::new(), Vec::new(), String::new());
    for (sent, latency, order) in answered {
        match order.and_then(|o| emulator.get(&o).copied()) {
            Some(micros) => {
                let extra = latency.saturating_sub(Duration::from_micros(micros));
                timeline.push_str(&format!(
                    "{:.1} {:.3}\n",
                    sent.as_secs_f64() * 1000.0,
                    extra.as_secs_f64() * 1000.0
                ));
                total.push(latency);
                added.push(extra);
            }
            None => errors += 1,
        }
    }
    // When each payment was sent and what the store added to it, to see whether the slowest
    // come together (something periodic) or apart.
    if let Ok(path) = std::env::var("LOADGEN_TIMELINE") {
        std::fs::write(path, timeline)?;
    }
    added.sort();
    let ms = |q: f64| {
        added
            .get(((added.len() as f64 * q) as usize).min(added.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let (p50, p99) = (ms(0.5), ms(0.99));
    let line = capture_report("paced", total, elapsed, errors);
    println!("{line} {p50:.2} {p99:.2}");
    Ok(())
}

/// Shoppers browsing at a steady rate while something else loads the store. A closed loop
/// (wrk) would take whatever the machine leaves, competing with the load it watches; a fixed
/// rate costs the same whatever the store does, and timing from each page's due time keeps a
/// stall from hiding behind the pages it held back.
async fn pages(client: &reqwest::Client, url: &str, rate: f64) -> anyhow::Result<()> {
    let stop = std::env::var("LOADGEN_STOP_FILE")?;
    let period = Duration::from_secs_f64(1.0 / rate);
    let started = tokio::time::Instant::now();
    let mut running = Vec::new();
    for i in 0u32.. {
        let due = started + period * i;
        tokio::time::sleep_until(due).await;
        // Every 50th page is soon enough to notice the stop (50 ms at 1,000 a second).
        if i % 50 == 0 && std::path::Path::new(&stop).exists() {
            break;
        }
        let (client, url) = (client.clone(), url.to_string());
        running.push(tokio::spawn(async move {
            let ok = match client.get(&url).send().await {
                Ok(res) if res.status() == 200 => res.bytes().await.is_ok(),
                _ => false,
            };
            (due.elapsed(), ok)
        }));
    }
    let elapsed = started.elapsed();
    let (mut latencies, mut errors) = (Vec::with_capacity(running.len()), 0);
    let mut timeline = String::new();
    for (i, r) in running.into_iter().enumerate() {
        let (latency, ok) = r.await?;
        let due = (period * i as u32).as_secs_f64() * 1000.0;
        timeline.push_str(&format!("{due:.1} {:.3}\n", latency.as_secs_f64() * 1000.0));
        latencies.push(latency);
        errors += usize::from(!ok);
    }
    if let Ok(path) = std::env::var("LOADGEN_TIMELINE") {
        std::fs::write(path, timeline)?;
    }
    report("pages", latencies, elapsed, errors);
    Ok(())
}

fn report(name: &str, latencies: Vec<Duration>, elapsed: Duration, errors: usize) {
    println!("{}", capture_report(name, latencies, elapsed, errors));
}

fn capture_report(
    name: &str,
    mut latencies: Vec<Duration>,
    elapsed: Duration,
    errors: usize,
) -> String {
    latencies.sort();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
    };
    let ms = |d: Option<&Duration>| d.map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
    format!(
        "{name} {} {:.2} {:.0} {:.1} {:.1} {errors}",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(pick(0.5)),
        ms(pick(0.99))
    )
}

/// Each job's latency, the whole run's duration, the errors, and when each job finished (from
/// the start).
async fn timed<F, Fut>(
    concurrency: usize,
    jobs: usize,
    job: F,
) -> (Vec<Duration>, Duration, usize, Vec<Duration>)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    let results: Vec<(Duration, bool, Duration)> = stream::iter(0..jobs)
        .map(|i| {
            let fut = job(i);
            async move {
                let t = Instant::now();
                let ok = fut.await;
                (t.elapsed(), ok, started.elapsed())
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let errors = results.iter().filter(|(_, ok, _)| !ok).count();
    let finished = results.iter().map(|(_, _, at)| *at).collect();
    (
        results.into_iter().map(|(d, _, _)| d).collect(),
        elapsed,
        errors,
        finished,
    )
}

/// Answers a second between the tenth and the ninetieth percentile of the answers: a crowd's
/// throughput once it is under way, without its first answers' wait (a slow Mercado Pago
/// answers nobody for its first 300 ms) and its last stragglers.
fn steady_rate(mut finished: Vec<Duration>) -> f64 {
    finished.sort();
    let n = finished.len();
    let (a, b) = (n / 10, n * 9 / 10);
    if n < 10 || finished[b - 1] <= finished[a] {
        return 0.0;
    }
    (b - 1 - a) as f64 / (finished[b - 1] - finished[a]).as_secs_f64()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(2048)
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let base = arg(1);
    match arg(0).as_str() {
        "payments" => {
            let shoppers: usize = arg(2).parse()?;
            let concurrency: usize = arg(3).parse()?;
            let prepared = prepare_all(&client, &base, shoppers).await;
            if let Ok(go) = std::env::var("LOADGEN_GO_FILE") {
                eprintln!("prepared");
                while !std::path::Path::new(&go).exists() {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            let (lat, elapsed, errors, finished) = timed(concurrency, prepared.len(), |i| {
                let (client, base, prepared) = (client.clone(), base.clone(), prepared.clone());
                async move { pay(&client, &base, &prepared[i]).await }
            })
            .await;
            let errors = errors + (shoppers - prepared.len());
            let line = capture_report("payments", lat, elapsed, errors);
            println!("{line} {:.0}", steady_rate(finished));
        }
        "webhooks" => {
            let count: usize = arg(2).parse()?;
            let concurrency: usize = arg(3).parse()?;
            let secret = arg(4);
            // One real payment, so each notification's re-read finds it.
            let shopper = prepare(&client, &base).await?;
            let paid: Value = client
                .post(format!("{base}/process_payment"))
                .header("cookie", &shopper.cookie)
                .header("x-csrf-token", &shopper.csrf)
                .json(&json!({"selectedPaymentMethod": "credit_card", "formData": {"token": shopper.token, "payment_method_id": "master",
                    "transaction_amount": shopper.amount.parse::<serde_json::Number>()?, "installments": 1,
                    "payer": {"email": "bench@example.com", "identification": {"type": "CPF", "number": "12345678909"}}}}))
                .send()
                .await?
                .json()
                .await?;
            let id = paid["payment_id"].as_i64().ok_or_else(|| anyhow::anyhow!("no payment: {paid}"))?.to_string();
            let (lat, elapsed, errors, _) = timed(concurrency, count, |i| {
                let (client, base, id, secret) = (client.clone(), base.clone(), id.clone(), secret.clone());
                async move {
                    let request_id = format!("bench-{i}");
                    let ts = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).to_string();
                    let v1 = sign(secret.as_bytes(), &manifest(Some(&id), Some(&request_id), &ts));
                    client
                        .post(format!("{base}/webhooks/mercadopago?data.id={id}&type=payment"))
                        .header("x-signature", format!("ts={ts},v1={v1}"))
                        .header("x-request-id", request_id)
                        .json(&json!({"type": "payment", "action": "payment.updated", "data": {"id": id}}))
                        .send()
                        .await
                        .map(|r| r.status() == 200)
                        .unwrap_or(false)
                }
            })
            .await;
            report("webhooks", lat, elapsed, errors);
        }
        "sample" => {
            let count: usize = arg(2).parse()?;
            let concurrency: usize = arg(3).parse()?;
            let mp = std::env::var("MP_BASE")?;
            let tokens: Vec<Option<String>> = stream::iter(0..count)
                .map(|_| {
                    let (client, mp) = (client.clone(), mp.clone());
                    async move { card_token(&client, &mp).await.ok() }
                })
                .buffer_unordered(64)
                .collect()
                .await;
            let tokens: Arc<Vec<String>> = Arc::new(tokens.into_iter().flatten().collect());
            let (lat, elapsed, errors, _) = timed(concurrency, tokens.len(), |i| {
                let (client, base, tokens) = (client.clone(), base.clone(), tokens.clone());
                async move { pay_sample(&client, &base, &tokens[i]).await }
            })
            .await;
            report("sample", lat, elapsed, errors + (count - tokens.len()));
        }
        "paced" => paced(&client, &base, arg(2).parse()?, arg(3).parse()?).await?,
        "pages" => pages(&client, &base, arg(2).parse()?).await?,
        _ => anyhow::bail!("usage: loadgen payments URL SHOPPERS CONCURRENCY | webhooks URL COUNT CONCURRENCY SECRET | sample URL COUNT CONCURRENCY | paced URL SHOPPERS RATE | pages URL RATE"),
    }
    Ok(())
}
