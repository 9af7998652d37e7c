-- Orders can be partly refunded.
alter table orders drop constraint orders_status_check;
alter table orders add constraint orders_status_check check (status in (
    'created', 'processing', 'payment_pending', 'payment_in_process', 'payment_unknown',
    'rejected', 'paid', 'partially_refunded', 'cancelled', 'refunded', 'charged_back'));

-- Every change of an order's status: when, from what, to what, and who said so.
create table order_history (
    id bigserial primary key,
    order_id uuid not null references orders (id),
    from_status text not null,
    to_status text not null,
    source text not null check (source in ('checkout', 'webhook', 'reconciliation', 'admin')),
    payment_id bigint,
    note text,
    created_at timestamptz not null default now()
);
create index order_history_order_idx on order_history (order_id, id);
