-- An order's mails are queued by the mail worker from its history, no longer by a trigger in
-- the statement that moved the order. The trigger took 0.34 ms of a payment's 1.7 ms in
-- PostgreSQL (`bench/roundtrips`, one payment at a time), all of it on the shopper's wait,
-- and it was the largest part of the payment's outcome write. The guarantee is
-- the same: the history row is written in the same statement as the move, every path writes
-- one, and it stays due here (`mailed_at` null) until the transaction that queues its mails
-- marks it. The mails are still decided as of the move (the payment's status detail is kept
-- with it), only later: at the worker's next turn, seconds after, or after a rush of
-- payments (the worker waits for them, `mail::worker`).
alter table order_history add column mailed_at timestamptz;
-- The payment's status detail when the move was written (`db::payments::record`): whether a
-- pending payment waits for the shopper to pay (Pix, tickets) is read from it, not from
-- what the payment has become by the worker's turn.
alter table order_history add column status_detail text;

-- Every row written so far had its mails queued by the trigger, in its own transaction.
update order_history set mailed_at = created_at
where to_status in ('paid', 'payment_pending', 'rejected', 'cancelled');

-- The worker's only way in: one entry per move still to mail, gone from its scans once marked.
create index order_history_mail_due_idx on order_history (id)
    where mailed_at is null and to_status in ('paid', 'payment_pending', 'rejected', 'cancelled');

drop trigger order_history_outbox on order_history;
drop function outbox_on_order_history();

-- The mails of one history row: the trigger's statement, reading `h` where it read `new`, and
-- the move's own status detail where it has one.
-- `confirmed` is read before any of them is written, by the confirmation's own key (only
-- this function queues confirmations, always under that key). Its plan is the generic one: a
-- custom plan, with the row's values folded in, always looks cheaper to PL/pgSQL, which then
-- planned the statement afresh on every call.
create function outbox_for_history(h order_history) returns void language plpgsql
set plan_cache_mode = force_generic_plan as $$
begin
    insert into outbox (kind, dedup_key, order_id, payment_id, event_status, recipient)
    select m.kind, m.dedup_key, h.order_id, pay.id, h.to_status, m.recipient
    from (select exists (select from outbox o
                         where o.dedup_key = 'confirmation:' || h.order_id) as confirmed) c
    left join lateral (
        select p.id, p.status_detail, nullif(p.raw->'payer'->>'email', '') as email
        from payments p where p.order_id = h.order_id
        order by (p.id is not distinct from h.payment_id) desc, p.created_at desc, p.id desc
        limit 1) pay on true
    cross join lateral (values
        -- The merchant hears of every paid order, with or without the shopper's address.
        ('merchant_paid', 'merchant_paid:' || h.order_id, null::text,
         h.to_status = 'paid'),
        -- The first payment outcome: approved, or waiting for the shopper to pay (Pix, tickets).
        ('confirmation', 'confirmation:' || h.order_id, pay.email,
         pay.email is not null and not c.confirmed
         and (h.to_status = 'paid' or (h.to_status = 'payment_pending'
              and coalesce(h.status_detail, pay.status_detail)
                  in ('pending_waiting_transfer', 'pending_waiting_payment')))),
        -- A payment the shopper was told is pending was decided.
        ('payment_status',
         'payment_status:' || h.order_id || ':' || coalesce(pay.id::text, '-') || ':'
           || h.to_status,
         pay.email,
         pay.email is not null and c.confirmed
         and h.to_status in ('paid', 'rejected', 'cancelled')
         and h.from_status in ('payment_pending', 'payment_in_process'))
    ) m (kind, dedup_key, recipient, due)
    where m.due
    on conflict (dedup_key) do nothing;
end $$;

-- Queues the mails of up to `p_limit` moves still to mail, oldest first, and marks them, in
-- the caller's transaction. Returns how many moves it read: fewer than `p_limit` when none
-- are left, and 0 when another worker is at it. One worker at a time, because an order's
-- moves must be read in their order: whether a confirmation went out decides the next mail.
-- In that order they are complete: each move of an order commits under the order's row lock
-- before the next one takes it, so a later move visible here has every earlier one visible.
create function outbox_derive(p_limit integer) returns integer language plpgsql as $$
declare
    h order_history;
    read bigint[] := '{}';
begin
    -- The key is this function's alone (`hashtext('outbox_derive')` is not stable across
    -- major versions, a constant is).
    if not pg_try_advisory_xact_lock(730106) then
        return 0;
    end if;
    for h in select * from order_history
             where mailed_at is null
               and to_status in ('paid', 'payment_pending', 'rejected', 'cancelled')
             order by id limit p_limit loop
        perform outbox_for_history(h);
        read := read || h.id;
    end loop;
    update order_history set mailed_at = now() where id = any(read);
    return cardinality(read);
end $$;
