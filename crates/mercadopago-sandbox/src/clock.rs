//! Dates as Mercado Pago writes them.

use time::{OffsetDateTime, UtcOffset};

/// ISO-8601 with milliseconds and Mercado Pago's usual offset (`2020-05-30T23:59:59.000-04:00`).
pub fn iso(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::from_hms(-4, 0, 0).expect("a valid offset"));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}-04:00",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

pub fn now() -> String {
    iso(OffsetDateTime::now_utc())
}

/// Reads an ISO-8601 date with an offset, as sent to Mercado Pago.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_like_mercado_pago_and_parses_back() {
        let t = time::macros::datetime!(2026-11-24 12:00:01.5 UTC);
        let text = super::iso(t);
        assert_eq!(text, "2026-11-24T08:00:01.500-04:00");
        assert_eq!(super::parse(&text), Some(t));
    }
}
