//! Exact amounts for the emulator: integer minor units with the site's number of decimals
//! (CLP and COP have none). JSON numbers are read from their text, never through a float.

use serde_json::{Number, Value};

/// A non-negative amount in minor units of a currency with `decimals` decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount {
    minor: i64,
    decimals: u32,
}

impl Amount {
    pub fn zero(decimals: u32) -> Self {
        Self { minor: 0, decimals }
    }

    pub fn from_minor(minor: i64, decimals: u32) -> Option<Self> {
        (minor >= 0).then_some(Self { minor, decimals })
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    /// Parses a plain decimal (`"100.5"`, `"12"`, `"1.5e2"`) with at most `decimals` places.
    pub fn parse(text: &str, decimals: u32) -> Option<Self> {
        let text = text.trim();
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(at) => (&text[..at], text[at + 1..].parse::<i32>().ok()?),
            None => (text, 0),
        };
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int_part.is_empty() || !digits(int_part) || !digits(frac_part) {
            return None;
        }
        if mantissa.contains('.') && frac_part.is_empty() {
            return None;
        }
        // All digits as one integer, with `scale` digits after the point.
        let all = format!("{int_part}{frac_part}");
        let scale = frac_part.len() as i32 - exponent;
        let all = all.trim_start_matches('0');
        if all.is_empty() {
            return Some(Self::zero(decimals));
        }
        let (all, scale) = if scale < 0 {
            (format!("{all}{}", "0".repeat((-scale) as usize)), 0)
        } else {
            (all.to_string(), scale)
        };
        // Trailing zeros past the currency's decimals are harmless ("10.50" for 0 decimals is not).
        let mut all = all;
        let mut scale = scale as u32;
        while scale > decimals && all.ends_with('0') {
            all.pop();
            scale -= 1;
        }
        if scale > decimals {
            return None;
        }
        let base: i64 = if all.is_empty() { 0 } else { all.parse().ok()? };
        let minor = base.checked_mul(10_i64.checked_pow(decimals - scale)?)?;
        Some(Self { minor, decimals })
    }

    /// A positive JSON number with the right decimals, as Mercado Pago takes amounts.
    pub fn from_json(value: &Value, decimals: u32) -> Option<Self> {
        let Value::Number(n) = value else { return None };
        Self::parse(&n.to_string(), decimals)
    }

    pub fn checked_add(self, other: Self) -> Option<Self> {
        Some(Self {
            minor: self.minor.checked_add(other.minor)?,
            ..self
        })
    }

    pub fn checked_sub(self, other: Self) -> Option<Self> {
        Self::from_minor(self.minor.checked_sub(other.minor)?, self.decimals)
    }

    pub fn checked_mul(self, times: i64) -> Option<Self> {
        Self::from_minor(self.minor.checked_mul(times)?, self.decimals)
    }

    /// `12.50`, or `12` for a currency without decimals.
    pub fn to_decimal_string(self) -> String {
        if self.decimals == 0 {
            return self.minor.to_string();
        }
        let unit = 10_i64.pow(self.decimals);
        format!(
            "{}.{:0width$}",
            self.minor / unit,
            self.minor % unit,
            width = self.decimals as usize
        )
    }

    pub fn to_json_number(self) -> Number {
        self.to_decimal_string()
            .parse()
            .expect("a plain decimal is a JSON number")
    }
}

#[cfg(test)]
mod tests {
    use super::Amount;

    #[test]
    fn parses_exactly_with_the_currencys_decimals() {
        assert_eq!(Amount::parse("100.5", 2).unwrap().minor(), 10050);
        assert_eq!(Amount::parse("100.50", 2).unwrap().minor(), 10050);
        assert_eq!(Amount::parse("0.1", 2).unwrap().minor(), 10);
        assert_eq!(Amount::parse("1.5e2", 2).unwrap().minor(), 15000);
        assert_eq!(Amount::parse("12000", 0).unwrap().minor(), 12000);
        assert_eq!(Amount::parse("12000.0", 0).unwrap().minor(), 12000);
        assert!(Amount::parse("12000.5", 0).is_none(), "CLP has no decimals");
        assert_eq!(Amount::parse("0.000", 0).unwrap().minor(), 0);
        assert_eq!(Amount::parse("1e-2", 2).unwrap().minor(), 1);
        assert!(Amount::parse("1.005", 2).is_none());
        assert!(Amount::parse("-1", 2).is_none());
        assert!(Amount::parse("1.", 2).is_none());
        assert!(Amount::parse("abc", 2).is_none());
        assert!(Amount::parse("99999999999999999999", 2).is_none());
    }

    #[test]
    fn writes_json_numbers_with_the_currencys_decimals() {
        assert_eq!(
            Amount::parse("10.5", 2).unwrap().to_decimal_string(),
            "10.50"
        );
        assert_eq!(Amount::parse("7", 0).unwrap().to_decimal_string(), "7");
        assert_eq!(
            Amount::parse("0.05", 2)
                .unwrap()
                .to_json_number()
                .to_string(),
            "0.05"
        );
    }
}
