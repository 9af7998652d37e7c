-- When the reconciliation worker should next ask Mercado Pago about an undecided order, and
-- how many times it has asked.
alter table orders add column next_check_at timestamptz;
alter table orders add column checks integer not null default 0;
create index orders_due_idx on orders (next_check_at)
    where status in ('processing', 'payment_unknown', 'payment_pending', 'payment_in_process');
