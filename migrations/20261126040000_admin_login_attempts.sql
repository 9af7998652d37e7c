-- Sign-in attempts per email and per client address, counted BEFORE the password is checked,
-- in one statement whose row locks serialise parallel attempts (db::admin::record_attempt):
-- parallel guesses can no longer all pass a count taken before any of them was recorded.
-- A counter's window starts at its first attempt and lasts 15 minutes.
create table admin_login_attempts (
    -- 'email:<lowercased email>' or 'ip:<client address>'
    subject text primary key,
    attempts integer not null check (attempts >= 0),
    window_started_at timestamptz not null
);
create index admin_login_attempts_window_idx on admin_login_attempts (window_started_at);

-- Failures were recorded after the check; the counters above replace them.
drop table admin_login_failures;
