//! The mail worker: queues the mails of the orders' moves from their history (see
//! `outbox::derive`), then claims due outbox rows (`for update skip locked`, so several
//! instances share the work), renders each once, sends it over SMTP (`SMTP_URL`) or keeps it
//! for the back office when no server is configured, and retries failures with backoff.
//!
//! At least once, never lost: a row is marked sent only after the server accepted it. A
//! worker that dies between the two leaves the row claimed; its lease (`claimed_until`) runs
//! out and another pass sends it again, with the same `Message-ID` (stable per row), so a
//! receiver can tell the copies apart from a second e-mail.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;
use time::OffsetDateTime;
use tracing::Instrument;
use url::Url;

use super::render::{render, Context, Rendered};
use super::{MailSettings, OrderLinks};
use crate::db::lending::Lender;
use crate::db::orders;
use crate::db::outbox::{self, Mail, Outcome, Settled};
use crate::domain::Site;

const BATCH: i64 = 20;
/// Order moves whose mails one pass queues, at most: a burst's backlog is queued over a few
/// passes, each a transaction of its own.
const DERIVE: i32 = 500;
/// The same, in a turn that gives way to payments: a batch's worth, a step of a few
/// milliseconds. 500 moves took 40 ms, long enough to meet four payments at 100 a second.
const DERIVE_GIVING_WAY: i32 = BATCH as i32;
/// A drain stops after this many full passes (2,000 mails) and goes on at the next tick, so a
/// queue that never empties (mails failing fast and queued again) cannot hold the worker.
const MAX_PASSES: usize = 100;
/// One SMTP conversation may take this long before it counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// A claim lasts longer than rendering plus one whole SMTP conversation, and it is renewed
/// right before each send, so a live worker never loses its row mid-send to another; a dead
/// one's row is sent again after it.
pub const LEASE: Duration = Duration::from_secs(4 * 30);
/// Retries double from the worker's interval up to an hour; after this many tries (about
/// half a day of an unreachable server) the mail is marked failed for the merchant to see.
const MAX_ATTEMPTS: i32 = 16;
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How long mail waits, at most, for a payment path that uses every connection it may: a
/// rush of payments goes first, its confirmations within about a minute.
pub const MAX_DEFER: Duration = Duration::from_secs(60);
/// Before each step of a turn (queueing, claiming, each mail, settling), the payment path
/// must have left the database alone this long: its statements come microseconds apart, and
/// a step begun between two of them would slow the second.
const SETTLE: Duration = Duration::from_millis(1);

/// Where a pass stops on purpose: the tests' stand-in for a worker that crashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// A normal pass.
    Never,
    /// Dies right after claiming: nothing sent, rows held until the lease ends.
    AfterClaim,
    /// Dies after the server accepted the mail, before it is marked sent.
    AfterSend,
}

/// A claimed mail that ends without a send (kept, or nobody to send it to), with the
/// rendering made for it in this pass: settled with the rest of the pass in one write.
struct Unsent {
    id: i64,
    claim: i32,
    outcome: Outcome,
    rendered: Option<Rendered>,
}

impl Unsent {
    fn new(mail: &Mail, outcome: Outcome, rendered: Option<Rendered>) -> Self {
        Self {
            id: mail.id,
            claim: mail.attempts,
            outcome,
            rendered,
        }
    }

    fn settled(&self) -> Settled<'_> {
        Settled {
            id: self.id,
            claim: self.claim,
            outcome: self.outcome,
            rendering: self.rendered.as_ref().map(Rendered::rendering),
        }
    }
}

/// What the mail worker needs: the database, the links, the SMTP transport.
pub struct Mailer {
    pub pool: PgPool,
    pub site: Site,
    pub base_url: Url,
    pub links: Arc<OrderLinks>,
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    merchant: Option<Mailbox>,
    pub interval: Duration,
    /// The payment path's connections: while all are lent out, the worker waits (`defer`),
    /// and each step of a turn waits for a moment none is (`give_way`).
    yield_to: Option<Lender>,
    pub max_defer: Duration,
    deferral: Mutex<Deferral>,
}

/// How long mail has waited for the payment path, and what it last saw of it.
#[derive(Default)]
struct Deferral {
    /// Since when the worker has been waiting for a busy payment path.
    since: Option<Instant>,
    /// The lender's count of lends when the last step began (`Lender::quiet`).
    mark: u64,
}

impl Mailer {
    pub fn new(
        pool: PgPool,
        site: Site,
        base_url: Url,
        links: Arc<OrderLinks>,
        settings: &MailSettings,
    ) -> anyhow::Result<Self> {
        let transport = settings
            .smtp_url()
            .map(|url| {
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map(|b| b.timeout(Some(SMTP_TIMEOUT)).build())
                    // The URL may hold a password: the error names the setting, not its value.
                    .map_err(|_| anyhow::anyhow!("SMTP_URL is not a usable SMTP server URL"))
            })
            .transpose()?;
        Ok(Self {
            pool,
            site,
            base_url,
            links,
            transport,
            from: settings.from.clone(),
            merchant: settings.merchant.clone(),
            interval: settings.interval,
            yield_to: None,
            max_defer: MAX_DEFER,
            deferral: Mutex::new(Deferral::default()),
        })
    }

    /// Lets the payment path go first: rendering and settling mail takes the same database
    /// and cores as the payments. While they use every connection the lender has, the worker
    /// starts no pass; within a pass each step waits until no payment is using the database.
    /// Either way mail waits `max_defer` at most.
    pub fn yield_to(mut self, lender: Lender) -> Self {
        self.yield_to = Some(lender);
        self
    }

    /// True while the worker should wait for the payment path (see [`defer`]).
    fn deferring(&self) -> bool {
        let busy = self.yield_to.as_ref().is_some_and(Lender::saturated);
        let mut deferral = self.deferral.lock().unwrap();
        defer(&mut deferral.since, busy, Instant::now(), self.max_defer)
    }

    /// Waits, before a step of a turn, for the payment path to leave the database alone
    /// (`Lender::quiet`): a payment that starts during a step still meets it, but no step
    /// starts during a payment's statements. Mail that has waited `max_defer` goes at once
    /// until a step finds the path quiet without waiting.
    async fn give_way(&self) {
        let Some(lender) = &self.yield_to else {
            return;
        };
        let (mark, wait) = {
            let mut deferral = self.deferral.lock().unwrap();
            let since = *deferral.since.get_or_insert_with(Instant::now);
            (
                deferral.mark,
                self.max_defer.saturating_sub(since.elapsed()),
            )
        };
        // An elapsed budget still polls `quiet` once: its answer when nothing happened since.
        let quiet = tokio::time::timeout(wait, lender.quiet(mark, SETTLE)).await;
        let mut deferral = self.deferral.lock().unwrap();
        match quiet {
            Ok(mark) => {
                deferral.since = None;
                deferral.mark = mark;
            }
            Err(_) => deferral.mark = lender.lends(),
        }
    }

    /// Whether mails are sent (else kept for the back office).
    pub fn sends(&self) -> bool {
        self.transport.is_some()
    }

    /// One pass: claims, renders and sends what is due. Returns how many it handled.
    pub async fn pass(&self) -> anyhow::Result<usize> {
        self.pass_until(Stop::Never).await
    }

    /// Passes until one finds less than a full batch: after a burst of paid orders every
    /// confirmation goes out now, not twenty per interval. Returns how many it handled.
    pub async fn drain(&self) -> anyhow::Result<usize> {
        self.passes(|| true, false).await
    }

    /// The worker's turn: [`Mailer::drain`], unless the payment path is busy. It stops between
    /// passes when the payment path becomes busy, and starts none while it is, until mail
    /// has waited `max_defer`; each step of a pass gives way to the payments (`give_way`).
    pub async fn turn(&self) -> anyhow::Result<usize> {
        self.passes(|| !self.deferring(), true).await
    }

    /// Passes while `go_on` says so before each, until one finds less than a full batch (or
    /// `MAX_PASSES`). Returns how many mails they handled.
    async fn passes(&self, go_on: impl Fn() -> bool, giving_way: bool) -> anyhow::Result<usize> {
        let mut handled = 0;
        for _ in 0..MAX_PASSES {
            if !go_on() {
                break;
            }
            let n = self.pass_with(Stop::Never, giving_way).await?;
            handled += n;
            if n < BATCH as usize {
                break;
            }
        }
        Ok(handled)
    }

    /// A pass that may stop on purpose midway (see [`Stop`]).
    pub async fn pass_until(&self, stop: Stop) -> anyhow::Result<usize> {
        self.pass_with(stop, false).await
    }

    async fn pass_with(&self, stop: Stop, giving_way: bool) -> anyhow::Result<usize> {
        let give_way = || async {
            if giving_way {
                self.give_way().await;
            }
        };
        give_way().await;
        let derive = if giving_way {
            DERIVE_GIVING_WAY
        } else {
            DERIVE
        };
        outbox::derive(&self.pool, derive).await?;
        give_way().await;
        let due = outbox::claim(&self.pool, BATCH, LEASE).await?;
        if stop == Stop::AfterClaim {
            return Ok(0);
        }
        let mut settled = Vec::new();
        for mail in &due {
            give_way().await;
            let span = tracing::info_span!("mail", outbox_id = mail.id, kind = %mail.kind);
            match self.handle(mail, stop).instrument(span).await {
                Ok(Some(end)) => settled.push(end),
                Ok(None) => {}
                Err(e) => {
                    // Rendering or the database failed: counted as a try, with the same
                    // backoff and the same limit as a refused send, so it never loops for ever.
                    tracing::warn!(error = %e, "mail not handled; retried later");
                    let error: String = format!("not prepared: {e}").chars().take(500).collect();
                    let retry = (mail.attempts < MAX_ATTEMPTS).then(|| self.backoff(mail.attempts));
                    outbox::failed(&self.pool, mail.id, mail.attempts, &error, retry)
                        .await
                        .ok();
                }
            }
        }
        // Nothing was sent for these, so settling them late is harmless: if this write fails,
        // or a pass of slow sends outlives their lease and another worker takes them, the
        // claim check makes this write a no-op and the mail is settled once.
        let settled: Vec<Settled<'_>> = settled.iter().map(Unsent::settled).collect();
        give_way().await;
        outbox::settle(&self.pool, &settled).await?;
        Ok(due.len())
    }

    /// Sends one claimed mail, or says how it ends without a send (settled with the pass).
    async fn handle(&self, mail: &Mail, stop: Stop) -> anyhow::Result<Option<Unsent>> {
        let to = match &mail.recipient {
            Some(address) => match address.parse::<Mailbox>() {
                Ok(to) => to,
                Err(_) => {
                    outbox::failed(
                        &self.pool,
                        mail.id,
                        mail.attempts,
                        "the recipient is not an e-mail address",
                        None,
                    )
                    .await?;
                    return Ok(None);
                }
            },
            None => match &self.merchant {
                Some(merchant) => merchant.clone(),
                None => return Ok(Some(Unsent::new(mail, Outcome::Skipped, None))),
            },
        };
        // Rendered once: every retry sends the text kept with the row.
        let rendered = match (&mail.subject, &mail.body_text, &mail.body_html) {
            (Some(_), Some(_), Some(_)) => None,
            _ => Some(self.render(mail).await?),
        };
        let Some(transport) = &self.transport else {
            return Ok(Some(Unsent::new(mail, Outcome::Kept, rendered)));
        };
        let (subject, text, html) = match &rendered {
            Some(r) => (r.subject.clone(), r.text.clone(), r.html.clone()),
            None => (
                mail.subject.clone().unwrap_or_default(),
                mail.body_text.clone().unwrap_or_default(),
                mail.body_html.clone().unwrap_or_default(),
            ),
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(self.message_id(mail)))
            .multipart(
                MultiPart::alternative()
                    .singlepart(quoted_printable(ContentType::TEXT_PLAIN, text))
                    .singlepart(quoted_printable(ContentType::TEXT_HTML, html)),
            )
            .context("building the e-mail")?;
        let rendering = rendered.as_ref().map(Rendered::rendering);
        if !outbox::renew_lease(&self.pool, mail.id, mail.attempts, LEASE, rendering).await? {
            tracing::info!("mail taken over by another worker; not sent here");
            return Ok(None);
        }
        // lettre's own timeout bounds only the connection: a server that accepts and then
        // stalls would hold this worker (and every mail after it) for ever.
        let sent = tokio::time::timeout(SMTP_TIMEOUT, transport.send(message)).await;
        let error = match sent {
            Ok(Ok(_)) => {
                if stop == Stop::AfterSend {
                    return Ok(None);
                }
                outbox::finish(&self.pool, mail.id, mail.attempts, Outcome::Sent).await?;
                tracing::info!("mail sent");
                return Ok(None);
            }
            // A permanent refusal (5xx: no such mailbox...) will not change by waiting.
            Ok(Err(e)) if e.is_permanent() => {
                let error: String = format!("SMTP: {e}").chars().take(500).collect();
                tracing::warn!(error = %error, "mail refused for good");
                outbox::failed(&self.pool, mail.id, mail.attempts, &error, None).await?;
                return Ok(None);
            }
            // lettre's error says what the server or the connection did; no credentials.
            Ok(Err(e)) => format!("SMTP: {e}"),
            Err(_) => format!("SMTP: no answer within {} s", SMTP_TIMEOUT.as_secs()),
        };
        let error: String = error.chars().take(500).collect();
        let retry = (mail.attempts < MAX_ATTEMPTS).then(|| self.backoff(mail.attempts));
        tracing::warn!(error = %error, attempts = mail.attempts, "mail not sent");
        outbox::failed(&self.pool, mail.id, mail.attempts, &error, retry).await?;
        Ok(None)
    }

    /// The `Message-ID` of a row: the same on every try, unique per row (and per store).
    pub fn message_id(&self, mail: &Mail) -> String {
        let host = self.base_url.host_str().unwrap_or("localhost");
        let order = mail
            .order_id
            .map(|o| o.0.simple().to_string())
            .unwrap_or_default();
        format!("<outbox.{}.{order}@{host}>", mail.id)
    }

    fn backoff(&self, attempts: i32) -> Duration {
        let doublings = attempts.clamp(1, 16) as u32 - 1;
        (self.interval * 2u32.pow(doublings)).min(MAX_BACKOFF)
    }

    async fn render(&self, mail: &Mail) -> anyhow::Result<super::render::Rendered> {
        let order_id = mail.order_id.context("an order e-mail without an order")?;
        // Every read on one connection: one trip to the pool (and one check of the connection
        // on its way back) per mail, not one per read.
        let mut conn = self.pool.acquire().await?;
        let order = orders::find_any_on(&mut conn, order_id)
            .await?
            .context("the e-mail's order is gone")?;
        let payment = orders::latest_payment(&mut *conn, order_id).await?;
        let delivery = if mail.kind == crate::db::outbox::kind::FULFILMENT {
            crate::db::delivery::delivery_of(&mut *conn, order_id).await?
        } else {
            None
        };
        let mut pictures = Vec::with_capacity(order.lines.len());
        for line in &order.lines {
            pictures.push(
                crate::db::pictures::picture_url(&mut *conn, &self.base_url, line.product_id, 320)
                    .await?,
            );
        }
        drop(conn);
        let base = self.base_url.as_str().trim_end_matches('/');
        let cx = Context {
            site: self.site,
            order: &order,
            payment: payment.as_ref(),
            shopper_link: format!(
                "{base}{}",
                self.links.path(order_id, OffsetDateTime::now_utc())
            ),
            admin_link: format!("{base}/admin/orders/{}", order_id.0),
            pictures,
            delivery: delivery.as_ref(),
        };
        Ok(render(mail, &cx)?)
    }
}

/// One part, always quoted-printable: readable in its raw form (the back office, a test's
/// mail file), and safe for any server, 8BITMIME or not.
fn quoted_printable(kind: ContentType, body: String) -> SinglePart {
    SinglePart::builder()
        .header(kind)
        .header(ContentTransferEncoding::QuotedPrintable)
        .body(body)
}

/// Whether to wait for a busy payment path now: yes while it is busy, until the wait that
/// began at `since` reaches `max`; from then on mail goes out, busy or not, until the worker
/// finds the path quiet (`Mailer::give_way` clears `since`) and the next wait starts afresh.
/// A path merely below its limit for a moment is not quiet: otherwise each pass under
/// steady load would wait the whole `max` again.
pub fn defer(since: &mut Option<Instant>, busy: bool, now: Instant, max: Duration) -> bool {
    if !busy {
        return false;
    }
    let began = *since.get_or_insert(now);
    now.duration_since(began) < max
}

/// Runs forever, draining what is due every interval.
pub async fn run(mailer: Arc<Mailer>) {
    let mut tick = tokio::time::interval(mailer.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match mailer.turn().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(mails = n, "mail pass"),
            Err(e) => tracing::warn!(error = %e, "mail pass failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_waits_for_a_busy_payment_path_for_at_most_the_maximum() {
        let max = Duration::from_secs(60);
        let t0 = Instant::now();
        let at = |secs| t0 + Duration::from_secs(secs);
        let mut since = None;
        assert!(
            !defer(&mut since, false, at(0), max),
            "a free path: mail goes"
        );
        assert!(defer(&mut since, true, at(5), max), "busy: mail waits");
        assert!(defer(&mut since, true, at(64), max), "59 s into the wait");
        assert!(
            !defer(&mut since, true, at(65), max),
            "a minute: mail goes, busy or not"
        );
        assert!(
            !defer(&mut since, true, at(70), max),
            "and keeps going while busy"
        );
        assert!(!defer(&mut since, false, at(75), max), "below its limit");
        assert!(
            !defer(&mut since, true, at(76), max),
            "below its limit for a moment is not quiet: the wait is still over"
        );
        since = None; // the worker found the path quiet (`give_way`)
        assert!(
            defer(&mut since, true, at(80), max),
            "the next rush: a new wait"
        );
        assert!(!defer(&mut since, true, at(140), max));
    }
}
