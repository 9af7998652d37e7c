use checkout::configuration::Settings;
use checkout::startup::Application;
use checkout::telemetry;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    Application::build(settings)
        .await?
        .run_until_stopped()
        .await?;
    Ok(())
}
