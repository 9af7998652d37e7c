-- What the payment path's statements cost PostgreSQL (issue 15), with the same results.

-- The outbox triggers call outbox_queue once or twice per payment outcome. As LANGUAGE sql,
-- called from PL/pgSQL's PERFORM, it cannot be inlined, and its insert was planned anew on
-- every call (a third of the trigger's time). As PL/pgSQL its plan is kept per connection.
create or replace function outbox_queue(
    p_kind text, p_dedup text, p_order uuid, p_payment bigint, p_status text, p_recipient text)
returns void language plpgsql as $$
begin
    insert into outbox (kind, dedup_key, order_id, payment_id, event_status, recipient)
    values (p_kind, p_dedup, p_order, p_payment, p_status, p_recipient)
    on conflict (dedup_key) do nothing;
end
$$;

-- Mercado Pago's answer (about 3 KB of JSON per payment) is compressed as it is stored; lz4
-- takes a fraction of the default pglz's CPU. A server built without lz4 keeps pglz.
do $$
begin
    alter table payments alter column raw set compression lz4;
exception when others then
    raise notice 'payments.raw keeps the default compression: %', sqlerrm;
end
$$;
