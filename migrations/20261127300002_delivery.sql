-- Delivery: a product is physical (it needs a delivery address and a shipping option) or
-- digital. Existing products stay digital, so that nothing sold so far changes its checkout;
-- the merchant marks physical goods in the back office.
alter table products add column needs_delivery boolean not null default false;

-- Flat shipping options per site, configured in the back office: a name and a price.
create table shipping_options (
    id bigserial primary key,
    site text not null,
    currency text not null,
    name text not null,
    price_minor bigint not null check (price_minor >= 0),
    active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- An order's delivery: where to, how (the option's name and price as chosen: a later change
-- of the option does not change an order), and what the merchant did about it.
-- The shipping price is part of `orders.total_minor`, so the amount cross-check of every
-- payment includes it; it is written in the statement that sets the total, only while the
-- order has had no payment attempt.
create table order_deliveries (
    order_id uuid primary key references orders (id),
    address jsonb not null,
    shipping_option_id bigint references shipping_options (id),
    shipping_name text not null,
    shipping_minor bigint not null check (shipping_minor >= 0),
    -- Fulfilment: set by the merchant once the order is paid.
    carrier text,
    tracking_code text,
    shipped_at timestamptz,
    delivered_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create index order_deliveries_to_ship_idx on order_deliveries (order_id) where shipped_at is null;
