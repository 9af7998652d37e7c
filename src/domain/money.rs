//! Exact money: integer minor units of one currency.
//!
//! Mercado Pago speaks decimal JSON numbers (`100.5`), never cents, so the conversion
//! between its text and our minor units lives here and nowhere else. No value ever passes
//! through `f64`: the JSON layer keeps numbers as their exact text (serde_json's
//! `arbitrary_precision`), and this module parses that text digit by digit.

use std::fmt;

/// The currencies of the Mercado Pago sites we sell on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Currency {
    Brl,
    Ars,
    Mxn,
    Pen,
    Cop,
    Uyu,
    Clp,
}

impl Currency {
    /// ISO 4217 code, as Mercado Pago's `currency_id`.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Brl => "BRL",
            Currency::Ars => "ARS",
            Currency::Mxn => "MXN",
            Currency::Pen => "PEN",
            Currency::Cop => "COP",
            Currency::Uyu => "UYU",
            Currency::Clp => "CLP",
        }
    }

    /// Decimals Mercado Pago accepts: CLP and COP amounts must be whole numbers.
    pub fn decimals(self) -> u32 {
        match self {
            Currency::Cop | Currency::Clp => 0,
            _ => 2,
        }
    }

    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        Ok(match code {
            "BRL" => Currency::Brl,
            "ARS" => Currency::Ars,
            "MXN" => Currency::Mxn,
            "PEN" => Currency::Pen,
            "COP" => Currency::Cop,
            "UYU" => Currency::Uyu,
            "CLP" => Currency::Clp,
            other => return Err(MoneyError::UnknownCurrency(other.to_string())),
        })
    }

    fn symbol(self) -> &'static str {
        match self {
            Currency::Brl => "R$",
            Currency::Pen => "S/",
            _ => "$",
        }
    }

    /// Thousands and decimal separators as shoppers of each country write them.
    fn separators(self) -> (char, char) {
        match self {
            Currency::Mxn | Currency::Pen => (',', '.'),
            _ => ('.', ','),
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency {0}")]
    UnknownCurrency(String),
    #[error("'{0}' is not a number")]
    NotANumber(String),
    #[error("amounts cannot be negative")]
    Negative,
    #[error("{currency} amounts have at most {decimals} decimal places")]
    TooManyDecimals { currency: Currency, decimals: u32 },
    #[error("the amount is too large")]
    Overflow,
    #[error("cannot mix {0} and {1}")]
    CurrencyMismatch(Currency, Currency),
}

/// A non-negative amount of one currency, in its minor units (cents, or whole pesos for CLP/COP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Result<Self, MoneyError> {
        if minor < 0 {
            return Err(MoneyError::Negative);
        }
        Ok(Self { minor, currency })
    }

    pub fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    /// Parses a decimal number as JSON writes it (`12`, `12.5`, `12.50`, `1.25e1`), exactly.
    /// More significant decimals than the currency has is an error, never a rounding.
    pub fn parse_decimal(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let not_a_number = || MoneyError::NotANumber(text.chars().take(40).collect());
        let text = text.trim();
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(at) => {
                let exp: i32 = text[at + 1..].parse().map_err(|_| not_a_number())?;
                (&text[..at], exp)
            }
            None => (text, 0),
        };
        let mantissa = match mantissa.strip_prefix('-') {
            Some(rest) if rest.chars().all(|c| c == '0' || c == '.') && !rest.is_empty() => rest,
            Some(_) => return Err(MoneyError::Negative),
            None => mantissa,
        };
        let (int_part, frac_part) = match mantissa.split_once('.') {
            Some((i, f)) => (i, f),
            None => (mantissa, ""),
        };
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int_part.is_empty() || !digits_ok(int_part) || !digits_ok(frac_part) {
            return Err(not_a_number());
        }
        if mantissa.contains('.') && frac_part.is_empty() {
            return Err(not_a_number());
        }
        // value = digits * 10^(exponent - frac_len); we want value * 10^decimals as an integer.
        let digits: String = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        let scale = i64::from(exponent) - frac_part.len() as i64 + i64::from(currency.decimals());
        let too_many = MoneyError::TooManyDecimals {
            currency,
            decimals: currency.decimals(),
        };
        let digits = if scale < 0 {
            let cut = (-scale) as usize;
            if cut > digits.len() {
                if digits.is_empty() {
                    ""
                } else {
                    return Err(too_many);
                }
            } else {
                let (keep, dropped) = digits.split_at(digits.len() - cut);
                if dropped.bytes().any(|b| b != b'0') {
                    return Err(too_many);
                }
                keep
            }
        } else {
            digits
        };
        let mut minor: i64 = 0;
        for b in digits.bytes() {
            minor = minor
                .checked_mul(10)
                .and_then(|m| m.checked_add(i64::from(b - b'0')))
                .ok_or(MoneyError::Overflow)?;
        }
        if scale > 0 && minor != 0 {
            let factor = 10i64
                .checked_pow(u32::try_from(scale).map_err(|_| MoneyError::Overflow)?)
                .ok_or(MoneyError::Overflow)?;
            minor = minor.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        }
        Ok(Self { minor, currency })
    }

    /// The amount as a plain decimal with exactly the currency's decimals: `100.50`, `12990`.
    /// This is the text sent to Mercado Pago as a JSON number.
    pub fn to_decimal_string(self) -> String {
        let decimals = self.currency.decimals();
        if decimals == 0 {
            return self.minor.to_string();
        }
        let unit = 10i64.pow(decimals);
        format!(
            "{}.{:0width$}",
            self.minor / unit,
            self.minor % unit,
            width = decimals as usize
        )
    }

    /// The amount as a JSON number with its exact text.
    pub fn to_json_number(self) -> serde_json::Number {
        self.to_decimal_string()
            .parse()
            .expect("a plain decimal is a valid JSON number")
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        let minor = self.combine(other, i64::checked_add)?;
        Ok(Money { minor, ..self })
    }

    /// A result below zero is `Negative`: money never goes under nothing.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        Money::from_minor(self.combine(other, i64::checked_sub)?, self.currency)
    }

    /// `op` on the minor units of two amounts of one currency.
    fn combine(self, other: Money, op: fn(i64, i64) -> Option<i64>) -> Result<i64, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        op(self.minor, other.minor).ok_or(MoneyError::Overflow)
    }

    pub fn checked_mul(self, quantity: u32) -> Result<Money, MoneyError> {
        let minor = self
            .minor
            .checked_mul(i64::from(quantity))
            .ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }
}

/// How a shopper reads an amount: `R$ 1.234,50`, `$1,234.50` (MXN), `$ 12.990` (CLP).
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (thousands, decimal) = self.currency.separators();
        let plain = self.to_decimal_string();
        let (int_part, frac_part) = match plain.split_once('.') {
            Some((i, d)) => (i, Some(d)),
            None => (plain.as_str(), None),
        };
        let mut grouped = String::with_capacity(int_part.len() + int_part.len() / 3);
        for (i, c) in int_part.chars().enumerate() {
            if i > 0 && (int_part.len() - i) % 3 == 0 {
                grouped.push(thousands);
            }
            grouped.push(c);
        }
        let space = if self.currency == Currency::Mxn {
            ""
        } else {
            " "
        };
        write!(f, "{}{space}{grouped}", self.currency.symbol())?;
        if let Some(d) = frac_part {
            write!(f, "{decimal}{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brl(text: &str) -> Result<Money, MoneyError> {
        Money::parse_decimal(text, Currency::Brl)
    }

    #[test]
    fn parses_the_forms_json_writes() {
        assert_eq!(brl("100").unwrap().minor(), 10000);
        assert_eq!(brl("100.5").unwrap().minor(), 10050);
        assert_eq!(brl("100.50").unwrap().minor(), 10050);
        assert_eq!(brl("100.500").unwrap().minor(), 10050);
        assert_eq!(brl("1.005e2").unwrap().minor(), 10050);
        assert_eq!(brl("1E2").unwrap().minor(), 10000);
        assert_eq!(brl("10050e-2").unwrap().minor(), 10050);
        assert_eq!(brl("0.01").unwrap().minor(), 1);
        assert_eq!(brl("0").unwrap().minor(), 0);
        assert_eq!(brl("-0").unwrap().minor(), 0);
    }

    #[test]
    fn refuses_what_it_cannot_hold_exactly() {
        assert!(matches!(
            brl("100.501"),
            Err(MoneyError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            brl("0.001"),
            Err(MoneyError::TooManyDecimals { .. })
        ));
        assert!(matches!(brl("-1"), Err(MoneyError::Negative)));
        assert!(matches!(brl("1e400"), Err(MoneyError::Overflow)));
        assert!(matches!(
            brl("99999999999999999999"),
            Err(MoneyError::Overflow)
        ));
        for bad in [
            "", ".5", "5.", "1,5", "abc", "1.2.3", "1e", "0x10", "NaN", " ",
        ] {
            assert!(matches!(brl(bad), Err(MoneyError::NotANumber(_))), "{bad}");
        }
    }

    #[test]
    fn clp_and_cop_are_whole_numbers() {
        for currency in [Currency::Clp, Currency::Cop] {
            assert_eq!(
                Money::parse_decimal("12990", currency).unwrap().minor(),
                12990
            );
            assert_eq!(
                Money::parse_decimal("12990.0", currency).unwrap().minor(),
                12990
            );
            assert!(matches!(
                Money::parse_decimal("12990.5", currency),
                Err(MoneyError::TooManyDecimals { decimals: 0, .. })
            ));
            let m = Money::from_minor(12990, currency).unwrap();
            assert_eq!(m.to_decimal_string(), "12990");
        }
    }

    #[test]
    fn formats_for_people_and_for_mercado_pago() {
        let m = Money::from_minor(123450, Currency::Brl).unwrap();
        assert_eq!(m.to_decimal_string(), "1234.50");
        assert_eq!(m.to_json_number().to_string(), "1234.50");
        assert_eq!(m.to_string(), "R$ 1.234,50");
        assert_eq!(
            Money::from_minor(5, Currency::Mxn).unwrap().to_string(),
            "$0.05"
        );
        assert_eq!(
            Money::from_minor(1234567, Currency::Clp)
                .unwrap()
                .to_string(),
            "$ 1.234.567"
        );
        assert_eq!(
            Money::from_minor(99900, Currency::Pen).unwrap().to_string(),
            "S/ 999.00"
        );
    }

    #[test]
    fn arithmetic_is_checked_and_never_mixes_currencies() {
        let a = Money::from_minor(10, Currency::Brl).unwrap();
        let b = Money::from_minor(10, Currency::Ars).unwrap();
        assert!(matches!(
            a.checked_add(b),
            Err(MoneyError::CurrencyMismatch(..))
        ));
        assert!(a.checked_sub(a.checked_mul(2).unwrap()).is_err());
        assert!(Money::from_minor(i64::MAX, Currency::Brl)
            .unwrap()
            .checked_mul(2)
            .is_err());
        assert!(Money::from_minor(-1, Currency::Brl).is_err());
    }

    #[test]
    fn float_traps_are_not_ours() {
        // 0.1 + 0.2 is 0.30000000000000004 in f64; here it is exactly 30 cents.
        let sum = brl("0.1")
            .unwrap()
            .checked_add(brl("0.2").unwrap())
            .unwrap();
        assert_eq!(sum, brl("0.3").unwrap());
        assert_eq!(brl("1.15").unwrap().minor(), 115); // 1.15 * 100 = 114.99999999999999 in f64
        assert!(brl("0.30000000000000004").is_err());
    }

    proptest! {
        #[test]
        fn decimal_text_round_trips(minor in 0i64..=1_000_000_000_000, two in any::<bool>()) {
            let currency = if two { Currency::Mxn } else { Currency::Cop };
            let m = Money::from_minor(minor, currency).unwrap();
            prop_assert_eq!(Money::parse_decimal(&m.to_decimal_string(), currency).unwrap(), m);
        }

        #[test]
        fn js_number_text_parses_to_the_same_cents(minor in 0i64..=100_000_000_000) {
            // What JSON.stringify writes for the Brick's amount: trailing zeros dropped.
            let m = Money::from_minor(minor, Currency::Brl).unwrap();
            let js = m.to_decimal_string().trim_end_matches('0').trim_end_matches('.').to_string();
            let js = if js.is_empty() { "0".to_string() } else { js };
            prop_assert_eq!(brl(&js).unwrap(), m);
        }

        #[test]
        fn off_by_one_minor_unit_is_never_equal(minor in 1i64..=100_000_000_000) {
            let m = Money::from_minor(minor, Currency::Brl).unwrap();
            let up = Money::from_minor(minor + 1, Currency::Brl).unwrap();
            let down = Money::from_minor(minor - 1, Currency::Brl).unwrap();
            prop_assert_ne!(brl(&up.to_decimal_string()).unwrap(), m);
            prop_assert_ne!(brl(&down.to_decimal_string()).unwrap(), m);
        }

        #[test]
        fn parser_never_panics(text in "\\PC{0,30}") {
            let _ = brl(&text);
        }

        #[test]
        fn sum_is_exact(a in 0i64..1_000_000_000, b in 0i64..1_000_000_000) {
            let x = Money::from_minor(a, Currency::Brl).unwrap();
            let y = Money::from_minor(b, Currency::Brl).unwrap();
            prop_assert_eq!(x.checked_add(y).unwrap().minor(), a + b);
        }
    }
}
