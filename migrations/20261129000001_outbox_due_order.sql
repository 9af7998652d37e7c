-- The mail worker takes the oldest due mails 20 at a time, in (next_attempt_at, id) order. On
-- (next_attempt_at) alone every pass had to sort every queued mail to find those 20: 5-8 ms a
-- pass with 7,500 queued after a burst, growing with the backlog, and the worker now passes
-- until the backlog is drained. In the claim's own order, a pass reads 20 index entries.
drop index outbox_due_idx;
create index outbox_due_idx on outbox (next_attempt_at, id) where status = 'queued';
