-- The oversold check ran PL/pgSQL on every order moving to paid, 0.07-0.10 ms of a payment in
-- PostgreSQL (`bench/roundtrips`), and for most orders found no limited product to check.
-- The claim now tells whether the order has one (`limited_stock`, written by the claim's own
-- update of the order, so no write is added), and the trigger's WHEN clause skips the others
-- without entering PL/pgSQL.
--
-- True by default: an order paid without a claim of ours (a wallet payment through its
-- preference) is checked as before. What is skipped is an order with no limited product at
-- its last claim. It holds no reservation, so it is not counted in `stock_holds` and cannot
-- itself oversell; had another order oversold a product with it (a stock the merchant set
-- after that claim), the check would only repeat what that order's own payment flagged.
alter table orders add column limited_stock boolean not null default true;

drop trigger orders_flag_oversold on orders;
create trigger orders_flag_oversold
    after update of status on orders
    for each row
    when (new.limited_stock
          and new.status in ('paid', 'partially_refunded')
          and old.status not in ('paid', 'partially_refunded'))
    execute function flag_oversold();
