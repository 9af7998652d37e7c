//! Which `payment_method_id`s each site takes, and their `payment_type_id` (FACTS §7).

pub fn payment_type(site: &str, method: &str) -> Option<&'static str> {
    let cards: &[&str] = match site {
        "MLB" => &["visa", "master", "amex", "elo", "hipercard"],
        "MLA" => &["visa", "master", "amex", "naranja", "cabal"],
        "MLM" => &["visa", "master", "amex"],
        _ => &["visa", "master", "amex"],
    };
    let debit: &[&str] = match site {
        "MLB" => &["debelo", "debvisa", "debmaster"],
        _ => &["debvisa", "debmaster", "maestro"],
    };
    let tickets: &[&str] = match site {
        "MLB" => &["bolbradesco", "pec"],
        "MLA" => &["rapipago", "pagofacil"],
        "MLM" => &["oxxo", "paycash"],
        "MCO" => &["efecty"],
        "MLU" => &["abitab", "redpagos"],
        _ => &[],
    };
    let atm: &[&str] = match site {
        "MLM" => &["bancomer", "banamex"],
        "MPE" => &["pagoefectivo_atm"],
        _ => &[],
    };
    let transfer: &[&str] = match site {
        "MLB" => &["pix"],
        "MCO" => &["pse"],
        _ => &[],
    };
    if cards.contains(&method) {
        Some("credit_card")
    } else if debit.contains(&method) {
        Some("debit_card")
    } else if tickets.contains(&method) {
        Some("ticket")
    } else if atm.contains(&method) {
        Some("atm")
    } else if transfer.contains(&method) {
        Some("bank_transfer")
    } else if method == "account_money" {
        Some("account_money")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::payment_type;

    #[test]
    fn methods_belong_to_their_sites() {
        assert_eq!(payment_type("MLB", "pix"), Some("bank_transfer"));
        assert_eq!(payment_type("MLA", "pix"), None);
        assert_eq!(payment_type("MLM", "oxxo"), Some("ticket"));
        assert_eq!(payment_type("MLM", "bancomer"), Some("atm"));
        assert_eq!(payment_type("MLB", "debelo"), Some("debit_card"));
        assert_eq!(payment_type("MLC", "visa"), Some("credit_card"));
        assert_eq!(payment_type("MLC", "rapipago"), None);
    }
}
