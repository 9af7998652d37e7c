-- Webhook notifications as received (signature checked). A replay has the same signature and
-- is ignored on insert, so it is harmless.
create table notifications (
    id bigserial primary key,
    dedupe_key text not null unique,
    topic text not null,
    data_id text not null,
    request_id text,
    signed boolean not null,
    received_at timestamptz not null default now(),
    processed_at timestamptz,
    outcome text
);

-- Things the merchant must look at: a payment whose amount differs from its order's, or
-- whose external_reference names no order of ours.
create table anomalies (
    id bigserial primary key,
    order_id uuid references orders (id),
    payment_id bigint,
    kind text not null check (kind in ('amount_mismatch', 'unknown_reference')),
    detail text not null,
    created_at timestamptz not null default now(),
    resolved_at timestamptz,
    unique (payment_id, kind)
);

