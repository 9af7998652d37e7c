# syntax=docker/dockerfile:1
# The store's image. Built with the Rust toolchain; run from a small Debian holding only the
# binary: static files, templates and migrations are compiled into it (include_str!, askama,
# sqlx::migrate!), so nothing else from the source tree is read at run time.
#
#   docker build -t checkout .
#
# Builder and runtime share one Debian release so the binary finds the glibc it was linked against.
ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS builder
WORKDIR /src
# Queries are checked against the committed .sqlx/ data: no database while building.
ENV SQLX_OFFLINE=true CARGO_TERM_COLOR=never
COPY . .
# The cache mounts keep downloaded crates and compiled dependencies between builds, so a change
# to the store's own code recompiles only the store.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin checkout \
 && install -D -m 0755 target/release/checkout /out/checkout

FROM debian:${DEBIAN_RELEASE}-slim
# Unpinned on purpose: each rebuild takes the release's current certificates.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --uid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin checkout
COPY --from=builder /out/checkout /usr/local/bin/checkout
# Numeric, so orchestrators that insist on a non-root user can verify it.
USER 10001:10001
ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000
# The store drains on SIGTERM (no new payments, in-flight Mercado Pago calls finish within
# SHUTDOWN_GRACE_SECS); give it that long before a SIGKILL (compose: stop_grace_period).
STOPSIGNAL SIGTERM
# `checkout healthcheck` asks this container's /healthz, so the image needs no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/checkout", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/checkout"]
