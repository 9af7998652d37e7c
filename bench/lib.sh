# What the benchmark scripts share (sourced; each defines `say` and `server` first): the
# processes to stop on exit, fresh databases, and the store with its emulator as bench/run
# runs them.
pids=()
# Waits for them too: a run started right after would otherwise find their ports still taken.
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# A new, empty database; or, with a second argument, a copy of that one.
fresh_db() { psql "$server/postgres" -qc "drop database if exists $1" -c "create database $1 ${2:+template $2}" >/dev/null 2>&1; }
wait_up() { for _ in $(seq 1 100); do curl -sf "$1" >/dev/null && return 0; sleep 0.2; done; say "$1 did not start"; exit 1; }

# The emulator runs as its own process, as Mercado Pago would be: the store's CPU and memory
# figures are then the store's own. It runs on one worker thread (`SANDBOX_WORKERS`, default 1):
# on two, its threads waking at the 300 ms crowd's answers cost every process more per
# payment. The store talks to it as to the real API (TEST- token).
# BENCH_STORE_ENV: more settings for the store, as NAME=value words (a diagnostic such as
# MAIL_INTERVAL_SECS=3600); none by default.
start_store() { # port, sandbox delay ms, database
  local mp_port=$(($1 + 5))
  fresh_db "$3"
  # The store's loopback base URL sends no notification_url: the emulator's "panel" URL does.
  MP_SITE=MLB HOST=127.0.0.1 PORT=$mp_port DATABASE_URL="$server/$3" SANDBOX_RESPONSE_DELAY_MS=$2 \
    SANDBOX_FAULTS="{\"webhook_url\": \"http://127.0.0.1:$1/webhooks/mercadopago?source_news=webhooks\"}" \
    MP_WEBHOOK_SECRET=bench-secret RUST_LOG=error target/release/checkout sandbox >/dev/null 2>&1 &
  pids+=($!)
  mp_pid=$!
  wait_up "http://127.0.0.1:$mp_port/sandbox/control/requests"
  export MP_BASE="http://127.0.0.1:$mp_port"
  # Every simulated shopper comes from 127.0.0.1 and workload 1 shares one session: budgets
  # at their maximum keep the limiter's cost in the measurement without refusing anyone.
  RATE_LIMIT_CHECKOUT_PER_IP=1000000 RATE_LIMIT_CHECKOUT_PER_SESSION=1000000 \
    RATE_LIMIT_PAYMENT_PER_IP=1000000 RATE_LIMIT_RETURN_PER_IP=1000000 \
    DATABASE_URL="$server/$3" HOST=127.0.0.1 PORT=$1 APP_BASE_URL="http://127.0.0.1:$1" \
    MP_SITE=MLB MP_ACCESS_TOKEN=TEST-bench-access-token MP_PUBLIC_KEY=TEST-bench-public-key \
    MP_API_BASE="$MP_BASE" MP_SDK_URL="$MP_BASE/js/v2" SESSION_KEY="$(printf 'b%.0s' $(seq 1 64))" \
    MP_TIMEOUT_SECS=30 MP_WEBHOOK_SECRET=bench-secret RECONCILE_INTERVAL_SECS=3600 RUST_LOG=error \
    env ${BENCH_STORE_ENV:-} target/release/checkout >/dev/null 2>&1 &
  pids+=($!)
  store_pid=$!
  wait_up "http://127.0.0.1:$1/healthz"
}
