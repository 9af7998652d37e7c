//! The back office: its owner, and signing in with a client of its own.

use crate::{attr, browser, spawn_with, Options, TestApp};

/// The back office's owner, as the tests create them.
pub const ADMIN_EMAIL: &str = "owner@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// Creates the back office's owner (`ADMIN_EMAIL`, `ADMIN_PASSWORD`).
    pub async fn create_admin(&self) {
        checkout::routes::admin::auth::create_admin(&self.pool, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .unwrap();
    }

    /// Signs in to the back office with `client` (a client of its own: the back office is not
    /// the shopper's session) and returns the answer to the sign-in form.
    pub async fn sign_in_with(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        let form = sign_in_form(client, &self.address, email, password).await;
        form.send().await.expect("sign in")
    }

    /// A fresh client signed in as the owner (who must exist), sent on to `/admin`.
    pub async fn admin(&self) -> reqwest::Client {
        let client = browser();
        let res = self
            .sign_in_with(&client, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/admin");
        client
    }
}

/// The sign-in form, filled in with its token, ready to send (headers may be added).
pub async fn sign_in_form(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> reqwest::RequestBuilder {
    let page = client
        .get(format!("{base}/admin/login"))
        .send()
        .await
        .expect("the back office's sign-in page")
        .text()
        .await
        .unwrap();
    let csrf = attr(&page, "name=\"csrf_token\" value=\"").expect("the sign-in form's token");
    client.post(format!("{base}/admin/login")).form(&[
        ("email", email),
        ("password", password),
        ("csrf_token", &csrf),
    ])
}

/// An app (see `spawn_with`) whose back office has its owner.
pub async fn spawn_with_admin(options: Options) -> TestApp {
    let app = spawn_with(options).await;
    app.create_admin().await;
    app
}
