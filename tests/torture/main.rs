//! Torture test: many simulated shoppers with random behaviour against the store in live mode,
//! whose Mercado Pago is the emulator with faults injected; then a settle phase with
//! reconciliation running; then invariants checked against both the emulator's state and the
//! store's database (see `invariants`). A violation prints the order's whole story.
//!
//! `cargo test --test torture` runs the short version (2 seeds x 50 shoppers) and a run on three
//! instances behind a round-robin proxy (1 seed x 40 shoppers); `scripts/torture` runs the long
//! one (`TORTURE_SEEDS`, `TORTURE_SHOPPERS`, `TORTURE_INSTANCES`).

mod app;
mod emulator;
mod faults;
mod invariants;
mod panics;
mod proxy;
mod report;
mod rng;
mod shopper;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::{Store, ADMIN_EMAIL, ADMIN_PASSWORD, WEBHOOK_SECRET};
use emulator::Emulator;
use rng::Rng;
use shopper::{BackOffice, Behaviour, World};

/// Shoppers on the way at once.
const CONCURRENT_SHOPPERS: usize = 25;
/// The longest the settle phase waits for every order and notification to be decided: past
/// the store's `unknown_grace` (its `stale_after` plus 60 s of search lag, about 80 s with the
/// 2 s timeouts used here), after which an unresolved attempt is given up.
const SETTLE_LIMIT: Duration = Duration::from_secs(100);
/// News that no webhook brings (dropped) is found by the store's sweep, every
/// `app::SWEEP_INTERVAL_SECS`; webhooks may be delayed up to 2 s (see `faults`). Settling waits
/// at least past both, with a margin.
const SETTLE_MIN: Duration = Duration::from_secs(app::SWEEP_INTERVAL_SECS + 6);

/// One "edge" seed and one "storm" seed (see `faults::storm`).
const SHORT_SEEDS: [u64; 2] = [7, 1_000_002];
const LONG_SEEDS: [u64; 20] = [
    1, 2, 3, 5, 7, 11, 13, 42, 99, 123, 256, 1_000, 4_242, 31_337, 65_537, 100_003, 271_828,
    314_159, 1_000_003, 8_675_309,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn torture_short() {
    torture(&SHORT_SEEDS, 50).await;
}

/// Three instances on one database behind a round-robin proxy: shoppers, webhooks, the back
/// office and three reconciliation workers, with every invariant of one instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn torture_three_instances() {
    torture_on(&[3], 40, 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "long: run with scripts/torture"]
async fn torture_long() {
    let seeds: Vec<u64> = match std::env::var("TORTURE_SEEDS") {
        Ok(list) => list
            .split(',')
            .map(|s| {
                s.trim()
                    .parse()
                    .expect("TORTURE_SEEDS: comma-separated numbers")
            })
            .collect(),
        Err(_) => LONG_SEEDS.to_vec(),
    };
    let shoppers = std::env::var("TORTURE_SHOPPERS")
        .map(|n| n.parse().expect("TORTURE_SHOPPERS: a number"))
        .unwrap_or(300);
    torture(&seeds, shoppers).await;
}

/// Runs every seed, printing each one's summary as it ends, and fails with every seed's
/// summary and the failing seeds' violations, each with its order's story.
async fn torture(seeds: &[u64], shoppers: usize) {
    let instances = std::env::var("TORTURE_INSTANCES")
        .map(|n| n.parse().expect("TORTURE_INSTANCES: a number"))
        .unwrap_or(1);
    torture_on(seeds, shoppers, instances).await;
}

async fn torture_on(seeds: &[u64], shoppers: usize, instances: usize) {
    panics::install();
    if std::env::var("TORTURE_LOG").is_ok() {
        checkout::telemetry::init();
    }
    let mut summaries = Vec::new();
    let mut failed = Vec::new();
    for &seed in seeds {
        let outcome = run_seed(seed, shoppers, instances).await;
        println!("{}", outcome.summary);
        summaries.push(outcome.summary);
        if let Some(full) = outcome.failure {
            failed.push(full);
        }
    }
    assert!(
        failed.is_empty(),
        "torture: invariants violated on {} of {} seeds\n\n{}\n{}",
        failed.len(),
        seeds.len(),
        summaries.join(""),
        failed.join("\n")
    );
}

struct SeedOutcome {
    summary: String,
    /// The full report (stories included) when an invariant was violated.
    failure: Option<String>,
}

/// One seed: a fresh emulator and store, the shoppers, settling, the invariants.
async fn run_seed(seed: u64, shoppers: usize, instances: usize) -> SeedOutcome {
    let started = Instant::now();
    let panic_mark = panics::mark();
    let (mp_base, _emulator_guard) = emulator::start_emulator(WEBHOOK_SECRET).await;
    let emulator = Emulator::new(mp_base);
    let store = Store::start(&emulator.base, instances).await;
    let faults_supported = emulator
        .set_faults(&faults::storm(seed, &store.webhook_url()))
        .await;
    if !faults_supported {
        println!("seed {seed}: faults not supported by the emulator; running with faults off");
    }
    let world = Arc::new(World {
        store: store.base.clone(),
        emulator: emulator.clone(),
        back_office: BackOffice::sign_in(&store.base, ADMIN_EMAIL, ADMIN_PASSWORD).await,
    });

    let stories = shop(seed, shoppers, world).await;

    if faults_supported {
        emulator
            .set_faults(&faults::calm(seed, &store.webhook_url()))
            .await;
    }
    let settle = settle(&store).await;

    if let Some(proxy) = &store.proxy {
        let served = proxy.served();
        println!("seed {seed}: requests answered per instance {served:?}");
        let least = served.iter().min().copied().unwrap_or(0);
        assert!(
            least * 2 * served.len() >= served.iter().sum::<usize>(),
            "every instance took its share of the traffic: {served:?}"
        );
    }
    let facts = invariants::Facts::read(&store.pool, &emulator.payments().await).await;
    let panics = panics::since(panic_mark);
    let violations = invariants::check(&facts, &stories, &panics);
    let run = report::Run {
        seed,
        shoppers,
        faults_supported,
        faults_log: emulator.faults_log().await,
        stories,
        facts,
        violations,
        settle,
        seconds: started.elapsed().as_secs(),
    };
    let failure = if run.violations.is_empty() {
        None
    } else {
        Some(report::full(&run, &store.pool, &emulator.requests().await).await)
    };
    SeedOutcome {
        summary: report::summary(&run),
        failure,
    }
}

/// Every shopper, at most `CONCURRENT_SHOPPERS` at once; each one's behaviour and timing come
/// from a generator forked from the seed by its number.
async fn shop(seed: u64, shoppers: usize, world: Arc<World>) -> Vec<shopper::Story> {
    let rng = Rng::new(seed);
    let gate = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_SHOPPERS));
    let tasks: Vec<_> = (0..shoppers)
        .map(|n| {
            let mut rng = rng.fork(n as u64);
            let behaviour = *rng.pick(&Behaviour::ALL);
            let (world, gate) = (world.clone(), gate.clone());
            tokio::spawn(async move {
                let _permit = gate.acquire_owned().await.unwrap();
                shopper::run(n, behaviour, rng, world).await
            })
        })
        .collect();
    let mut stories = Vec::with_capacity(shoppers);
    for task in tasks {
        stories.push(task.await.expect("a shopper task panicked (harness bug)"));
    }
    stories
}

/// Waits until no order is processing or unknown and every notification is processed, twice
/// in a row a second apart, with reconciliation running. Returns the seconds waited, whether
/// it settled, and the last counts; says every 10 s what it is still waiting for.
async fn settle(store: &Store) -> (u64, bool, (i64, i64)) {
    let started = Instant::now();
    let mut calm_polls = 0;
    let mut polls = 0;
    loop {
        let counts = store.unsettled().await;
        calm_polls = if counts == (0, 0) { calm_polls + 1 } else { 0 };
        let waited = started.elapsed();
        if calm_polls >= 2 && waited >= SETTLE_MIN {
            return (waited.as_secs(), true, counts);
        }
        if waited >= SETTLE_LIMIT {
            println!("  not settled: {}", store.unsettled_detail().await);
            return (waited.as_secs(), false, counts);
        }
        polls += 1;
        if polls % 10 == 0 {
            println!(
                "  settling for {} s: {}",
                waited.as_secs(),
                store.unsettled_detail().await
            );
        }
        // The settle phase's own poll: it also prints progress every 10 s and needs two calm
        // looks in a row, which `eventually` does not do; nothing signals "settled".
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
