//! The shopper's session: who they are, their cart, their open order, their CSRF token.
//! The database holds the truth about orders; the session only points at one.

use std::future::{ready, Ready};

use actix_session::{Session, SessionExt, SessionGetError, SessionInsertError};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::{Deserialize, Serialize};

use crate::domain::{Cart, OrderId, ShopperId};

const SHOPPER: &str = "shopper";
const CART: &str = "cart";
const ORDER: &str = "order";
const CSRF: &str = "csrf";
const EMAIL: &str = "email";
const CART_NOTICE: &str = "cart_notice";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenOrder {
    pub id: OrderId,
    pub cart_fingerprint: String,
}

/// What the last cart form did, told once on the cart page it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CartNotice {
    Added,
    Updated,
    Removed,
}

pub struct TypedSession(Session);

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("could not read the session")]
    Get(#[from] SessionGetError),
    #[error("could not write the session")]
    Insert(#[from] SessionInsertError),
}

impl TypedSession {
    /// The shopper's identity, created on first use.
    pub fn shopper(&self) -> Result<ShopperId, SessionError> {
        if let Some(id) = self.0.get::<ShopperId>(SHOPPER)? {
            return Ok(id);
        }
        let id = ShopperId::new();
        self.0.insert(SHOPPER, id)?;
        Ok(id)
    }

    pub fn shopper_if_known(&self) -> Result<Option<ShopperId>, SessionError> {
        Ok(self.0.get::<ShopperId>(SHOPPER)?)
    }

    pub fn cart(&self) -> Result<Cart, SessionError> {
        Ok(self.0.get::<Cart>(CART)?.unwrap_or_default())
    }

    pub fn set_cart(&self, cart: &Cart) -> Result<(), SessionError> {
        Ok(self.0.insert(CART, cart)?)
    }

    pub fn set_cart_notice(&self, notice: CartNotice) -> Result<(), SessionError> {
        Ok(self.0.insert(CART_NOTICE, notice)?)
    }

    /// The notice, once: reading it removes it.
    pub fn take_cart_notice(&self) -> Result<Option<CartNotice>, SessionError> {
        Ok(self
            .0
            .remove_as::<CartNotice>(CART_NOTICE)
            .and_then(Result::ok))
    }

    pub fn open_order(&self) -> Result<Option<OpenOrder>, SessionError> {
        Ok(self.0.get::<OpenOrder>(ORDER)?)
    }

    pub fn set_open_order(&self, order: &OpenOrder) -> Result<(), SessionError> {
        Ok(self.0.insert(ORDER, order)?)
    }

    /// After a payment is taken the cart is spent. The order stays the session's, so that a
    /// repeated submit replays its answer; a new cart gets a new order at checkout.
    pub fn finish_order(&self) {
        self.0.remove(CART);
    }

    /// The payer email last used, to prefill the Brick.
    pub fn payer_email(&self) -> Result<Option<String>, SessionError> {
        Ok(self.0.get::<String>(EMAIL)?)
    }

    pub fn set_payer_email(&self, email: &str) -> Result<(), SessionError> {
        Ok(self.0.insert(EMAIL, email)?)
    }

    /// The synchronizer token every state-changing form and the payment call must echo.
    pub fn csrf_token(&self) -> Result<String, SessionError> {
        if let Some(token) = self.0.get::<String>(CSRF)? {
            return Ok(token);
        }
        let token = uuid::Uuid::new_v4().simple().to_string();
        self.0.insert(CSRF, &token)?;
        Ok(token)
    }

    /// True when `presented` is this session's token (compared in constant time).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        match self.0.get::<String>(CSRF) {
            Ok(Some(token)) => constant_time_eq(token.as_bytes(), presented.as_bytes()),
            _ => false,
        }
    }

    /// A new session id for the same content: a fixated id is worthless once an order exists.
    pub fn renew(&self) {
        self.0.renew();
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequest for TypedSession {
    type Error = <Session as FromRequest>::Error;
    type Future = Ready<Result<TypedSession, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Ok(TypedSession(req.get_session())))
    }
}
