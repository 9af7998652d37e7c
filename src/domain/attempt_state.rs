//! Where one payment attempt stands. Stored as text in `payment_attempts.state`.

use super::vocabulary::text_column;

/// The life of a submit: refused before any call, or one call to Mercado Pago and its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptState {
    /// Refused before Mercado Pago was called (a wrong amount): no attempt number.
    Refused,
    /// Its call to Mercado Pago is under way; at most one per order (a partial unique index).
    InFlight,
    /// The call made a payment.
    Completed,
    /// The call made nothing: the order is payable again.
    Failed,
    /// The call ended without an answer: its payment may exist.
    Unknown,
}

text_column!(AttemptState, |raw: &str| AttemptState::parse(raw)
    .ok_or_else(|| format!("unknown attempt state {raw:?}")));

impl AttemptState {
    /// Every state, as the table's check lists them (`attempt_state`).
    pub const ALL: [AttemptState; 5] = [
        AttemptState::InFlight,
        AttemptState::Completed,
        AttemptState::Failed,
        AttemptState::Unknown,
        AttemptState::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttemptState::Refused => "refused",
            AttemptState::InFlight => "in_flight",
            AttemptState::Completed => "completed",
            AttemptState::Failed => "failed",
            AttemptState::Unknown => "unknown",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::AttemptState;

    #[test]
    fn the_states_are_the_tables() {
        let migration = include_str!("../../migrations/20261124000002_orders.sql");
        let listed: Vec<String> = AttemptState::ALL
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let check = format!("check (state in ({}))", listed.join(", "));
        assert!(migration.contains(&check), "{check}");
        for s in AttemptState::ALL {
            assert_eq!(AttemptState::parse(s.as_str()), Some(s));
        }
        assert_eq!(AttemptState::parse("flying"), None);
    }
}
