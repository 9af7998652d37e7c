//! The e-mail outbox: mails to send, claimed and sent by the mail worker, shown in the back
//! office. A payment's mails are queued from the order's history by the worker ([`derive`];
//! `migrations/20261201000001_mail_from_history.sql` says why); other mails are written in
//! the same transaction as the change that causes them ([`queue`]).

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::domain::{OrderId, PaymentId};

/// What an e-mail is about. [`derive`] queues the first three; other code queues its own
/// kinds with [`queue`].
pub mod kind {
    /// To the shopper, on the order's first payment outcome (approved, or how to pay).
    pub const CONFIRMATION: &str = "confirmation";
    /// To the shopper, when a payment they were told is pending is decided.
    pub const PAYMENT_STATUS: &str = "payment_status";
    /// To the merchant (`MERCHANT_EMAIL`), when an order is paid.
    pub const MERCHANT_PAID: &str = "merchant_paid";
    /// To the shopper, when the merchant marks the order shipped or delivered (the step is
    /// the row's `event_status`).
    pub const FULFILMENT: &str = "fulfilment";
}

/// One e-mail to queue.
#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    /// See [`kind`]; a kind the worker does not know is kept, not sent.
    pub kind: &'a str,
    pub order_id: OrderId,
    pub payment_id: Option<PaymentId>,
    /// The status (or step, e.g. `shipped`) the e-mail tells about; part of the dedup key.
    pub event_status: &'a str,
    /// `None`: the merchant.
    pub recipient: Option<&'a str>,
}

impl NewMail<'_> {
    /// One e-mail per order, kind and status: the same news twice queues it once.
    pub fn dedup_key(&self) -> String {
        format!("{}:{}:{}", self.kind, self.order_id, self.event_status)
    }
}

/// Queues an e-mail, once per [`NewMail::dedup_key`]; pass the transaction (or the single
/// statement's executor) of the change that causes it, so both commit or neither does.
/// True when this call queued it, false when it was already queued.
pub async fn queue<'e, E>(executor: E, mail: &NewMail<'_>) -> Result<bool, sqlx::Error>
where
    E: sqlx::PgExecutor<'e>,
{
    let done = sqlx::query!(
        r#"insert into outbox (kind, dedup_key, order_id, payment_id, event_status, recipient)
           values ($1, $2, $3, $4, $5, $6) on conflict (dedup_key) do nothing"#,
        mail.kind,
        mail.dedup_key(),
        mail.order_id.0,
        mail.payment_id.map(|p| p.0),
        mail.event_status,
        mail.recipient
    )
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A row of the outbox.
#[derive(Debug, Clone)]
pub struct Mail {
    pub id: i64,
    pub kind: String,
    pub order_id: Option<OrderId>,
    pub payment_id: Option<PaymentId>,
    pub event_status: Option<String>,
    pub recipient: Option<String>,
    pub status: String,
    pub subject: Option<String>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
}

macro_rules! mail_of {
    ($r:expr) => {
        Mail {
            id: $r.id,
            kind: $r.kind,
            order_id: $r.order_id.map(OrderId),
            payment_id: $r.payment_id.map(PaymentId),
            event_status: $r.event_status,
            recipient: $r.recipient,
            status: $r.status,
            subject: $r.subject,
            body_text: $r.body_text,
            body_html: $r.body_html,
            attempts: $r.attempts,
            last_error: $r.last_error,
            created_at: $r.created_at,
            sent_at: $r.sent_at,
        }
    };
}

/// Queues the mails of up to `limit` order moves that have none queued yet, oldest first
/// (`outbox_derive`, in migrations). Returns how many moves it read: 0 also when another
/// worker is deriving. A move's mails and its mark commit together, so none is queued twice
/// and none is skipped.
pub async fn derive(pool: &PgPool, limit: i32) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(r#"select outbox_derive($1) as "read!""#, limit)
        .fetch_one(pool)
        .await
}

/// Claims up to `limit` due mails for `lease`: other workers (other instances) skip them
/// while the lease lasts; a worker that dies holding one loses it when the lease ends.
pub async fn claim(
    pool: &PgPool,
    limit: i64,
    lease: std::time::Duration,
) -> Result<Vec<Mail>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"with due as (
               select id from outbox
               where status = 'queued' and next_attempt_at <= now()
                 and (claimed_until is null or claimed_until < now())
               order by next_attempt_at, id limit $1
               for update skip locked)
           update outbox o set claimed_until = now() + make_interval(secs => $2),
                  attempts = o.attempts + 1, updated_at = now()
           from due where o.id = due.id
           returning o.id, o.kind, o.order_id, o.payment_id, o.event_status, o.recipient,
                     o.status, o.subject, o.body_text, o.body_html, o.attempts, o.last_error,
                     o.created_at, o.sent_at"#,
        limit,
        lease.as_secs_f64()
    )
    .fetch_all(pool)
    .await?;
    let mut mails: Vec<Mail> = rows.into_iter().map(|r| mail_of!(r)).collect();
    mails.sort_by_key(|m| m.id);
    Ok(mails)
}

/// A mail's text as rendered by the worker, kept so that every retry sends the same text.
#[derive(Debug, Clone, Copy)]
pub struct Rendering<'a> {
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

/// Extends this worker's lease on a row right before it is sent, so a long batch never lets
/// another worker claim a row still to be sent here, and keeps the rendering made for this
/// send in the same write. False: the row is no longer this claim's (its lease ran out and
/// another worker took it), so it must not be sent, and its rendering is not kept.
pub async fn renew_lease(
    pool: &PgPool,
    id: i64,
    claim: i32,
    lease: std::time::Duration,
    rendering: Option<Rendering<'_>>,
) -> Result<bool, sqlx::Error> {
    let renewed = sqlx::query!(
        r#"update outbox set claimed_until = now() + make_interval(secs => $3),
                  subject = coalesce($4, subject), body_text = coalesce($5, body_text),
                  body_html = coalesce($6, body_html),
                  updated_at = case when $4::text is null then updated_at else now() end
           where id = $1 and attempts = $2 and status = 'queued'"#,
        id,
        claim,
        lease.as_secs_f64(),
        rendering.map(|r| r.subject),
        rendering.map(|r| r.text),
        rendering.map(|r| r.html),
    )
    .execute(pool)
    .await?;
    Ok(renewed.rows_affected() == 1)
}

/// Where a claimed mail ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// No SMTP server configured: kept for the back office.
    Kept,
    /// Nobody to send it to.
    Skipped,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Kept => "kept",
            Outcome::Skipped => "skipped",
        }
    }
}

/// A claimed mail's end, with the rendering made for it in this pass, if any.
#[derive(Debug, Clone, Copy)]
pub struct Settled<'a> {
    pub id: i64,
    /// The row's `attempts` when it was claimed: a worker whose lease ran out (and whose row
    /// another worker claimed since, counting one more attempt) changes nothing.
    pub claim: i32,
    pub outcome: Outcome,
    pub rendering: Option<Rendering<'a>>,
}

/// Settles one claimed mail.
pub async fn finish(
    pool: &PgPool,
    id: i64,
    claim: i32,
    outcome: Outcome,
) -> Result<(), sqlx::Error> {
    settle(
        pool,
        &[Settled {
            id,
            claim,
            outcome,
            rendering: None,
        }],
    )
    .await
}

/// Settles claimed mails in one statement: a pass's mails that are kept or skipped here need
/// no send, so they share one write and one commit instead of one or two each.
pub async fn settle(pool: &PgPool, mails: &[Settled<'_>]) -> Result<(), sqlx::Error> {
    if mails.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = mails.iter().map(|m| m.id).collect();
    let claims: Vec<i32> = mails.iter().map(|m| m.claim).collect();
    let outcomes: Vec<&str> = mails.iter().map(|m| m.outcome.as_str()).collect();
    let subjects: Vec<Option<&str>> = mails
        .iter()
        .map(|m| m.rendering.map(|r| r.subject))
        .collect();
    let texts: Vec<Option<&str>> = mails.iter().map(|m| m.rendering.map(|r| r.text)).collect();
    let htmls: Vec<Option<&str>> = mails.iter().map(|m| m.rendering.map(|r| r.html)).collect();
    sqlx::query!(
        r#"update outbox o set status = s.outcome, claimed_until = null, last_error = null,
                  subject = coalesce(s.subject, o.subject),
                  body_text = coalesce(s.body_text, o.body_text),
                  body_html = coalesce(s.body_html, o.body_html),
                  sent_at = case when s.outcome = 'sent' then now() else o.sent_at end,
                  updated_at = now()
           from unnest($1::int8[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::text[])
                  as s(id, claim, outcome, subject, body_text, body_html)
           where o.id = s.id and o.attempts = s.claim"#,
        &ids,
        &claims,
        &outcomes as &[&str],
        &subjects as &[Option<&str>],
        &texts as &[Option<&str>],
        &htmls as &[Option<&str>],
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A failed send: tried again after `retry_in`, or given up (`failed`) when `None`.
/// `error` must name what failed without any secret (no SMTP URL, no password).
pub async fn failed(
    pool: &PgPool,
    id: i64,
    claim: i32,
    error: &str,
    retry_in: Option<std::time::Duration>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"update outbox set claimed_until = null, last_error = $2,
                  status = case when $3::float8 is null then 'failed' else 'queued' end,
                  next_attempt_at = now() + make_interval(secs => coalesce($3::float8, 0)),
                  updated_at = now()
           where id = $1 and attempts = $4 and status = 'queued'"#,
        id,
        error,
        retry_in.map(|d| d.as_secs_f64()),
        claim
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The newest mails, for the back office's list.
pub async fn recent(pool: &PgPool, limit: i64) -> Result<Vec<Mail>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select id, kind, order_id, payment_id, event_status, recipient, status, subject,
                  body_text, body_html, attempts, last_error, created_at, sent_at
           from outbox order by id desc limit $1"#,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| mail_of!(r)).collect())
}

/// One mail, for the back office.
pub async fn find(pool: &PgPool, id: i64) -> Result<Option<Mail>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select id, kind, order_id, payment_id, event_status, recipient, status, subject,
                  body_text, body_html, attempts, last_error, created_at, sent_at
           from outbox where id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| mail_of!(r)))
}
