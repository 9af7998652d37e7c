//! Where an order stands. Stored as text in `orders.status`.

use super::payment_status::{PaymentStatus, StatusDetail};
use super::vocabulary::text_column;

/// The life of an order, from checkout to its payment's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// Placed, waiting for the shopper to pay (also after a refused attempt or a 4xx).
    Created,
    /// A call to Mercado Pago is under way for it.
    Processing,
    /// Paid later (Pix, ticket) or waiting for a 3DS challenge.
    PaymentPending,
    /// Mercado Pago is reviewing the payment.
    PaymentInProcess,
    /// The call to Mercado Pago ended without an answer: the payment may exist.
    PaymentUnknown,
    /// The last payment was declined; the shopper may try again.
    Rejected,
    Paid,
    /// Paid, and part of it given back.
    PartiallyRefunded,
    /// Cancelled by the merchant, or expired unpaid (Pix, ticket).
    Cancelled,
    Refunded,
    ChargedBack,
}

/// Who moved an order, for its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Checkout,
    Webhook,
    Reconciliation,
    Admin,
}

impl Source {
    /// Every source, as the history's check lists them (`history_source`).
    pub const ALL: [Source; 4] = [
        Source::Checkout,
        Source::Webhook,
        Source::Reconciliation,
        Source::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Checkout => "checkout",
            Source::Webhook => "webhook",
            Source::Reconciliation => "reconciliation",
            Source::Admin => "admin",
        }
    }
}

text_column!(OrderStatus, |raw: &str| OrderStatus::parse(raw)
    .ok_or_else(|| format!("unknown order status {raw:?}")));

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl OrderStatus {
    /// Every status, in the order of an order's life.
    pub const ALL: [OrderStatus; 11] = [
        OrderStatus::Created,
        OrderStatus::Processing,
        OrderStatus::PaymentPending,
        OrderStatus::PaymentInProcess,
        OrderStatus::PaymentUnknown,
        OrderStatus::Rejected,
        OrderStatus::Paid,
        OrderStatus::PartiallyRefunded,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
        OrderStatus::ChargedBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Created => "created",
            OrderStatus::Processing => "processing",
            OrderStatus::PaymentPending => "payment_pending",
            OrderStatus::PaymentInProcess => "payment_in_process",
            OrderStatus::PaymentUnknown => "payment_unknown",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Paid => "paid",
            OrderStatus::PartiallyRefunded => "partially_refunded",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
            OrderStatus::ChargedBack => "charged_back",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// What a payment's Mercado Pago `status` and `status_detail` mean for its order.
    pub fn from_payment(status: &PaymentStatus, status_detail: &StatusDetail) -> Self {
        match (status, status_detail) {
            (PaymentStatus::Approved, StatusDetail::PartiallyRefunded) => {
                OrderStatus::PartiallyRefunded
            }
            _ => Self::from_payment_status(status),
        }
    }

    /// What a payment's Mercado Pago `status` means for its order.
    pub fn from_payment_status(status: &PaymentStatus) -> Self {
        match status {
            PaymentStatus::Approved => OrderStatus::Paid,
            PaymentStatus::Pending => OrderStatus::PaymentPending,
            PaymentStatus::InProcess | PaymentStatus::Authorized | PaymentStatus::InMediation => {
                OrderStatus::PaymentInProcess
            }
            PaymentStatus::Rejected => OrderStatus::Rejected,
            PaymentStatus::Cancelled => OrderStatus::Cancelled,
            PaymentStatus::Refunded => OrderStatus::Refunded,
            PaymentStatus::ChargedBack => OrderStatus::ChargedBack,
            PaymentStatus::Other(_) => OrderStatus::PaymentUnknown,
        }
    }

    /// Whether a new payment may be attempted: only when no payment can still succeed.
    pub fn accepts_payment(self) -> bool {
        matches!(self, OrderStatus::Created | OrderStatus::Rejected)
    }

    /// The forward-only rule: whether news may move an order from `self` to `to`. A late or
    /// repeated notification never moves an order backwards: nothing leaves refunded,
    /// charged back or cancelled, and a paid order only goes on to refunds and chargebacks.
    pub fn can_move_to(self, to: OrderStatus) -> bool {
        use OrderStatus::*;
        if self == to {
            return false;
        }
        match self {
            // A failed attempt hands the order back to where it was before it.
            Created | Rejected | Processing => to != Processing || self != Processing,
            PaymentPending | PaymentInProcess | PaymentUnknown => {
                !matches!(to, Created | Processing)
            }
            Paid => matches!(to, PartiallyRefunded | Refunded | ChargedBack),
            PartiallyRefunded => matches!(to, Refunded | ChargedBack),
            Cancelled | Refunded | ChargedBack => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus;
    use crate::domain::PaymentStatus;

    #[test]
    fn text_round_trips() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            OrderStatus::parse("partially_refunded"),
            Some(OrderStatus::PartiallyRefunded)
        );
        assert_eq!(OrderStatus::parse("approved"), None);
    }

    #[test]
    fn never_backwards() {
        use OrderStatus::*;
        assert!(
            !Refunded.can_move_to(Paid),
            "approved after refunded leaves it refunded"
        );
        assert!(!Paid.can_move_to(PaymentPending));
        assert!(
            !Paid.can_move_to(Rejected),
            "a late decline of an old attempt"
        );
        assert!(!Cancelled.can_move_to(Paid));
        assert!(!ChargedBack.can_move_to(Refunded));
        assert!(!PartiallyRefunded.can_move_to(Paid));
        assert!(PaymentPending.can_move_to(Paid));
        assert!(PaymentPending.can_move_to(Cancelled));
        assert!(PaymentUnknown.can_move_to(Paid));
        assert!(Paid.can_move_to(PartiallyRefunded));
        assert!(PartiallyRefunded.can_move_to(Refunded));
        assert!(Paid.can_move_to(ChargedBack));
        assert!(Rejected.can_move_to(Processing), "a new attempt");
        assert!(Processing.can_move_to(Created), "a failed attempt");
        assert!(!Paid.can_move_to(Paid));
    }

    #[test]
    fn only_unpaid_orders_take_a_new_payment() {
        assert!(OrderStatus::Created.accepts_payment());
        assert!(OrderStatus::Rejected.accepts_payment());
        for s in [
            PaymentStatus::Approved,
            PaymentStatus::Pending,
            PaymentStatus::InProcess,
            PaymentStatus::Authorized,
        ] {
            assert!(
                !OrderStatus::from_payment_status(&s).accepts_payment(),
                "{s}"
            );
        }
    }
}
