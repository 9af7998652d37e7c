use std::io::BufRead;

use checkout::configuration::Settings;
use checkout::startup::{database, Application};
use checkout::telemetry;

/// With ten thousand shoppers waiting, glibc's malloc spent a fifth of the store's CPU (its
/// free-list consolidation, in a heap of many long-lived small blocks) and fragmented: with
/// jemalloc the same run peaked at 238 MiB instead of 288 (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("doctor" | "healthcheck") => telemetry::init_for_command(),
        _ => telemetry::init(),
    }
    if std::env::args().nth(1).as_deref() == Some("healthcheck") {
        // The container's health check: no settings needed, and no curl in the image.
        std::process::exit(checkout::health_check::run().await);
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await?
        }
        ["sandbox"] => {
            let config = mercadopago_sandbox::SandboxConfig::for_site(
                settings.site.id(),
                secrecy::ExposeSecret::expose_secret(&settings.mercadopago.webhook_secret),
            )
            .ok_or_else(|| anyhow::anyhow!("the emulator knows no site {}", settings.site.id()))?;
            let mut config = config.with_faults_from_env().map_err(anyhow::Error::msg)?;
            config.response_delay = settings.sandbox_delay;
            tracing::warn!(host = %settings.host, port = settings.port, "Mercado Pago emulator only (no store)");
            mercadopago_sandbox::serve(
                config,
                &settings.host,
                settings.port,
                settings.sandbox_workers,
            )
            .await?
        }
        ["doctor"] => {
            let report = checkout::doctor::run(&settings).await;
            print!("{report}");
            if report.failed() {
                std::process::exit(1);
            }
        }
        ["create-admin", email] => {
            // From standard input, so the password is in no shell history or process list.
            eprintln!("password for {email} (at least 12 characters), then Enter:");
            let password = std::io::stdin()
                .lock()
                .lines()
                .next()
                .transpose()?
                .unwrap_or_default();
            let pool = database(&settings).await?;
            checkout::routes::admin::auth::create_admin(
                &pool,
                email,
                password.trim_end_matches(['\r', '\n']),
            )
            .await?;
            eprintln!("{email} can now sign in at /admin");
        }
        _ => {
            eprintln!("usage: checkout                     run the store\n       checkout create-admin EMAIL  create or reset a back-office account (password on stdin)\n       checkout doctor              check database, credentials, public URL and CSP before going live\n       checkout sandbox             run only the Mercado Pago emulator on HOST:PORT\n       checkout healthcheck         exit 0 when the store on PORT answers /healthz");
            std::process::exit(2);
        }
    }
    Ok(())
}
