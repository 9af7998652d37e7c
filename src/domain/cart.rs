//! The cart kept in the shopper's session: product ids and quantities, never prices
//! (prices come from the catalog when the order is made).

use serde::{Deserialize, Serialize};

pub const MAX_QUANTITY: u32 = 99;
pub const MAX_LINES: usize = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub product_id: i64,
    pub quantity: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    lines: Vec<CartLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartError {
    #[error("quantities go from 1 to {MAX_QUANTITY}")]
    BadQuantity,
    #[error("the cart holds at most {MAX_LINES} different products")]
    Full,
    #[error("that product is not in the cart")]
    NotInCart,
    #[error("the form carried no quantity")]
    QuantityMissing,
}

impl Cart {
    pub fn lines(&self) -> &[CartLine] {
        &self.lines
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn item_count(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    pub fn add(&mut self, product_id: i64, quantity: u32) -> Result<(), CartError> {
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            return Err(CartError::BadQuantity);
        }
        let full = self.lines.len() >= MAX_LINES;
        match self.lines.iter_mut().find(|l| l.product_id == product_id) {
            Some(line) => line.quantity = (line.quantity + quantity).min(MAX_QUANTITY),
            None if full => return Err(CartError::Full),
            None => self.lines.push(CartLine {
                product_id,
                quantity,
            }),
        }
        Ok(())
    }

    /// Sets a line's quantity; zero removes it.
    pub fn set_quantity(&mut self, product_id: i64, quantity: u32) -> Result<(), CartError> {
        if quantity > MAX_QUANTITY {
            return Err(CartError::BadQuantity);
        }
        let at = self
            .lines
            .iter()
            .position(|l| l.product_id == product_id)
            .ok_or(CartError::NotInCart)?;
        if quantity == 0 {
            self.lines.remove(at);
        } else {
            self.lines[at].quantity = quantity;
        }
        Ok(())
    }

    pub fn remove(&mut self, product_id: i64) {
        self.lines.retain(|l| l.product_id != product_id);
    }

    /// Drops lines whose product is no longer sold.
    pub fn retain_products(&mut self, keep: impl Fn(i64) -> bool) {
        self.lines.retain(|l| keep(l.product_id));
    }

    /// Identifies the cart's content, so an unchanged cart reuses its order.
    pub fn fingerprint(&self) -> String {
        let mut lines = self.lines.clone();
        lines.sort_by_key(|l| l.product_id);
        lines
            .iter()
            .map(|l| format!("{}x{}", l.product_id, l.quantity))
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_merges_and_caps() {
        let mut cart = Cart::default();
        cart.add(1, 2).unwrap();
        cart.add(1, 98).unwrap();
        assert_eq!(
            cart.lines(),
            &[CartLine {
                product_id: 1,
                quantity: 99
            }]
        );
        assert_eq!(cart.add(2, 0), Err(CartError::BadQuantity));
        assert_eq!(cart.add(2, 100), Err(CartError::BadQuantity));
    }

    #[test]
    fn quantity_zero_removes_and_fingerprint_ignores_order() {
        let mut a = Cart::default();
        a.add(1, 1).unwrap();
        a.add(2, 3).unwrap();
        let mut b = Cart::default();
        b.add(2, 3).unwrap();
        b.add(1, 1).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        a.set_quantity(1, 0).unwrap();
        assert_eq!(a.fingerprint(), "2x3");
        assert_eq!(a.set_quantity(9, 1), Err(CartError::NotInCart));
    }

    #[test]
    fn a_cart_has_a_bounded_size() {
        let mut cart = Cart::default();
        for id in 0..MAX_LINES as i64 {
            cart.add(id, 1).unwrap();
        }
        assert_eq!(cart.add(999, 1), Err(CartError::Full));
    }
}
