-- An order is the server's truth about a purchase: what was bought, at which price, and
-- where its payment stands. The session only remembers the order's id.
create table orders (
    id uuid primary key,
    shopper_id uuid not null,
    site text not null,
    currency text not null,
    total_minor bigint not null check (total_minor > 0),
    status text not null default 'created' check (status in (
        'created', 'processing', 'payment_pending', 'payment_in_process', 'payment_unknown',
        'rejected', 'paid', 'cancelled', 'refunded', 'charged_back')),
    -- Which cart the order was made from, so an unchanged cart reuses it.
    cart_fingerprint text not null,
    -- Number of calls to Mercado Pago made for this order so far; names the next idempotency key.
    attempts integer not null default 0,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index orders_shopper_idx on orders (shopper_id);
create index orders_status_idx on orders (status, updated_at);

create table order_items (
    order_id uuid not null references orders (id),
    line_no integer not null,
    product_id bigint not null references products (id),
    name text not null,
    unit_price_minor bigint not null check (unit_price_minor > 0),
    quantity integer not null check (quantity > 0),
    line_total_minor bigint not null,
    primary key (order_id, line_no)
);

-- Every submit of the payment form, including those refused before Mercado Pago was called.
create table payment_attempts (
    id bigserial primary key,
    order_id uuid not null references orders (id),
    -- Null for refused submits, which never reach Mercado Pago.
    attempt_no integer,
    idempotency_key text unique,
    state text not null check (state in ('in_flight', 'completed', 'failed', 'unknown', 'refused')),
    payment_method_id text,
    claimed_amount text,
    -- The order status to return to when the call fails without creating a payment.
    previous_status text,
    payment_id bigint,
    error text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (order_id, attempt_no)
);
-- The database itself refuses a second concurrent call to Mercado Pago for one order.
create unique index payment_attempts_one_in_flight on payment_attempts (order_id) where state = 'in_flight';

-- Payments as Mercado Pago reported them.
create table payments (
    id bigint primary key,
    order_id uuid not null references orders (id),
    attempt_no integer,
    status text not null,
    status_detail text not null,
    payment_method_id text not null,
    payment_type_id text,
    currency text not null,
    amount_minor bigint not null,
    refunded_minor bigint not null default 0,
    raw jsonb not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index payments_order_idx on payments (order_id, created_at desc);
