-- The vocabulary checks on the rows a payment writes (and its mails), with the same values,
-- checked for less.
--
-- PostgreSQL keeps a CHECK constraint as the text of its expression tree and parses it again
-- in every statement that writes the table. An `in (…)` list is one array constant, written
-- out byte by byte: `orders_status_check` is 2,440 characters. A payment's claim and outcome
-- write orders, attempts and history rows twice each, and in a profile of workload 2
-- (`bench/cpu-per-payment`) `ExecConstraints` took 6.6% of PostgreSQL's time, mostly in
-- `stringToNode`. An insert into a table with that list took 14–24 µs against 6.4 µs without
-- it; with a cast to an enum holding the same values, 4.7–9 µs.
--
-- The enums are the checks' vocabulary only: the columns stay text, as every statement and
-- the Rust enums (`domain::OrderStatus` and friends) read and write them. A value outside
-- the list is refused as before, by the cast ("invalid input value for enum order_status").
-- A new value goes into both the Rust enum and the type (`alter type … add value`). The
-- lists of tables a payment does not write stay as they were.
create type order_status as enum (
    'created', 'processing', 'payment_pending', 'payment_in_process', 'payment_unknown',
    'rejected', 'paid', 'partially_refunded', 'cancelled', 'refunded', 'charged_back');
create type attempt_state as enum ('in_flight', 'completed', 'failed', 'unknown', 'refused');
create type history_source as enum ('checkout', 'webhook', 'reconciliation', 'admin');
create type mail_status as enum ('queued', 'sent', 'kept', 'skipped', 'failed');

alter table orders drop constraint orders_status_check,
    add constraint orders_status_check check (status::order_status is not null);
alter table payment_attempts drop constraint payment_attempts_state_check,
    add constraint payment_attempts_state_check check (state::attempt_state is not null);
alter table order_history drop constraint order_history_source_check,
    add constraint order_history_source_check check (source::history_source is not null);
alter table outbox drop constraint outbox_status_check,
    add constraint outbox_status_check check (status::mail_status is not null);
