-- Payment truth against a hostile Mercado Pago.

-- The payment an order follows: the one its newest attempt made, or the first one that paid it.
-- News of any other payment of the order never moves the order; a second approved one is flagged.
alter table orders add column payment_id bigint;
-- When the wallet preference stops being payable; a new one is made after that.
alter table orders add column preference_expires_at timestamptz;

-- The exact body an attempt sent (its bytes, so a re-send is byte-identical), kept while its outcome is unknown so that it can be sent again
-- under the same idempotency key (Mercado Pago then answers with the payment it made, if any).
-- It carries a single-use card token, never card data, and is cleared once the attempt is settled.
alter table payment_attempts add column request text;

-- A notification is re-driven until a re-read of its payment has been applied.
alter table notifications add column tries integer not null default 0;
alter table notifications add column next_try_at timestamptz not null default now();
alter table notifications add column last_error text;
create index notifications_due_idx on notifications (next_try_at) where processed_at is null;

-- A second payment for one order is something the merchant must see (and usually refund).
alter table anomalies drop constraint anomalies_kind_check;
alter table anomalies add constraint anomalies_kind_check
    check (kind in ('amount_mismatch', 'unknown_reference', 'duplicate_payment'));

-- How far the periodic search of recently updated payments has got (catches dropped webhooks).
create table sweeps (
    name text primary key,
    swept_until timestamptz not null
);
