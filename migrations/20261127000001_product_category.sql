-- Mercado Pago's item category of a product (`GET /item_categories` ids: `electronics`,
-- `fashion`...), sent as `additional_info.items[].category_id` for fraud scoring. Null: none
-- chosen, nothing sent. The list is checked by `domain::ItemCategory`, not here, so a category
-- Mercado Pago adds later needs no migration.
alter table products add column category_id text null;
