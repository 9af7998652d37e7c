-- The Mercado Pago preference the wallet and credits options pay an order with.
alter table orders add column preference_id text;
