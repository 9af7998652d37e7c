-- When the order's prices were last checked against the catalog: an order older than the
-- freshness window is re-priced before it is paid, and one left unpaid expires.
alter table orders add column priced_at timestamptz not null default now();
update orders set priced_at = created_at;
-- The worker's search for unpaid orders to expire.
create index orders_unpaid_idx on orders (priced_at) where status in ('created', 'rejected');

-- An anomaly the merchant has looked into is marked handled, by whom, so it leaves the
-- dashboard and the "anomaly open" alert.
alter table anomalies add column resolved_by bigint references admins (id);
