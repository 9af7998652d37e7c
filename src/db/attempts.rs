//! Payment attempts: the bookkeeping that makes "one order, at most one charge" hold.
//!
//! A submit first *claims* the order in one statement (row lock on the order, a partial
//! unique index allowing one in-flight attempt), then calls Mercado Pago with no transaction
//! or pooled connection held, then *records* the outcome (`payments::apply`).
//!
//! A state an attempt moves to is a typed bind (`AttemptState`); a state a query filters on
//! stays a literal in the SQL, as the partial index `payment_attempts_one_in_flight` names it.

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::domain::order_status::Source;
use crate::domain::Timings;
use crate::domain::{
    AttemptState, Money, MoneyError, OrderId, OrderStatus, PaymentId, PaymentStatus, ShopperId,
    StatusDetail,
};

use super::lending::Lender;
use super::money;
use super::orders::{latest_payment, PaymentLine, PaymentRecord};

/// Bounds on payment attempts, against card testing.
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimits {
    /// Calls to Mercado Pago one order may take.
    pub per_order: i32,
    /// Calls to Mercado Pago one shopper may cause in an hour, over all their orders.
    pub per_shopper_hour: i64,
}

/// Permission to make one call to Mercado Pago for an order.
#[derive(Debug, Clone)]
pub struct Ticket {
    pub order_id: OrderId,
    pub attempt_no: i32,
    /// Deterministic per order attempt: a retry of the same attempt can never charge twice.
    pub idempotency_key: String,
    pub total: Money,
    /// The order's lines, with what the catalog says of each product now, for the body.
    pub lines: Vec<PaymentLine>,
    /// Physical goods: where to, and the shipping price in the total.
    pub delivery: Option<PaymentDelivery>,
}

/// An order's delivery as the payment's body needs it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct PaymentDelivery {
    pub address: crate::domain::DeliveryAddress,
    pub shipping_name: String,
    pub shipping_minor: i64,
}

#[derive(Debug)]
pub enum Claim {
    Proceed(Ticket),
    /// A payment that may still succeed or already did: answer with it, call nobody.
    Replay(PaymentRecord),
    /// Another request is calling Mercado Pago for this order right now.
    InFlight,
    /// An earlier call ended without an answer; its payment may exist.
    Unknown,
    AmountMismatch {
        expected: Money,
    },
    /// Cancelled, refunded or charged back: no more payments.
    Closed(OrderStatus),
    /// The order or the shopper has used up its attempts: no call, against card testing.
    TooManyAttempts,
    /// The order's prices were last checked longer ago than the freshness window: re-check
    /// them against the catalog (`payments::freshness`) before it is paid.
    Stale,
    /// The order's units are no longer held (its reservation expired, or a declined or failed
    /// attempt released them): take them again (`stock::renew`) before it is paid.
    Lapsed,
    /// Physical goods with no delivery chosen yet: nothing to ship to, and no shipping in the
    /// total. The shopper chooses it on the checkout page first.
    DeliveryMissing,
    NotFound,
}

/// What a claim needs besides the order: how long a call can last and how many are allowed.
#[derive(Debug, Clone, Copy)]
pub struct ClaimRules {
    pub timings: Timings,
    pub limits: AttemptLimits,
    /// How long an order's prices stand without a re-check.
    pub freshness: std::time::Duration,
}

pub fn idempotency_key(order_id: OrderId, attempt_no: i32) -> String {
    format!("checkout-{order_id}-{attempt_no}")
}

/// What the shopper submitted, as far as a claim looks at it.
struct Submitted<'a> {
    claimed: &'a Result<Money, MoneyError>,
    claimed_text: &'a str,
    payment_method_id: &'a str,
}

/// Decides, under the order's row lock, whether this submit may call Mercado Pago: one case
/// per state of the order.
///
/// The common case is one statement, committed on its own: it locks the order, counts the
/// shopper's recent calls, and when the order takes this payment it numbers the attempt,
/// inserts it, moves the order to `processing` with its history row, and returns the order's
/// lines for the payment's body. Otherwise it returns what the other cases need (the order's
/// state, why it may not be paid now, its newest payment, since when a call is in flight).
#[tracing::instrument(skip(db, claimed, claimed_text))]
pub async fn claim(
    db: &Lender,
    order_id: OrderId,
    shopper: ShopperId,
    claimed: &Result<Money, MoneyError>,
    claimed_text: &str,
    payment_method_id: &str,
    rules: ClaimRules,
) -> Result<Claim, sqlx::Error> {
    let pool = db.pool();
    let claimed_money = claimed.as_ref().ok();
    // The freshness window is the store's clock, as the re-pricing's is.
    let priced_since = OffsetDateTime::now_utc() - rules.freshness;
    // The row lock is taken first (`o`); every write reads `go`, which reads `o`. The count of
    // the shopper's calls sees the attempts committed when the statement began, as the count
    // over several of the shopper's orders always did; the count of the order's own calls
    // (`attempts`) is the locked row's.
    let mut conn = db.lend().await?;
    let row = sqlx::query!(
        r#"with o as (
               select id, status, total_minor, currency, attempts, priced_at
               from orders where id = $1 and shopper_id = $2 for update),
           calls as (
               -- Per order of the shopper's, through the attempts' `(order_id, attempt_no)`
               -- index: as a join, a plan made while the tables were small (a prepared
               -- statement keeps it) scans every attempt ever made.
               select coalesce(sum((
                          select count(*) from payment_attempts a
                          where a.order_id = s.id and a.attempt_no is not null
                            and a.created_at > now() - interval '1 hour')), 0)::bigint as n
               from o, orders s
               where o.status in ('created', 'rejected') and s.shopper_id = $2),
           checked as (
               select o.*, o.priced_at >= $3 as fresh,
                      coalesce(o.total_minor = $4 and o.currency = $5, false) as amount_ok,
                      o.attempts < $6 and (select n from calls) < $7 as allowed,
                      -- Every limited product's units held by this attempt's reservation, with
                      -- time to spare (`stock::CLAIM_MARGIN`); else the caller renews it.
                      not exists (
                          select from order_items i join products p on p.id = i.product_id
                          left join stock_reservations r
                                 on r.order_id = i.order_id and r.product_id = i.product_id
                          where i.order_id = o.id and p.stock is not null
                            and (r.order_id is null or r.attempt <> o.attempts
                                 or r.expires_at <= now() + make_interval(secs => $13))
                      ) as stock_held,
                      -- For the oversold check (its trigger skips an order without one).
                      exists (
                          select from order_items i join products p on p.id = i.product_id
                          where i.order_id = o.id and p.stock is not null) as limited,
                      -- Physical goods are paid only with their delivery (address, shipping in
                      -- the total): the checkout page asks for it, this makes it a rule.
                      not exists (
                          select from order_items i join products p on p.id = i.product_id
                          where i.order_id = o.id and p.needs_delivery)
                      or exists (select from order_deliveries d where d.order_id = o.id)
                        as delivery_ok
               from o),
           go as (
               select id, status, limited, attempts + 1 as attempt_no,
                      'checkout-' || id::text || '-' || (attempts + 1)::text as idempotency_key
               from checked
               where status in ('created', 'rejected') and fresh and amount_ok and allowed
                 and stock_held and delivery_ok),
           moved as (
               -- The order follows the new attempt from now on: news of an older attempt's
               -- payment can no longer move it (only an approval could, and a later one
               -- would be flagged).
               update orders set attempts = go.attempt_no, payment_id = null, status = $8,
                      limited_stock = go.limited, updated_at = now()
               from go where orders.id = go.id),
           attempt as (
               insert into payment_attempts
               (order_id, attempt_no, idempotency_key, state, payment_method_id, claimed_amount,
                previous_status)
               select id, attempt_no, idempotency_key, $9, $10, $11, status from go
               returning attempt_no, idempotency_key),
           history as (
               insert into order_history (order_id, from_status, to_status, source, note)
               select id, status, $8, $12, idempotency_key from go)
           select c.status as "status!: OrderStatus", c.total_minor as "total_minor!",
                  c.currency as "currency!",
                  c.fresh as "fresh!", c.amount_ok as "amount_ok!", c.allowed as "allowed!",
                  c.stock_held as "stock_held!", c.delivery_ok as "delivery_ok!",
                  a.attempt_no as "attempt_no?", a.idempotency_key as "idempotency_key?",
                  (select coalesce(json_agg(json_build_object(
                              'product_id', i.product_id, 'name', i.name, 'quantity', i.quantity,
                              'unit_price_minor', i.unit_price_minor,
                              'description', p.description, 'category_id', p.category_id)
                              order by i.line_no), '[]')
                   from order_items i left join products p on p.id = i.product_id
                   where i.order_id = c.id and a.attempt_no is not null) as "lines: sqlx::types::Json<Vec<PaymentLine>>",
                  (select json_build_object('address', d.address, 'shipping_name', d.shipping_name,
                                            'shipping_minor', d.shipping_minor)
                   from order_deliveries d
                   where d.order_id = c.id and a.attempt_no is not null) as "delivery: sqlx::types::Json<PaymentDelivery>",
                  case when c.status = 'processing' then
                      (select created_at from payment_attempts
                       where order_id = c.id and state = 'in_flight') end as in_flight_since,
                  r.id as "replay_id?", r.status as "replay_status?: PaymentStatus",
                  r.status_detail as "replay_status_detail?: StatusDetail",
                  r.payment_method_id as "replay_method?", r.payment_type_id as "replay_type?",
                  r.amount_minor as "replay_amount?", r.currency as "replay_currency?",
                  r.raw as "replay_raw?"
           from checked c
           left join attempt a on true
           left join lateral (
               select id, status, status_detail, payment_method_id, payment_type_id,
                      amount_minor, currency, raw
               from payments
               where order_id = c.id
                 and c.status in ('paid', 'partially_refunded', 'payment_pending', 'payment_in_process')
               order by created_at desc, id desc limit 1) r on true"#,
        order_id.0,
        shopper.0,
        priced_since,
        claimed_money.map(|m| m.minor()),
        claimed_money.map(|m| m.currency().code()),
        rules.limits.per_order,
        rules.limits.per_shopper_hour,
        OrderStatus::Processing as OrderStatus,
        AttemptState::InFlight as AttemptState,
        payment_method_id,
        claimed_text,
        Source::Checkout.as_str(),
        super::stock::CLAIM_MARGIN.as_secs_f64(),
    )
    .fetch_optional(&mut *conn)
    .await?;
    conn.give_back();
    let Some(row) = row else {
        return Ok(Claim::NotFound);
    };
    let total = money(row.total_minor, &row.currency)?;
    if let (Some(attempt_no), Some(key)) = (row.attempt_no, row.idempotency_key) {
        debug_assert_eq!(key, idempotency_key(order_id, attempt_no));
        return Ok(Claim::Proceed(Ticket {
            order_id,
            attempt_no,
            idempotency_key: key,
            total,
            lines: row.lines.map(|l| l.0).unwrap_or_default(),
            delivery: row.delivery.map(|d| d.0),
        }));
    }
    let submitted = Submitted {
        claimed,
        claimed_text,
        payment_method_id,
    };
    match row.status {
        OrderStatus::Paid
        | OrderStatus::PartiallyRefunded
        | OrderStatus::PaymentPending
        | OrderStatus::PaymentInProcess => {
            let replayed = match (row.replay_id, row.replay_status, row.replay_status_detail) {
                (Some(id), Some(status), Some(status_detail)) => Some(PaymentRecord {
                    id: PaymentId(id),
                    status,
                    status_detail,
                    payment_method_id: row.replay_method.unwrap_or_default(),
                    payment_type_id: row.replay_type,
                    amount: money(
                        row.replay_amount.unwrap_or_default(),
                        row.replay_currency.as_deref().unwrap_or_default(),
                    )?,
                    raw: row.replay_raw.unwrap_or_default(),
                }),
                // The statement's snapshot predates the lock it waited for: the payment that
                // moved the order may be newer than it. Read again.
                _ => latest_payment(pool, order_id).await?,
            };
            Ok(match replayed {
                Some(p) => Claim::Replay(p),
                None => Claim::Closed(row.status),
            })
        }
        OrderStatus::Processing => {
            let live = row
                .in_flight_since
                .is_some_and(|t| OffsetDateTime::now_utc() - t <= rules.timings.stale_after);
            if live {
                Ok(Claim::InFlight)
            } else {
                in_flight_or_abandoned(pool, order_id, shopper, rules).await
            }
        }
        OrderStatus::PaymentUnknown => Ok(Claim::Unknown),
        OrderStatus::Cancelled | OrderStatus::Refunded | OrderStatus::ChargedBack => {
            Ok(Claim::Closed(row.status))
        }
        OrderStatus::Created | OrderStatus::Rejected => {
            if !row.fresh {
                Ok(Claim::Stale)
            } else if !row.amount_ok {
                refuse_amount(pool, order_id, total, &submitted).await?;
                Ok(Claim::AmountMismatch { expected: total })
            } else if !row.allowed {
                Ok(Claim::TooManyAttempts)
            } else if !row.delivery_ok {
                Ok(Claim::DeliveryMissing)
            } else if !row.stock_held {
                Ok(Claim::Lapsed)
            } else {
                Err(sqlx::Error::Protocol(
                    "a claim that met every condition made no attempt".into(),
                ))
            }
        }
    }
}

/// Another call is under way, unless it outlived any timeout: then its process died, and its
/// payment may exist. Decided again under the order's row lock, in a transaction of its own:
/// the claim's statement may have read the attempts before the call it waited for began. Rare
/// (an abandoned call, or a claim that waited on another), so not folded into the claim.
async fn in_flight_or_abandoned(
    pool: &PgPool,
    order_id: OrderId,
    shopper: ShopperId,
    rules: ClaimRules,
) -> Result<Claim, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(order) = sqlx::query!(
        r#"select status as "status: OrderStatus", attempts,
                  (select created_at from payment_attempts
                   where order_id = o.id and state = 'in_flight') as started
           from orders o where id = $1 and shopper_id = $2 for update"#,
        order_id.0,
        shopper.0
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Claim::NotFound);
    };
    if order.status != OrderStatus::Processing {
        // Settled meanwhile: the shopper's next submit sees where it stands.
        return Ok(Claim::InFlight);
    }
    let stale = order
        .started
        .is_none_or(|t| OffsetDateTime::now_utc() - t > rules.timings.stale_after);
    if !stale {
        return Ok(Claim::InFlight);
    }
    mark_unknown(
        &mut *tx,
        order_id,
        order.attempts,
        "abandoned in flight",
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(Claim::Unknown)
}

/// Keeps a submit whose amount is not the order's total, refused before any call.
async fn refuse_amount(
    pool: &PgPool,
    order_id: OrderId,
    total: Money,
    submitted: &Submitted<'_>,
) -> Result<(), sqlx::Error> {
    let reason = match submitted.claimed {
        Ok(m) => format!(
            "amount {} differs from order total {}",
            m.to_decimal_string(),
            total.to_decimal_string()
        ),
        Err(e) => format!("amount not acceptable: {e}"),
    };
    sqlx::query!(
        r#"insert into payment_attempts (order_id, state, payment_method_id, claimed_amount, error)
           values ($1, $2, $3, $4, $5)"#,
        order_id.0,
        AttemptState::Refused as AttemptState,
        submitted.payment_method_id,
        submitted.claimed_text.chars().take(40).collect::<String>(),
        reason
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The call created nothing (Mercado Pago refused it, or it never left): the order is payable
/// again, in the state it had before the attempt.
///
/// One statement: it locks the order first (as a payment's news does), then settles the
/// attempt unless news of its payment settled it meanwhile, and only an order still waiting
/// on it goes back, with its history row; news that came meanwhile stays.
#[tracing::instrument(skip(pool))]
pub async fn record_failure(
    pool: &PgPool,
    order_id: OrderId,
    attempt_no: i32,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"with o as (
               select id, status from orders where id = $1 for update),
           failed as (
               update payment_attempts set state = $4, error = $3, request = null,
                 updated_at = now()
               where order_id = $1 and attempt_no = $2 and state in ('in_flight', 'unknown')
                 and exists (select from o)
               returning coalesce(previous_status, $5) as previous),
           back as (
               select o.id, o.status as current, failed.previous from o, failed
               where o.status in ('processing', 'payment_unknown')),
           moved as (
               update orders set status = back.previous, updated_at = now()
               from back where orders.id = back.id)
           insert into order_history (order_id, from_status, to_status, source, note)
           select id, current, previous, $6, $3 from back"#,
        order_id.0,
        attempt_no,
        error,
        AttemptState::Failed as AttemptState,
        OrderStatus::Created as OrderStatus,
        Source::Checkout.as_str(),
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The call ended without an answer: the payment may exist, so the order must not be paid again
/// until someone finds out. `request` is the body sent, kept to be sent again under its key.
#[tracing::instrument(skip(pool, request))]
pub async fn record_unknown(
    pool: &PgPool,
    order_id: OrderId,
    attempt_no: i32,
    error: &str,
    request: Option<&str>,
) -> Result<(), sqlx::Error> {
    mark_unknown(pool, order_id, attempt_no, error, request).await
}

/// One statement: locks the order, marks the attempt unknown unless news of its payment
/// (a webhook) settled it meanwhile (then the order already stands where that payment put
/// it), and moves the order to `payment_unknown` with its history row where the forward-only
/// rule allows.
async fn mark_unknown<'e, E>(
    executor: E,
    order_id: OrderId,
    attempt_no: i32,
    error: &str,
    request: Option<&str>,
) -> Result<(), sqlx::Error>
where
    E: sqlx::PgExecutor<'e>,
{
    let to = OrderStatus::PaymentUnknown;
    // The statuses the rule lets move to `payment_unknown`, from the rule itself.
    let movable: Vec<&str> = OrderStatus::ALL
        .into_iter()
        .filter(|s| s.can_move_to(to))
        .map(OrderStatus::as_str)
        .collect();
    sqlx::query!(
        r#"with o as (
               select id, status from orders where id = $1 for update),
           marked as (
               update payment_attempts set state = $5, error = $3,
                 request = coalesce($4, request), updated_at = now()
               where order_id = $1 and attempt_no = $2 and state in ('in_flight', 'unknown')
                 and exists (select from o)
               returning 1),
           m as (
               select id, status from o
               where exists (select from marked) and status = any($7::text[])),
           moved as (
               update orders set status = $6, updated_at = now()
               from m where orders.id = m.id)
           insert into order_history (order_id, from_status, to_status, source, note)
           select id, status, $6, $8, $3 from m"#,
        order_id.0,
        attempt_no,
        error,
        request,
        AttemptState::Unknown as AttemptState,
        to as OrderStatus,
        &movable as &[&str],
        Source::Checkout.as_str(),
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// An attempt whose outcome is unknown: what is needed to find it out.
#[derive(Debug, Clone)]
pub struct UnknownAttempt {
    pub attempt_no: i32,
    pub idempotency_key: String,
    /// When the attempt began: its calls all lie within `Timings::call_budget` of it.
    pub started: OffsetDateTime,
    /// The body its call sent, when it was kept.
    pub request: Option<String>,
}

/// The order's newest attempt whose outcome is unknown.
pub async fn unknown_attempt(
    pool: &PgPool,
    order_id: OrderId,
) -> Result<Option<UnknownAttempt>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select attempt_no as "attempt_no!", idempotency_key as "idempotency_key!", created_at, request
           from payment_attempts
           where order_id = $1 and state = 'unknown' and attempt_no is not null
           order by attempt_no desc limit 1"#,
        order_id.0
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| UnknownAttempt {
        attempt_no: r.attempt_no,
        idempotency_key: r.idempotency_key,
        started: r.created_at,
        request: r.request,
    }))
}
