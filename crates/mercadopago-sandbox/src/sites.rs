//! Mercado Pago's sites: which currency each account sells in and its decimals.

/// `(site_id, currency_id, decimals)`.
pub const SITES: [(&str, &str, u32); 7] = [
    ("MLB", "BRL", 2),
    ("MLA", "ARS", 2),
    ("MLM", "MXN", 2),
    ("MPE", "PEN", 2),
    ("MCO", "COP", 0),
    ("MLU", "UYU", 2),
    ("MLC", "CLP", 0),
];

/// Currency and decimals of a site id (`"MLB"` -> `("BRL", 2)`).
pub fn currency(site_id: &str) -> Option<(&'static str, u32)> {
    SITES
        .iter()
        .find(|(id, _, _)| id.eq_ignore_ascii_case(site_id))
        .map(|(_, currency, decimals)| (*currency, *decimals))
}

/// The ISO country of a site, as `country_id` in `GET /users/me` (`"MLB"` -> `"BR"`).
pub fn country(site_id: &str) -> Option<&'static str> {
    const COUNTRIES: [(&str, &str); 7] = [
        ("MLB", "BR"),
        ("MLA", "AR"),
        ("MLM", "MX"),
        ("MPE", "PE"),
        ("MCO", "CO"),
        ("MLU", "UY"),
        ("MLC", "CL"),
    ];
    COUNTRIES
        .iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(site_id))
        .map(|(_, country)| *country)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_site_has_a_country() {
        for (site, _, _) in super::SITES {
            assert_eq!(super::country(site).map(str::len), Some(2), "{site}");
        }
        assert_eq!(super::country("MLA"), Some("AR"));
        assert_eq!(super::country("MLX"), None);
    }

    #[test]
    fn chile_and_colombia_have_no_decimals() {
        assert_eq!(super::currency("MLC"), Some(("CLP", 0)));
        assert_eq!(super::currency("MCO"), Some(("COP", 0)));
        assert_eq!(super::currency("MLB"), Some(("BRL", 2)));
        assert_eq!(super::currency("MLX"), None);
    }
}
