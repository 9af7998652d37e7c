//! What must hold after settling, judged against both Mercado Pago's (the emulator's) state
//! and the store's database.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;
use sqlx::{PgPool, Row};

use crate::shopper::Story;

/// An amount as text ("158.81", "158.8", "158") in cents; the harness runs on MLB (BRL).
pub fn to_minor(text: &str) -> Option<i64> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 2 {
        return None;
    }
    let frac = format!("{frac:0<2}");
    Some(whole.parse::<i64>().ok()? * 100 + frac.parse::<i64>().ok()?)
}

fn minor_of(v: &Value) -> i64 {
    match v {
        Value::Number(n) => to_minor(&n.to_string()).unwrap_or(-1),
        Value::String(s) => to_minor(s).unwrap_or(-1),
        _ => 0,
    }
}

/// A payment as the emulator holds it.
#[derive(Debug, Clone)]
pub struct MpPayment {
    pub id: i64,
    pub order_id: String,
    pub status: String,
    pub status_detail: String,
    pub amount: i64,
    pub refunded: i64,
}

impl MpPayment {
    fn parse(v: &Value) -> Option<Self> {
        Some(Self {
            id: v["id"].as_i64()?,
            order_id: v["external_reference"].as_str()?.to_string(),
            status: v["status"].as_str().unwrap_or("").to_string(),
            status_detail: v["status_detail"].as_str().unwrap_or("").to_string(),
            amount: minor_of(&v["transaction_amount"]),
            refunded: minor_of(&v["transaction_amount_refunded"]),
        })
    }

    /// Approved at some point: approved, or approved and then refunded, charged back or disputed.
    fn was_approved(&self) -> bool {
        matches!(
            self.status.as_str(),
            "approved" | "refunded" | "charged_back" | "in_mediation"
        )
    }

    /// The order statuses that reflect this payment as the order's own.
    fn order_statuses(&self) -> &'static [&'static str] {
        match self.status.as_str() {
            "approved" if self.refunded >= self.amount => &["refunded"],
            "approved" if self.refunded > 0 || self.status_detail == "partially_refunded" => {
                &["partially_refunded"]
            }
            "approved" => &["paid"],
            "refunded" => &["refunded"],
            "charged_back" => &["charged_back"],
            // News only moves an order forward: a paid order stays paid while disputed.
            "in_mediation" => &["paid", "payment_in_process"],
            _ => &[],
        }
    }
}

#[derive(Debug, Clone)]
pub struct OrderRow {
    pub status: String,
    pub total: i64,
}

/// Everything the invariants look at, read once after settling.
pub struct Facts {
    pub orders: HashMap<String, OrderRow>,
    pub mp_payments: Vec<MpPayment>,
    /// (payment id, kind)
    pub anomalies: HashSet<(i64, String)>,
    /// (notification id, topic, data id)
    pub unprocessed: Vec<(i64, String, String)>,
}

impl Facts {
    pub async fn read(pool: &PgPool, emulator_payments: &[Value]) -> Self {
        let orders = sqlx::query("select id::text as id, status, total_minor from orders")
            .fetch_all(pool)
            .await
            .expect("read orders")
            .into_iter()
            .map(|r| {
                (
                    r.get::<String, _>("id"),
                    OrderRow {
                        status: r.get("status"),
                        total: r.get("total_minor"),
                    },
                )
            })
            .collect();
        let anomalies =
            sqlx::query("select payment_id, kind from anomalies where payment_id is not null")
                .fetch_all(pool)
                .await
                .expect("read anomalies")
                .into_iter()
                .map(|r| (r.get::<i64, _>("payment_id"), r.get::<String, _>("kind")))
                .collect();
        // A notification that came in the last seconds may still be in its re-read.
        let unprocessed = sqlx::query(
            "select id, topic, data_id from notifications
             where processed_at is null and received_at < now() - interval '5 seconds' order by id",
        )
        .fetch_all(pool)
        .await
        .expect("read notifications")
        .into_iter()
        .map(|r| (r.get("id"), r.get("topic"), r.get("data_id")))
        .collect();
        Self {
            orders,
            mp_payments: emulator_payments
                .iter()
                .filter_map(MpPayment::parse)
                .collect(),
            anomalies,
            unprocessed,
        }
    }

    pub fn payments_of(&self, order_id: &str) -> Vec<&MpPayment> {
        self.mp_payments
            .iter()
            .filter(|p| p.order_id == order_id)
            .collect()
    }

    fn flagged(&self, payment_id: i64) -> bool {
        self.anomalies
            .contains(&(payment_id, "duplicate_payment".to_string()))
    }
}

#[derive(Debug, Clone)]
pub struct Violation {
    pub invariant: &'static str,
    pub order_id: Option<String>,
    pub detail: String,
}

pub const NAMES: [&str; 6] = [
    "I1 second approved payment not flagged",
    "I2 approved payment not reflected",
    "I3 paid without an approved payment",
    "I4 notification left unprocessed",
    "I5 5xx or no answer to a shopper, or a panic",
    "paid voucher cancelled",
];

/// The only 5xx a shopper may get: Mercado Pago's answer did not come, the store is checking.
const ALLOWED_5XX: [(u16, &str); 1] = [(502, "outcome_unknown")];

pub fn check(facts: &Facts, stories: &[Story], panics: &[String]) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut by_order: BTreeMap<&str, Vec<&MpPayment>> = BTreeMap::new();
    for p in facts.mp_payments.iter().filter(|p| p.was_approved()) {
        by_order.entry(&p.order_id).or_default().push(p);
    }
    for (order_id, approved) in &by_order {
        // I1: every approved payment but one is flagged as a duplicate.
        let flagged = approved.iter().filter(|p| facts.flagged(p.id)).count();
        if approved.len() > 1 && flagged + 1 < approved.len() {
            found.push(Violation {
                invariant: NAMES[0],
                order_id: Some(order_id.to_string()),
                detail: format!(
                    "{} approved payments {:?}, {flagged} flagged duplicate_payment",
                    approved.len(),
                    approved
                        .iter()
                        .map(|p| (p.id, &p.status))
                        .collect::<Vec<_>>()
                ),
            });
        }
        // I2: the order says what its primary payment (the first full-amount approved one not
        // flagged as a duplicate) says.
        let Some(order) = facts.orders.get(*order_id) else {
            found.push(Violation {
                invariant: NAMES[1],
                order_id: Some(order_id.to_string()),
                detail: "approved payment for an order the store does not have".into(),
            });
            continue;
        };
        let full: Vec<&&MpPayment> = approved
            .iter()
            .filter(|p| p.amount == order.total)
            .collect();
        let primary = full.iter().find(|p| !facts.flagged(p.id)).or(full.first());
        if let Some(primary) = primary {
            let expected = primary.order_statuses();
            if !expected.contains(&order.status.as_str()) {
                found.push(Violation {
                    invariant: NAMES[1],
                    order_id: Some(order_id.to_string()),
                    detail: format!(
                        "order is {} but its payment {} is {}/{} (refunded {} of {}): expected {expected:?}",
                        order.status, primary.id, primary.status, primary.status_detail,
                        primary.refunded, primary.amount
                    ),
                });
            }
        }
    }
    // I3: a paid order (or one refunded or charged back since) has an approved full payment.
    for (order_id, order) in &facts.orders {
        let settled = matches!(
            order.status.as_str(),
            "paid" | "partially_refunded" | "refunded" | "charged_back"
        );
        let backed = by_order
            .get(order_id.as_str())
            .is_some_and(|ps| ps.iter().any(|p| p.amount == order.total));
        if settled && !backed {
            found.push(Violation {
                invariant: NAMES[2],
                order_id: Some(order_id.clone()),
                detail: format!(
                    "order is {} with no approved payment of {} at Mercado Pago",
                    order.status, order.total
                ),
            });
        }
    }
    // I4
    for (id, topic, data_id) in &facts.unprocessed {
        let order_id = data_id.parse::<i64>().ok().and_then(|pid| {
            facts
                .mp_payments
                .iter()
                .find(|p| p.id == pid)
                .map(|p| p.order_id.clone())
        });
        found.push(Violation {
            invariant: NAMES[3],
            order_id,
            detail: format!("notification {id} ({topic} {data_id}) has no processed_at"),
        });
    }
    // I5 and the late voucher, from what the shoppers saw.
    for story in stories {
        for step in story.steps.iter().filter(|s| s.to_store) {
            let allowed = ALLOWED_5XX.iter().any(|(status, code)| {
                step.status == *status && step.error.as_deref() == Some(code)
            });
            if step.status == 0 || (step.status >= 500 && !allowed) {
                found.push(Violation {
                    invariant: NAMES[4],
                    order_id: story.order_id.clone(),
                    detail: format!("{} -> {} {}", step.what, step.status, step.body),
                });
            }
        }
        if story.voucher_cancelled {
            found.push(Violation {
                invariant: NAMES[5],
                order_id: story.order_id.clone(),
                detail: "the shopper paid the voucher late; the store had cancelled it".into(),
            });
        }
    }
    for panic in panics {
        found.push(Violation {
            invariant: NAMES[4],
            order_id: None,
            detail: format!("panicked: {panic}"),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::to_minor;

    #[test]
    fn amounts_in_cents() {
        assert_eq!(to_minor("158.81"), Some(15881));
        assert_eq!(to_minor("158.8"), Some(15880));
        assert_eq!(to_minor("158"), Some(15800));
        assert_eq!(to_minor("1.234"), None);
    }
}
