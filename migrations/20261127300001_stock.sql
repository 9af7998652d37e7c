-- Stock: how many units of a product the store may sell. Null: unlimited (every product made
-- before this, and any the merchant leaves so). The count includes the units already sold:
-- what is left is `stock` minus the units held (`stock_holds`), so neither a payment nor an
-- expiry ever has to write to `products` (the payment path's writes stay single statements).
alter table products add column stock integer check (stock >= 0);

-- The units an order holds of a product with a stock, one row per (order, product), written
-- when the checkout opens the order (and renewed when a lapsed order is paid again).
-- `attempt` is the order's `attempts` when the units were taken: a declined or failed attempt
-- moves the order past it, which releases them without a write (see `stock_holds`).
create table stock_reservations (
    order_id uuid not null references orders (id),
    product_id bigint not null references products (id),
    quantity integer not null check (quantity > 0),
    attempt integer not null,
    expires_at timestamptz not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (order_id, product_id)
);
create index stock_reservations_product_idx on stock_reservations (product_id);

-- Which reservations hold their units now, derived from the order's status so that the
-- outcome of a payment (one conditional write of `orders.status`) releases or consumes them:
-- - a payment under way, pending (Pix, boleto, tickets: until the payment's own expiry
--   cancels the order) or undecided holds them;
-- - a paid order has consumed them (`sold`); a refund or chargeback does not put goods back on
--   the shelf by itself: the merchant adjusts the stock when they come back;
-- - an order waiting to be paid (created, or its last attempt declined) holds them while the
--   reservation is its current attempt's and has not expired;
-- - a cancelled order (expired, replaced, cancelled by the merchant) holds nothing.
create view stock_holds as
select r.product_id, r.order_id, r.quantity,
       o.status in ('paid', 'partially_refunded', 'refunded', 'charged_back') as sold
from stock_reservations r join orders o on o.id = r.order_id
where o.status in ('processing', 'payment_pending', 'payment_in_process', 'payment_unknown',
                   'paid', 'partially_refunded', 'refunded', 'charged_back')
   or (o.status in ('created', 'rejected') and r.attempt = o.attempts and r.expires_at > now());

-- A payment Mercado Pago approved after its units were released and sold to someone else (a
-- late wallet or Pix payment): the merchant must see it, never a silent oversell.
alter table anomalies drop constraint anomalies_kind_check;
alter table anomalies add constraint anomalies_kind_check
    check (kind in ('amount_mismatch', 'unknown_reference', 'duplicate_payment', 'oversold'));

-- Flagged by a trigger on the order's move to paid, so that the payment path's outcome write
-- stays one statement: when the order's limited products now hold more units than exist.
create function flag_oversold() returns trigger language plpgsql as $$
begin
    insert into anomalies (order_id, payment_id, kind, detail)
    select new.id, new.payment_id, 'oversold',
           'oversold: ' || p.name || ' (' || h.held || ' units held or sold, ' || p.stock || ' in stock)'
    from products p
    cross join lateral (
        select coalesce(sum(quantity), 0) as held from stock_holds where product_id = p.id) h
    where p.id in (select product_id from order_items where order_id = new.id)
      and p.stock is not null and h.held > p.stock
    on conflict do nothing;
    return null;
end $$;

create trigger orders_flag_oversold
    after update of status on orders
    for each row
    when (new.status in ('paid', 'partially_refunded')
          and old.status not in ('paid', 'partially_refunded'))
    execute function flag_oversold();
