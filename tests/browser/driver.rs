//! Headless Debian Chromium driven through chromedriver, one fresh profile per test.

use std::cell::RefCell;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{eventually, holds_within};
use fantoccini::{Client, ClientBuilder, Locator};

pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: std::path::PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn start() -> Browser {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let chromedriver =
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let chrome = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let port = free_port();
    let driver = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("start {chromedriver} (run ./scripts/test, which installs it): {e}")
        });
    let profile =
        std::env::temp_dir().join(format!("checkout-chrome-{}", uuid::Uuid::new_v4().simple()));
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chrome,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1280,1800", format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let caps: serde_json::Map<String, serde_json::Value> = caps.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{port}");
    // chromedriver takes a moment to listen; its first answers may be refusals.
    let connected = RefCell::new(None);
    let last = RefCell::new(None);
    holds_within(Duration::from_secs(10), || async {
        match ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => *connected.borrow_mut() = Some(client),
            Err(e) => *last.borrow_mut() = Some(e),
        }
        connected.borrow().is_some()
    })
    .await;
    match connected.into_inner() {
        Some(client) => Browser {
            client,
            driver,
            profile,
        },
        None => panic!("chromedriver did not answer: {:?}", last.into_inner()),
    }
}

impl Browser {
    /// Waits for an element, up to 10 s.
    pub async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    pub async fn click(&self, css: &str) {
        self.wait(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Waits until the page's path starts with `prefix`.
    pub async fn wait_for_path(&self, prefix: &str) -> String {
        self.wait_for_url(&format!("the page's path starts with {prefix}"), |url| {
            url.path().starts_with(prefix)
        })
        .await
        .path()
        .to_string()
    }

    /// Waits (10 s) until the page's address satisfies `check`, and returns it.
    pub async fn wait_for_url(&self, what: &str, check: impl Fn(&url::Url) -> bool) -> url::Url {
        eventually(what, Duration::from_secs(10), || async {
            check(&self.client.current_url().await.unwrap())
        })
        .await;
        self.client.current_url().await.unwrap()
    }

    /// Waits (15 s: a webhook or the page's own poll, then its reload) until the page says
    /// `words`.
    pub async fn wait_for_text(&self, words: &str) {
        let found = holds_within(Duration::from_secs(15), || async {
            self.text().await.contains(words)
        })
        .await;
        assert!(
            found,
            "the page never said {words:?}: {}",
            self.text().await
        );
    }

    /// The page's text. The result page reloads itself when the payment changes, so an
    /// element found just before a reload can go stale (Chromium may say so as a stale
    /// element or as a node that no longer belongs to the document): look again.
    pub async fn text(&self) -> String {
        let text = RefCell::new(None);
        let read = holds_within(Duration::from_secs(5), || async {
            match self.wait("body").await.text().await {
                Ok(read) => *text.borrow_mut() = Some(read),
                Err(fantoccini::error::CmdError::Standard(e)) if reloaded_under(&e) => {}
                Err(e) => panic!("reading the page's text: {e}"),
            }
            text.borrow().is_some()
        })
        .await;
        assert!(read, "the page kept reloading");
        text.into_inner().unwrap()
    }

    /// Saves a PNG under target/screenshots/ for a person to look at.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Whether the element was lost to a reload of the page.
fn reloaded_under(e: &fantoccini::error::WebDriver) -> bool {
    e.error == fantoccini::error::ErrorStatus::StaleElementReference
        || e.message.contains("does not belong to the document")
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
