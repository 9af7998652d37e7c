//! What the Payment Brick's `onSubmit` posts, parsed into values that cannot be wrong.
//!
//! The raw structs mirror the Brick's JSON loosely (everything optional) so that a missing
//! field becomes a message naming it instead of a serde error; `parse` then builds the types.
//! Nothing but `parse` reads them, so their fields are private.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::email::Email;
use super::identification::{DocumentProblem, IdTypes};
use super::money::{Money, MoneyError};
use super::site::payment_types::{CREDIT_CARD, DEBIT_CARD};
pub use super::site::OfflineKind;
use super::site::{methods, Site};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawSubmission {
    selected_payment_method: Option<String>,
    form_data: Option<RawFormData>,
}

#[derive(Debug, Deserialize)]
struct RawFormData {
    token: Option<String>,
    issuer_id: Option<serde_json::Value>,
    payment_method_id: Option<String>,
    transaction_amount: Option<serde_json::Number>,
    installments: Option<i64>,
    payer: Option<RawPayer>,
    metadata: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct RawPayer {
    email: Option<String>,
    identification: Option<RawIdentification>,
    first_name: Option<String>,
    last_name: Option<String>,
    address: Option<RawAddress>,
}

#[derive(Debug, Deserialize)]
struct RawAddress {
    zip_code: Option<String>,
    street_name: Option<String>,
    street_number: Option<serde_json::Value>,
    neighborhood: Option<String>,
    city: Option<String>,
    federal_unit: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawIdentification {
    #[serde(rename = "type")]
    kind: Option<String>,
    number: Option<String>,
}

/// Why a submission was refused: which field, and what is wrong with it, as a key that
/// `i18n::submission_message` words in the shopper's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem:?}")]
pub struct SubmissionError {
    pub field: &'static str,
    pub problem: Problem,
}

/// What a person should do about a refused submission, with the values its sentence needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The card token is malformed: the card form has to be filled in again.
    CardIncomplete,
    CardMissing,
    ChooseMethod,
    /// A `selectedPaymentMethod` that is neither a card nor anything else we take.
    CardOnly {
        selected: String,
    },
    /// Wallet payments start at Mercado Pago's button, never here.
    WalletAtMercadoPago,
    UnknownMethod {
        selected: String,
    },
    NotOfferedHere {
        method: String,
    },
    FormMissing,
    IssuerInvalid,
    InstallmentsMissing,
    Installments {
        max: u8,
    },
    AmountMissing,
    PayerMissing,
    EmailMissing,
    EmailInvalid,
    DocumentNumberInvalid,
    /// A number that does not fit its (listed) document type.
    Document(DocumentProblem),
    ChooseDocumentType,
    NameTooLong {
        max: usize,
    },
    NameControlCharacters,
    FirstNameMissing,
    LastNameMissing,
    /// Boleto needs the payer's CPF or CNPJ.
    CpfOrCnpjMissing,
    AddressMissing,
    AddressIncomplete,
    AddressInvalid,
}

fn refuse(field: &'static str, problem: Problem) -> SubmissionError {
    SubmissionError { field, problem }
}

/// The field that names the method.
const SELECTED: &str = "selectedPaymentMethod";

/// `selectedPaymentMethod`, which every submission must name.
fn selected_method(raw: Option<&str>) -> Result<&str, SubmissionError> {
    raw.ok_or_else(|| refuse(SELECTED, Problem::ChooseMethod))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardKind {
    Credit,
    Debit,
}

impl CardKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CardKind::Credit => CREDIT_CARD,
            CardKind::Debit => DEBIT_CARD,
        }
    }

    /// The card a `selectedPaymentMethod` names, if it names one.
    fn selected(selected: &str) -> Option<Self> {
        [CardKind::Credit, CardKind::Debit]
            .into_iter()
            .find(|kind| kind.as_str() == selected)
    }
}

/// A single-use card token made by Mercado Pago's JS in the browser. Never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct CardToken(String);

impl CardToken {
    pub fn parse(raw: &str) -> Result<Self, SubmissionError> {
        let ok = (8..=64).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric());
        if !ok {
            return Err(refuse("formData.token", Problem::CardIncomplete));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CardToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardToken(***)")
    }
}

/// Mercado Pago's `payment_method_id` (`visa`, `master`, `debelo`, `pix`...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentMethodId(String);

impl PaymentMethodId {
    pub fn parse(raw: &str) -> Result<Self, SubmissionError> {
        let ok = (2..=40).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            return Err(refuse("formData.payment_method_id", Problem::ChooseMethod));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Number of installments, within what the site allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installments(u8);

impl Installments {
    pub fn parse(raw: i64, site: Site) -> Result<Self, SubmissionError> {
        let max = site.profile().max_installments;
        match u8::try_from(raw) {
            Ok(n) if (1..=max).contains(&n) => Ok(Self(n)),
            _ => Err(refuse(
                "formData.installments",
                Problem::Installments { max },
            )),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// The payer's document, serialized as Mercado Pago's `payer.identification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identification {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub number: String,
}

impl Identification {
    /// A document checked against the site's document types (`types`, Mercado Pago's list
    /// when the store has it). A type the list does not hold is NOT refused: our list may be
    /// older than Mercado Pago's, and a document it takes must never be refused by us; it
    /// goes as typed and, if Mercado Pago refuses it, the shopper is told to check it.
    fn parse(raw: &RawIdentification, types: &IdTypes) -> Result<Option<Self>, SubmissionError> {
        let number = raw.number.as_deref().map(str::trim).unwrap_or("");
        if number.is_empty() {
            return Ok(None);
        }
        let number_ok = number.len() <= 30
            && number
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'/' | b' '));
        if !number_ok {
            return Err(refuse(
                "formData.payer.identification.number",
                Problem::DocumentNumberInvalid,
            ));
        }
        let kind = raw.kind.as_deref().map(str::trim).filter(|k| !k.is_empty());
        let (kind, number) = match kind {
            Some(k) => match types.find(k) {
                Some(known) => {
                    let number = known.check(number).map_err(|p| {
                        refuse("formData.payer.identification.number", Problem::Document(p))
                    })?;
                    (Some(known.id().to_string()), number)
                }
                None if k.len() <= 20
                    && k.chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ' ' | '_')) =>
                {
                    (Some(k.to_string()), number.to_string())
                }
                None => {
                    return Err(refuse(
                        "formData.payer.identification.type",
                        Problem::ChooseDocumentType,
                    ))
                }
            },
            None if types.is_empty() => (None, number.to_string()),
            None => {
                return Err(refuse(
                    "formData.payer.identification.type",
                    Problem::ChooseDocumentType,
                ))
            }
        };
        Ok(Some(Self { kind, number }))
    }
}

/// Who pays, whatever the method; what a method requires of the payer beyond an email its
/// own parser checks. Serialized as Mercado Pago's `payer`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payer {
    pub email: Email,
    pub identification: Option<Identification>,
    /// Optional for cards; sent for fraud scoring when the shopper gave them.
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Only offline methods take one (boleto needs it): always `None` for a card.
    pub address: Option<Address>,
}

impl Payer {
    /// Boleto is registered to a person: Mercado Pago refuses it without a name, a CPF or
    /// CNPJ and an address. The first part missing is the one refused.
    fn check_registered(&self) -> Result<(), SubmissionError> {
        let (field, problem) = if self.first_name.is_none() {
            ("formData.payer.first_name", Problem::FirstNameMissing)
        } else if self.last_name.is_none() {
            ("formData.payer.last_name", Problem::LastNameMissing)
        } else if self.identification.is_none() {
            (
                "formData.payer.identification.number",
                Problem::CpfOrCnpjMissing,
            )
        } else if self.address.is_none() {
            ("formData.payer.address", Problem::AddressMissing)
        } else {
            return Ok(());
        };
        Err(refuse(field, problem))
    }
}

/// Longest first or last name taken (Mercado Pago's own forms stop well before).
const NAME_MAX: usize = 80;

/// A first or last name the shopper may give: trimmed, `None` when blank, refused when too
/// long or holding control characters (a line break has no place in a name).
fn person_name(
    value: Option<&str>,
    field: &'static str,
) -> Result<Option<String>, SubmissionError> {
    let Some(name) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if name.chars().count() > NAME_MAX {
        return Err(refuse(field, Problem::NameTooLong { max: NAME_MAX }));
    }
    if name.chars().any(char::is_control) {
        return Err(refuse(field, Problem::NameControlCharacters));
    }
    Ok(Some(name.to_string()))
}

impl RawFormData {
    /// The form itself, which every method's submission carries.
    fn required(form: Option<Self>) -> Result<Self, SubmissionError> {
        form.ok_or_else(|| refuse("formData", Problem::FormMissing))
    }

    fn payment_method_id(&self) -> Result<PaymentMethodId, SubmissionError> {
        PaymentMethodId::parse(
            self.payment_method_id
                .as_deref()
                .ok_or_else(|| refuse("formData.payment_method_id", Problem::ChooseMethod))?,
        )
    }
}

/// What every method's form carries: the amount the browser claims and who pays. The
/// payer's address, which only some methods take, is left unparsed (`None` in the payer).
fn amount_and_payer(
    amount: Option<serde_json::Number>,
    payer: Option<RawPayer>,
    id_types: &IdTypes,
) -> Result<(serde_json::Number, Payer, Option<RawAddress>), SubmissionError> {
    let claimed_amount =
        amount.ok_or_else(|| refuse("formData.transaction_amount", Problem::AmountMissing))?;
    let raw = payer.ok_or_else(|| refuse("formData.payer", Problem::PayerMissing))?;
    let email = Email::parse(
        raw.email
            .as_deref()
            .ok_or_else(|| refuse("formData.payer.email", Problem::EmailMissing))?,
    )
    .map_err(|_| refuse("formData.payer.email", Problem::EmailInvalid))?;
    let identification = match &raw.identification {
        Some(raw_id) => Identification::parse(raw_id, id_types)?,
        None => None,
    };
    let payer = Payer {
        email,
        identification,
        first_name: person_name(raw.first_name.as_deref(), "formData.payer.first_name")?,
        last_name: person_name(raw.last_name.as_deref(), "formData.payer.last_name")?,
        address: None,
    };
    Ok((claimed_amount, payer, raw.address))
}

/// `issuer_id`: the Brick sends it as a string of digits or a number, or not at all.
fn issuer_id(raw: Option<serde_json::Value>) -> Result<Option<String>, SubmissionError> {
    match raw {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if s.is_empty() => Ok(None),
        Some(serde_json::Value::String(s))
            if s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(Some(s))
        }
        Some(serde_json::Value::Number(n)) if n.as_u64().is_some() => Ok(Some(n.to_string())),
        Some(_) => Err(refuse("formData.issuer_id", Problem::IssuerInvalid)),
    }
}

/// The card a card-only submission names; any other method is refused.
fn card_only(selected: Option<&str>) -> Result<CardKind, SubmissionError> {
    let selected = selected_method(selected)?;
    CardKind::selected(selected).ok_or_else(|| {
        refuse(
            SELECTED,
            Problem::CardOnly {
                selected: short(selected),
            },
        )
    })
}

/// A card payment the shopper asked for. The amount is what the browser claimed: the
/// handler compares it with the order and sends the order's own amount, never this one.
#[derive(Debug, Clone)]
pub struct CardPayment {
    pub kind: CardKind,
    pub token: CardToken,
    pub payment_method_id: PaymentMethodId,
    pub issuer_id: Option<String>,
    pub installments: Installments,
    pub claimed_amount: serde_json::Number,
    pub payer: Payer,
}

impl CardPayment {
    pub fn parse(
        raw: RawSubmission,
        site: Site,
        id_types: &IdTypes,
    ) -> Result<Self, SubmissionError> {
        let kind = card_only(raw.selected_payment_method.as_deref())?;
        Self::from_form(kind, raw.form_data, site, id_types)
    }

    /// The rest of a card payment, once `selectedPaymentMethod` named a card.
    fn from_form(
        kind: CardKind,
        form: Option<RawFormData>,
        site: Site,
        id_types: &IdTypes,
    ) -> Result<Self, SubmissionError> {
        let form = RawFormData::required(form)?;
        let token = CardToken::parse(
            form.token
                .as_deref()
                .ok_or_else(|| refuse("formData.token", Problem::CardMissing))?,
        )?;
        let payment_method_id = form.payment_method_id()?;
        let issuer_id = issuer_id(form.issuer_id)?;
        let installments = Installments::parse(
            form.installments
                .ok_or_else(|| refuse("formData.installments", Problem::InstallmentsMissing))?,
            site,
        )?;
        // A card's payer has no address: whatever the form holds there is not read.
        let (claimed_amount, payer, _) =
            amount_and_payer(form.transaction_amount, form.payer, id_types)?;
        Ok(Self {
            kind,
            token,
            payment_method_id,
            issuer_id,
            installments,
            claimed_amount,
            payer,
        })
    }

    /// The claimed amount in the order's currency, exactly, or why it can't be one.
    pub fn claimed_money(&self, site: Site) -> Result<Money, MoneyError> {
        Money::parse_decimal(&self.claimed_amount.to_string(), site.currency())
    }
}

/// A postal address, all parts present (boleto needs every one); serialized as Mercado
/// Pago's `payer.address`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    pub zip_code: String,
    pub street_name: String,
    pub street_number: String,
    pub neighborhood: String,
    pub city: String,
    pub federal_unit: String,
}

/// A Pix, ticket or ATM payment the shopper asked for.
#[derive(Debug, Clone)]
pub struct OfflinePayment {
    pub kind: OfflineKind,
    pub payment_method_id: PaymentMethodId,
    pub claimed_amount: serde_json::Number,
    pub payer: Payer,
    /// Mexico's Brick says where the shopper will pay (`metadata.payment_point`).
    pub payment_point: Option<String>,
}

/// Any payment `/process_payment` takes.
#[derive(Debug, Clone)]
pub enum PaymentRequest {
    Card(CardPayment),
    Offline(OfflinePayment),
}

impl PaymentRequest {
    pub fn parse(
        raw: RawSubmission,
        site: Site,
        id_types: &IdTypes,
    ) -> Result<Self, SubmissionError> {
        let selected = selected_method(raw.selected_payment_method.as_deref())?;
        if let Some(card) = CardKind::selected(selected) {
            return CardPayment::from_form(card, raw.form_data, site, id_types)
                .map(PaymentRequest::Card);
        }
        let kind = match OfflineKind::from_payment_type(selected) {
            Some(kind) => kind,
            None if matches!(selected, "wallet_purchase" | "onboarding_credits") => {
                return Err(refuse(SELECTED, Problem::WalletAtMercadoPago))
            }
            None => {
                return Err(refuse(
                    SELECTED,
                    Problem::UnknownMethod {
                        selected: short(selected),
                    },
                ))
            }
        };
        let form = RawFormData::required(raw.form_data)?;
        let method = form.payment_method_id()?;
        if !site.offers(kind, method.as_str()) {
            return Err(refuse(
                "formData.payment_method_id",
                Problem::NotOfferedHere {
                    method: method.as_str().to_string(),
                },
            ));
        }
        let payment_point = payment_point(form.metadata.as_ref());
        let (claimed_amount, mut payer, raw_address) =
            amount_and_payer(form.transaction_amount, form.payer, id_types)?;
        payer.address = raw_address.map(Address::parse).transpose()?;
        if method.as_str() == methods::BOLBRADESCO {
            payer.check_registered()?;
        }
        Ok(PaymentRequest::Offline(OfflinePayment {
            kind,
            payment_method_id: method,
            claimed_amount,
            payer,
            payment_point,
        }))
    }

    pub fn claimed_amount(&self) -> &serde_json::Number {
        match self {
            PaymentRequest::Card(c) => &c.claimed_amount,
            PaymentRequest::Offline(o) => &o.claimed_amount,
        }
    }

    /// The claimed amount in the order's currency, exactly, or why it can't be one.
    pub fn claimed_money(&self, site: Site) -> Result<Money, MoneyError> {
        Money::parse_decimal(&self.claimed_amount().to_string(), site.currency())
    }

    pub fn payment_method_id(&self) -> &str {
        match self {
            PaymentRequest::Card(c) => c.payment_method_id.as_str(),
            PaymentRequest::Offline(o) => o.payment_method_id.as_str(),
        }
    }

    pub fn payer(&self) -> &Payer {
        match self {
            PaymentRequest::Card(c) => &c.payer,
            PaymentRequest::Offline(o) => &o.payer,
        }
    }

    pub fn payer_email(&self) -> &Email {
        &self.payer().email
    }
}

/// Mexico's `metadata.payment_point`, kept only when it looks like one (an id, not text).
fn payment_point(metadata: Option<&serde_json::Value>) -> Option<String> {
    metadata
        .and_then(|m| m.get("payment_point"))
        .and_then(|p| p.as_str())
        .filter(|p| {
            p.len() <= 40
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
        .map(String::from)
}

impl Address {
    fn parse(raw: RawAddress) -> Result<Self, SubmissionError> {
        let part =
            |value: Option<String>, field: &'static str| -> Result<String, SubmissionError> {
                let value = value.map(|v| v.trim().to_string()).unwrap_or_default();
                if value.is_empty() {
                    return Err(refuse(field, Problem::AddressIncomplete));
                }
                if value.chars().count() > 120 || value.chars().any(char::is_control) {
                    return Err(refuse(field, Problem::AddressInvalid));
                }
                Ok(value)
            };
        let number = match raw.street_number {
            Some(serde_json::Value::String(s)) => Some(s),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        Ok(Self {
            zip_code: part(raw.zip_code, "formData.payer.address.zip_code")?,
            street_name: part(raw.street_name, "formData.payer.address.street_name")?,
            street_number: part(number, "formData.payer.address.street_number")?,
            neighborhood: part(raw.neighborhood, "formData.payer.address.neighborhood")?,
            city: part(raw.city, "formData.payer.address.city")?,
            federal_unit: part(raw.federal_unit, "formData.payer.address.federal_unit")?,
        })
    }
}

fn short(s: &str) -> String {
    s.chars().take(30).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identification::mercado_pagos;
    use serde_json::json;

    fn submission(v: serde_json::Value) -> Result<CardPayment, SubmissionError> {
        let raw: RawSubmission = serde_json::from_value(v).expect("shape");
        CardPayment::parse(raw, Site::Mlb, &IdTypes::built_in(Site::Mlb))
    }

    fn good() -> serde_json::Value {
        json!({
            "selectedPaymentMethod": "credit_card",
            "formData": {
                "token": "ff8080814c11e237014c1ff593b57b4d",
                "issuer_id": "25",
                "payment_method_id": "visa",
                "transaction_amount": 100.5,
                "installments": 1,
                "payer": {"email": "buyer@example.com", "identification": {"type": "CPF", "number": "12345678909"}}
            }
        })
    }

    #[test]
    fn parses_the_brick_card_shape() {
        let p = submission(good()).unwrap();
        assert_eq!(p.kind, CardKind::Credit);
        assert_eq!(p.installments.get(), 1);
        assert_eq!(p.issuer_id.as_deref(), Some("25"));
        assert_eq!(p.claimed_money(Site::Mlb).unwrap().minor(), 10050);
        assert_eq!(p.payer.identification.unwrap().kind.as_deref(), Some("CPF"));
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(&str, serde_json::Value, &str)> = vec![
            (
                "/selectedPaymentMethod",
                json!("ticket"),
                "selectedPaymentMethod",
            ),
            (
                "/selectedPaymentMethod",
                json!(null),
                "selectedPaymentMethod",
            ),
            ("/formData/token", json!(null), "formData.token"),
            ("/formData/token", json!("x y"), "formData.token"),
            (
                "/formData/payment_method_id",
                json!("VISA!"),
                "formData.payment_method_id",
            ),
            ("/formData/installments", json!(0), "formData.installments"),
            ("/formData/installments", json!(13), "formData.installments"),
            ("/formData/installments", json!(-1), "formData.installments"),
            (
                "/formData/transaction_amount",
                json!(null),
                "formData.transaction_amount",
            ),
            (
                "/formData/payer/email",
                json!("nope"),
                "formData.payer.email",
            ),
            ("/formData/payer/email", json!(null), "formData.payer.email"),
            // An empty type; an unknown one goes on to Mercado Pago (see below).
            (
                "/formData/payer/identification/type",
                json!(""),
                "formData.payer.identification.type",
            ),
            (
                "/formData/payer/identification/number",
                json!("<script>"),
                "formData.payer.identification.number",
            ),
            ("/formData/issuer_id", json!("abc"), "formData.issuer_id"),
            ("/formData", json!(null), "formData"),
        ];
        for (pointer, value, field) in cases {
            let mut v = good();
            *v.pointer_mut(pointer).unwrap() = value;
            let err = submission(v).unwrap_err();
            assert_eq!(err.field, field, "{pointer}");
        }
    }

    #[test]
    fn token_never_shows_in_debug() {
        let p = submission(good()).unwrap();
        assert!(!format!("{p:?}").contains("ff8080814c11e237014c1ff593b57b4d"));
    }

    fn offline(selected: &str, method: &str) -> serde_json::Value {
        json!({"selectedPaymentMethod": selected, "formData": {
            "payment_method_id": method, "transaction_amount": 100.5,
            "payer": {"email": "buyer@example.com", "first_name": "Ana", "last_name": "Silva",
                      "identification": {"type": "CPF", "number": "19119119100"},
                      "address": {"zip_code": "06233200", "street_name": "Av", "street_number": 3003,
                                  "neighborhood": "Bonfim", "city": "Osasco", "federal_unit": "SP"}}}})
    }

    fn request(v: serde_json::Value, site: Site) -> Result<PaymentRequest, SubmissionError> {
        PaymentRequest::parse(
            serde_json::from_value(v).unwrap(),
            site,
            &IdTypes::built_in(site),
        )
    }

    #[test]
    fn a_method_not_offered_on_the_site_is_refused_with_a_clear_error() {
        let err = request(offline("bank_transfer", "pix"), Site::Mla).unwrap_err();
        assert_eq!(err.field, "formData.payment_method_id");
        assert_eq!(
            err.problem,
            Problem::NotOfferedHere {
                method: "pix".into()
            }
        );
        assert!(request(offline("ticket", "oxxo"), Site::Mlb).is_err());
        assert!(request(offline("atm", "bancomer"), Site::Mlc).is_err());
        assert!(request(offline("ticket", "rapipago"), Site::Mlm).is_err());
        assert!(request(offline("bank_transfer", "pix"), Site::Mlb).is_ok());
        assert!(request(offline("atm", "bancomer"), Site::Mlm).is_ok());
        let wallet = json!({"selectedPaymentMethod": "wallet_purchase", "formData": null});
        assert_eq!(
            request(wallet, Site::Mlb).unwrap_err().field,
            "selectedPaymentMethod"
        );
    }

    #[test]
    fn boleto_needs_name_document_and_address() {
        for (pointer, field) in [
            ("/formData/payer/first_name", "formData.payer.first_name"),
            (
                "/formData/payer/identification",
                "formData.payer.identification.number",
            ),
            ("/formData/payer/address", "formData.payer.address"),
        ] {
            let mut v = offline("ticket", "bolbradesco");
            *v.pointer_mut(pointer).unwrap() = json!(null);
            assert_eq!(request(v, Site::Mlb).unwrap_err().field, field);
        }
        let mut v = offline("ticket", "bolbradesco");
        *v.pointer_mut("/formData/payer/address/city").unwrap() = json!("");
        assert_eq!(
            request(v, Site::Mlb).unwrap_err().field,
            "formData.payer.address.city"
        );
        let PaymentRequest::Offline(ok) =
            request(offline("ticket", "bolbradesco"), Site::Mlb).unwrap()
        else {
            panic!("offline")
        };
        assert_eq!(ok.payer.address.unwrap().street_number, "3003");
    }

    #[test]
    fn clp_and_cop_amounts_never_carry_decimals() {
        for site in [Site::Mlc, Site::Mco] {
            let mut v = good();
            *v.pointer_mut("/formData/payer/identification").unwrap() = json!(null);
            *v.pointer_mut("/formData/transaction_amount").unwrap() = json!(12990.5);
            let p = PaymentRequest::parse(
                serde_json::from_value(v.clone()).unwrap(),
                site,
                &IdTypes::built_in(site),
            )
            .unwrap();
            assert!(matches!(
                p.claimed_money(site),
                Err(MoneyError::TooManyDecimals { decimals: 0, .. })
            ));
            *v.pointer_mut("/formData/transaction_amount").unwrap() = json!(12990);
            let p = PaymentRequest::parse(
                serde_json::from_value(v).unwrap(),
                site,
                &IdTypes::built_in(site),
            )
            .unwrap();
            assert_eq!(p.claimed_money(site).unwrap().to_decimal_string(), "12990");
        }
    }

    #[test]
    fn card_payers_may_give_names_which_are_trimmed_and_checked() {
        let p = submission(good()).unwrap();
        assert_eq!((p.payer.first_name, p.payer.last_name), (None, None));
        let mut v = good();
        v["formData"]["payer"]["first_name"] = json!("  Ana ");
        v["formData"]["payer"]["last_name"] = json!("Souza Lima");
        let p = submission(v).unwrap();
        assert_eq!(p.payer.first_name.as_deref(), Some("Ana"));
        assert_eq!(p.payer.last_name.as_deref(), Some("Souza Lima"));
        let mut v = good();
        v["formData"]["payer"]["first_name"] = json!("   ");
        assert_eq!(submission(v).unwrap().payer.first_name, None);
        for (field, value, problem) in [
            (
                "first_name",
                "A".repeat(81),
                Problem::NameTooLong { max: 80 },
            ),
            (
                "last_name",
                "Silva\nDROP".to_string(),
                Problem::NameControlCharacters,
            ),
            (
                "first_name",
                "Ana\u{0}".to_string(),
                Problem::NameControlCharacters,
            ),
        ] {
            let mut v = good();
            v["formData"]["payer"][field] = json!(value);
            let err = submission(v).unwrap_err();
            assert_eq!(err.field, format!("formData.payer.{field}"));
            assert_eq!(err.problem, problem);
            let mut o = offline("bank_transfer", "pix");
            o["formData"]["payer"][field] = json!(value);
            assert!(request(o, Site::Mlb).is_err(), "offline {field}");
        }
        assert!(person_name(Some(&"é".repeat(80)), "f").unwrap().is_some());
    }

    #[test]
    fn mexico_needs_no_document_type() {
        let mut v = good();
        *v.pointer_mut("/formData/payer/identification").unwrap() = json!({"number": "ABC123"});
        let raw: RawSubmission = serde_json::from_value(v).unwrap();
        assert!(CardPayment::parse(raw, Site::Mlm, &IdTypes::built_in(Site::Mlm)).is_ok());
    }

    fn identified(
        site: Site,
        types: &IdTypes,
        kind: &str,
        number: &str,
    ) -> Result<Identification, SubmissionError> {
        let mut v = good();
        *v.pointer_mut("/formData/payer/identification").unwrap() =
            json!({"type": kind, "number": number});
        let raw: RawSubmission = serde_json::from_value(v).unwrap();
        CardPayment::parse(raw, site, types).map(|p| p.payer.identification.expect("a document"))
    }

    fn document_length(document: &str, digits: usize) -> Problem {
        Problem::Document(DocumentProblem::Length {
            document: document.into(),
            min: digits,
            max: digits,
            unit: crate::domain::LengthUnit::Digits,
        })
    }

    #[test]
    fn a_listed_type_checks_its_number_and_goes_in_mercado_pagos_spelling() {
        let types = mercado_pagos(&[("CPF", "number", 11, 11), ("CNPJ", "number", 14, 14)]);
        let id = identified(Site::Mlb, &types, "cpf", "123.456.789-09").unwrap();
        assert_eq!(id.kind.as_deref(), Some("CPF"));
        assert_eq!(
            id.number, "12345678909",
            "separators stripped before sending"
        );
        let err = identified(Site::Mlb, &types, "CPF", "1234567890").unwrap_err();
        assert_eq!(err.field, "formData.payer.identification.number");
        assert_eq!(err.problem, document_length("CPF", 11));
        let err = identified(Site::Mlb, &types, "CNPJ", "12345678909").unwrap_err();
        assert_eq!(err.problem, document_length("CNPJ", 14));

        let uy = mercado_pagos(&[("CI", "number", 8, 8), ("Otro", "string", 4, 20)]);
        let id = identified(Site::Mlu, &uy, "otro", "AB-1234").unwrap();
        assert_eq!(
            (id.kind.as_deref(), id.number.as_str()),
            (Some("Otro"), "AB-1234")
        );
    }

    #[test]
    fn a_type_outside_the_list_goes_on_to_mercado_pago() {
        for types in [
            IdTypes::built_in(Site::Mla),
            mercado_pagos(&[("DNI", "number", 7, 8)]),
        ] {
            let id = identified(Site::Mla, &types, "CUIT", "20-12345678-6").unwrap();
            assert_eq!(id.kind.as_deref(), Some("CUIT"));
            assert_eq!(
                id.number, "20-12345678-6",
                "as typed: we know nothing of its form"
            );
        }
        let err = identified(Site::Mla, &IdTypes::built_in(Site::Mla), "<b>", "1234").unwrap_err();
        assert_eq!(err.field, "formData.payer.identification.type");
    }

    #[test]
    fn a_number_without_a_type_needs_a_list_that_does_not_apply() {
        let mut v = good();
        *v.pointer_mut("/formData/payer/identification").unwrap() =
            json!({"number": "12345678909"});
        let raw =
            |v: &serde_json::Value| serde_json::from_value::<RawSubmission>(v.clone()).unwrap();
        let types = mercado_pagos(&[("CPF", "number", 11, 11)]);
        let err = CardPayment::parse(raw(&v), Site::Mlb, &types).unwrap_err();
        assert_eq!(
            (err.field, err.problem),
            (
                "formData.payer.identification.type",
                Problem::ChooseDocumentType
            )
        );
        assert!(CardPayment::parse(raw(&v), Site::Mlm, &IdTypes::built_in(Site::Mlm)).is_ok());
    }
}
