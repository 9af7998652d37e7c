-- Merchant accounts for the back office; passwords as argon2 hashes (PHC strings).
create table admins (
    id bigserial primary key,
    email text not null unique,
    password_hash text not null,
    created_at timestamptz not null default now()
);

-- Back-office sessions, separate from shoppers': the cookie holds a random token, the
-- database its SHA-256, so a leaked table signs nobody in.
create table admin_sessions (
    token_hash text primary key,
    admin_id bigint not null references admins (id),
    csrf_token text not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null
);

-- Failed sign-ins, to slow down guessing.
create table admin_login_failures (
    id bigserial primary key,
    email text not null,
    ip text not null,
    at timestamptz not null default now()
);
create index admin_login_failures_idx on admin_login_failures (at);

-- Refunds asked for from the back office. The key comes from the form, so a double click
-- (or a retry) asks Mercado Pago once.
create table refunds (
    id bigserial primary key,
    idempotency_key text not null unique,
    payment_id bigint not null references payments (id),
    order_id uuid not null references orders (id),
    amount_minor bigint not null check (amount_minor > 0),
    state text not null check (state in ('requested', 'done', 'failed')),
    mp_refund_id bigint,
    error text,
    admin_id bigint references admins (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
