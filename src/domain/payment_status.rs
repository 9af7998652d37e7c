//! Mercado Pago's `status` and `status_detail` of a payment (FACTS §3.2), typed. Each keeps
//! an `Other` arm: a word Mercado Pago adds later is stored and shown as it came.

use super::vocabulary::open_vocabulary;

open_vocabulary! {
    /// A payment's `status`.
    pub enum PaymentStatus {
        /// Waiting for the shopper: Pix, a ticket, a 3-D Secure challenge.
        Pending = "pending",
        Approved = "approved",
        /// Card authorized, waiting for capture.
        Authorized = "authorized",
        /// Mercado Pago is reviewing it.
        InProcess = "in_process",
        /// The shopper opened a dispute.
        InMediation = "in_mediation",
        Rejected = "rejected",
        /// Cancelled by a party, or expired unpaid.
        Cancelled = "cancelled",
        Refunded = "refunded",
        ChargedBack = "charged_back",
    }
}

open_vocabulary! {
    /// A payment's `status_detail`: why it stands where it does. `Empty` when Mercado Pago sent
    /// none (stored as empty text).
    #[derive(Default)]
    pub enum StatusDetail {
        #[default]
        Empty = "",
        Accredited = "accredited",
        PartiallyRefunded = "partially_refunded",
        PendingCapture = "pending_capture",
        OfflineProcess = "offline_process",
        PendingContingency = "pending_contingency",
        PendingReviewManual = "pending_review_manual",
        PendingWaitingTransfer = "pending_waiting_transfer",
        PendingWaitingPayment = "pending_waiting_payment",
        PendingChallenge = "pending_challenge",
        PendingWaitingForRemedy = "pending_waiting_for_remedy",
        PendingProviderResponse = "pending_provider_response",
        InProcess = "in_process",
        Expired = "expired",
        ByCollector = "by_collector",
        ByPayer = "by_payer",
        ByAdmin = "by_admin",
        Settled = "settled",
        Reimbursed = "reimbursed",
        Refunded = "refunded",
        BankError = "bank_error",
        CcRejected3dsChallenge = "cc_rejected_3ds_challenge",
        CcRejected3dsMandatory = "cc_rejected_3ds_mandatory",
        CcRejectedBadFilledCardNumber = "cc_rejected_bad_filled_card_number",
        CcRejectedBadFilledDate = "cc_rejected_bad_filled_date",
        CcRejectedBadFilledOther = "cc_rejected_bad_filled_other",
        CcRejectedBadFilledSecurityCode = "cc_rejected_bad_filled_security_code",
        CcRejectedBlacklist = "cc_rejected_blacklist",
        CcRejectedCallForAuthorize = "cc_rejected_call_for_authorize",
        CcRejectedCardDisabled = "cc_rejected_card_disabled",
        CcRejectedCardError = "cc_rejected_card_error",
        CcRejectedCardTypeNotAllowed = "cc_rejected_card_type_not_allowed",
        CcRejectedDuplicatedPayment = "cc_rejected_duplicated_payment",
        CcRejectedHighRisk = "cc_rejected_high_risk",
        CcRejectedInsufficientAmount = "cc_rejected_insufficient_amount",
        CcRejectedInvalidInstallments = "cc_rejected_invalid_installments",
        CcRejectedMaxAttempts = "cc_rejected_max_attempts",
        CcRejectedOtherReason = "cc_rejected_other_reason",
        CcRejectedTimeOut = "cc_rejected_time_out",
        CcAmountRateLimitExceeded = "cc_amount_rate_limit_exceeded",
        RejectedHighRisk = "rejected_high_risk",
        RejectedInsufficientData = "rejected_insufficient_data",
        RejectedByBank = "rejected_by_bank",
        RejectedByRegulations = "rejected_by_regulations",
        InsufficientAmount = "insufficient_amount",
    }
}

impl<'de> serde::Deserialize<'de> for PaymentStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

/// `null` or a missing field is `Empty`, as Mercado Pago leaves it out on some answers.
impl<'de> serde::Deserialize<'de> for StatusDetail {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<String>::deserialize(deserializer).map(|s| Self::from(s.unwrap_or_default()))
    }
}

impl PaymentStatus {
    /// Nothing more happens to it: declined, cancelled, refunded or charged back.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            PaymentStatus::Rejected
                | PaymentStatus::Cancelled
                | PaymentStatus::Refunded
                | PaymentStatus::ChargedBack
        )
    }

    /// Not decided yet: waiting for the shopper, the issuer or a capture. A payment leaves
    /// these for good once decided (approved, rejected, cancelled...).
    pub fn is_undecided(&self) -> bool {
        matches!(
            self,
            PaymentStatus::Pending | PaymentStatus::InProcess | PaymentStatus::Authorized
        )
    }

    /// Mercado Pago cancels only a payment still pending or in process.
    pub fn is_cancellable(&self) -> bool {
        matches!(self, PaymentStatus::Pending | PaymentStatus::InProcess)
    }
}

/// `pending`/`pending_challenge`: the shopper has a 3-D Secure challenge to meet.
pub fn awaits_challenge(status: &PaymentStatus, detail: &StatusDetail) -> bool {
    *status == PaymentStatus::Pending && *detail == StatusDetail::PendingChallenge
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each known value parses from its text, and is that text as a JSON string both ways.
    fn round_trips<T>(known: &[T])
    where
        T: for<'a> From<&'a str>
            + std::fmt::Display
            + std::fmt::Debug
            + PartialEq
            + serde::Serialize
            + serde::de::DeserializeOwned,
    {
        for value in known {
            let text = value.to_string();
            assert_eq!(&T::from(text.as_str()), value);
            let json = serde_json::to_string(value).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), value);
        }
    }

    #[test]
    fn every_known_status_round_trips_as_mercado_pagos_text() {
        round_trips(PaymentStatus::KNOWN);
        assert_eq!(PaymentStatus::KNOWN.len(), 9);
        assert!(!PaymentStatus::KNOWN
            .iter()
            .any(|s| matches!(s, PaymentStatus::Other(_))));
    }

    #[test]
    fn only_pending_in_process_and_authorized_are_undecided() {
        let mut undecided: Vec<&str> = PaymentStatus::KNOWN
            .iter()
            .filter(|s| s.is_undecided())
            .map(|s| s.as_str())
            .collect();
        undecided.sort();
        assert_eq!(undecided, ["authorized", "in_process", "pending"]);
        assert!(!PaymentStatus::from("something_new").is_undecided());
    }

    #[test]
    fn every_known_detail_round_trips_as_mercado_pagos_text() {
        round_trips(StatusDetail::KNOWN);
    }

    #[test]
    fn the_texts_are_mercado_pagos() {
        assert_eq!(PaymentStatus::InProcess.as_str(), "in_process");
        assert_eq!(PaymentStatus::ChargedBack.as_str(), "charged_back");
        assert_eq!(PaymentStatus::InMediation.to_string(), "in_mediation");
        assert_eq!(StatusDetail::PendingChallenge.as_str(), "pending_challenge");
        assert_eq!(
            StatusDetail::CcRejected3dsMandatory.as_str(),
            "cc_rejected_3ds_mandatory"
        );
        assert_eq!(StatusDetail::Empty.as_str(), "");
    }

    #[test]
    fn an_unknown_word_survives_as_other() {
        let s: PaymentStatus = serde_json::from_str("\"on_the_moon\"").unwrap();
        assert_eq!(s, PaymentStatus::Other("on_the_moon".into()));
        assert_eq!(s.as_str(), "on_the_moon");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"on_the_moon\"");
        let d = StatusDetail::from("cc_rejected_new_reason".to_string());
        assert_eq!(d, StatusDetail::Other("cc_rejected_new_reason".into()));
        assert_eq!(d.to_string(), "cc_rejected_new_reason");
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            serde_json::json!("cc_rejected_new_reason")
        );
    }

    #[test]
    fn a_missing_or_null_detail_is_empty() {
        #[derive(serde::Deserialize)]
        struct P {
            status: PaymentStatus,
            #[serde(default)]
            status_detail: StatusDetail,
        }
        let p: P = serde_json::from_str(r#"{"status":"approved"}"#).unwrap();
        assert_eq!(p.status, PaymentStatus::Approved);
        assert_eq!(p.status_detail, StatusDetail::Empty);
        let p: P = serde_json::from_str(r#"{"status":"approved","status_detail":null}"#).unwrap();
        assert_eq!(p.status_detail, StatusDetail::Empty);
        assert!(serde_json::from_str::<P>(r#"{"status":null}"#).is_err());
    }

    #[test]
    fn a_challenge_is_pending_pending_challenge() {
        assert!(awaits_challenge(
            &PaymentStatus::Pending,
            &StatusDetail::PendingChallenge
        ));
        assert!(!awaits_challenge(
            &PaymentStatus::InProcess,
            &StatusDetail::PendingChallenge
        ));
    }
}
