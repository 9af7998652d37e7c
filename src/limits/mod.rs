//! Abuse limits: who the client is (`client_ip`, the trusted-proxy rule), and how often an
//! address and a session may open the checkout, pay, come back from Mercado Pago and sign in
//! to the back office (`guard`, in memory and per instance).
//!
//! Per instance is enough: the limits stop floods, not single requests, and N instances
//! behind a load balancer allow at most N times a budget. Exact counts that must hold across
//! instances (failed sign-ins, payment attempts) live in the database.

mod client_ip;
mod guard;
mod limiter;
mod proxies;
mod settings;

use std::net::IpAddr;
use std::time::Duration;

use actix_web::http::Method;
use tokio::sync::{Semaphore, SemaphorePermit};

pub use client_ip::{client_ip, forwarded_client, ClientIp};
pub use guard::guard;
pub use limiter::{Rate, RateLimiter};
pub use proxies::{Cidr, TrustedProxies};
pub use settings::{LimitSettings, RouteLimits};

use limiter::{Key, Subject};

/// The routes with budgets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Checkout,
    Payment,
    OrderReturn,
    AdminLogin,
}

impl Route {
    /// The limited route a request is for, if any.
    pub fn of(method: &Method, path: &str) -> Option<Route> {
        match (method, path) {
            (&Method::GET, "/checkout") => Some(Route::Checkout),
            (&Method::POST, "/process_payment") => Some(Route::Payment),
            (&Method::POST, "/admin/login") => Some(Route::AdminLogin),
            (&Method::GET, path) => {
                let id = path.strip_prefix("/orders/")?.strip_suffix("/return")?;
                (!id.is_empty() && !id.contains('/')).then_some(Route::OrderReturn)
            }
            _ => None,
        }
    }

    /// The route's template, as logs and metrics name it.
    pub fn template(self) -> &'static str {
        match self {
            Route::Checkout => "/checkout",
            Route::Payment => "/process_payment",
            Route::OrderReturn => "/orders/{id}/return",
            Route::AdminLogin => "/admin/login",
        }
    }
}

/// Whose budget ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    Session,
    Address,
}

/// The limits of one instance, shared by its workers (`web::Data<Limits>`).
pub struct Limits {
    pub trusted_proxies: TrustedProxies,
    settings: LimitSettings,
    limiter: RateLimiter,
    /// Argon2 takes ~19 MiB and tens of milliseconds of a core per check: at most one per
    /// core at a time, so a burst of sign-ins queues instead of starving the shoppers and
    /// the database of CPU and memory.
    password_checks: Semaphore,
}

impl Limits {
    pub fn new(settings: &LimitSettings) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            trusted_proxies: settings.trusted_proxies.clone(),
            settings: settings.clone(),
            limiter: RateLimiter::new(settings.max_keys),
            password_checks: Semaphore::new(cores),
        }
    }

    /// Spends one request of the session's budget and then of the address's on `route`.
    /// The session goes first so that one noisy session is refused before it can spend the
    /// address's budget, which its neighbours behind the same NAT share.
    pub fn check(
        &self,
        route: Route,
        ip: Option<IpAddr>,
        session: Option<u128>,
    ) -> Result<(), (Budget, Duration)> {
        let limits = match route {
            Route::Checkout => self.settings.checkout,
            Route::Payment => self.settings.payment,
            Route::OrderReturn => self.settings.order_return,
            Route::AdminLogin => self.settings.admin_login,
        };
        let key = |subject| Key {
            route: route as u8,
            subject,
        };
        if let (Some(rate), Some(session)) = (limits.per_session, session) {
            self.limiter
                .check(key(Subject::Session(session)), rate)
                .map_err(|wait| (Budget::Session, wait))?;
        }
        if let (Some(rate), Some(ip)) = (limits.per_ip, ip) {
            self.limiter
                .check(key(Subject::ip(ip)), rate)
                .map_err(|wait| (Budget::Address, wait))?;
        }
        Ok(())
    }

    /// A turn to run Argon2; hold it while the check runs.
    pub async fn password_check(&self) -> SemaphorePermit<'_> {
        self.password_checks
            .acquire()
            .await
            .expect("the semaphore is never closed")
    }
}

/// An address written as text, for the tests of the limits' parts.
#[cfg(test)]
fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limited_routes_are_recognised_exactly() {
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(Route::of(&get, "/checkout"), Some(Route::Checkout));
        assert_eq!(Route::of(&post, "/checkout"), None);
        assert_eq!(Route::of(&post, "/process_payment"), Some(Route::Payment));
        assert_eq!(Route::of(&post, "/admin/login"), Some(Route::AdminLogin));
        assert_eq!(Route::of(&get, "/admin/login"), None);
        assert_eq!(
            Route::of(&get, "/orders/6f1c2a52-3c3e-4a57-9c39-5b4a0c8f0e11/return"),
            Some(Route::OrderReturn)
        );
        assert_eq!(Route::of(&get, "/orders//return"), None);
        assert_eq!(Route::of(&get, "/orders/a/b/return"), None);
        assert_eq!(Route::of(&get, "/orders/abc"), None);
    }

    #[test]
    fn a_session_over_its_budget_spends_nothing_of_its_address() {
        let settings = LimitSettings {
            checkout: RouteLimits {
                per_ip: Rate::per_minute(3),
                per_session: Rate::per_minute(1),
            },
            ..LimitSettings::from_lookup(&|_| None).unwrap()
        };
        let limits = Limits::new(&settings);
        let ip = Some("203.0.113.7".parse().unwrap());
        assert!(limits.check(Route::Checkout, ip, Some(1)).is_ok());
        for _ in 0..10 {
            let (budget, _) = limits.check(Route::Checkout, ip, Some(1)).unwrap_err();
            assert_eq!(budget, Budget::Session);
        }
        // The neighbours behind the same address still have two requests.
        assert!(limits.check(Route::Checkout, ip, Some(2)).is_ok());
        assert!(limits.check(Route::Checkout, ip, Some(3)).is_ok());
        let (budget, _) = limits.check(Route::Checkout, ip, Some(4)).unwrap_err();
        assert_eq!(budget, Budget::Address);
        // Other routes have budgets of their own.
        assert!(limits.check(Route::OrderReturn, ip, Some(1)).is_ok());
    }
}
