//! The site's document types as Mercado Pago lists them, kept fresh in the background.
//!
//! The store starts on the built-in table and a spawned task asks Mercado Pago at once, then
//! every `REFRESH`: a start never waits on Mercado Pago (in sandbox mode the emulator is
//! this very server, which only answers once it runs), and payments made before the first
//! answer are checked against the built-in table, which refuses no type (see
//! `Identification::parse`).

use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use crate::domain::{IdType, IdTypes, Site};
use crate::mercadopago::{IdentificationType, MercadoPagoClient};

/// How often a list we have is asked for again: document types change rarely, and a stale
/// list only costs a refusal by Mercado Pago, never one by us.
const REFRESH: Duration = Duration::from_secs(6 * 3600);
/// After a failure: soon enough that a store started while Mercado Pago was unreachable
/// checks numbers within minutes, rare enough to cost nothing.
const RETRY: Duration = Duration::from_secs(60);
/// The longest one fetch may take, whatever the client's own timeouts are.
const FETCH_BOUND: Duration = Duration::from_secs(3);

/// The list `/process_payment` checks documents against.
#[derive(Debug)]
pub struct CurrentIdTypes(RwLock<Arc<IdTypes>>);

impl CurrentIdTypes {
    pub fn new(initial: IdTypes) -> Self {
        Self(RwLock::new(Arc::new(initial)))
    }

    pub fn current(&self) -> Arc<IdTypes> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn replace(&self, types: IdTypes) {
        *self
            .0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(types);
    }
}

/// Mercado Pago's list of the account's document types, within `FETCH_BOUND`.
pub async fn fetch(client: &MercadoPagoClient) -> anyhow::Result<IdTypes> {
    let answer = tokio::time::timeout(FETCH_BOUND, client.identification_types())
        .await
        .map_err(|_| anyhow::anyhow!("no answer within {FETCH_BOUND:?}"))??;
    from_answer(&answer)
        .ok_or_else(|| anyhow::anyhow!("Mercado Pago listed no usable document type"))
}

/// The usable entries of Mercado Pago's answer; `None` when none is.
fn from_answer(answer: &[IdentificationType]) -> Option<IdTypes> {
    IdTypes::from_mercado_pago(
        answer
            .iter()
            .filter_map(|t| IdType::new(&t.id, &t.kind, t.min_length, t.max_length)),
    )
}

/// Fetches now, then every `REFRESH` (every `RETRY` after a failure), for as long as the
/// application holding `current` lives. One warning per run of failures, not one a minute.
pub async fn keep_fresh(client: MercadoPagoClient, site: Site, current: Weak<CurrentIdTypes>) {
    let mut failing = false;
    loop {
        let pause = match fetch(&client).await {
            Ok(types) => {
                let Some(current) = current.upgrade() else {
                    return;
                };
                tracing::info!(
                    types = %types.ids().collect::<Vec<_>>().join(","),
                    "document types from Mercado Pago"
                );
                current.replace(types);
                failing = false;
                REFRESH
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(
                        error.cause_chain = %format!("{e:#}"),
                        site = site.id(),
                        "could not read the document types from Mercado Pago; \
                         checking documents against the built-in table until it answers"
                    );
                }
                failing = true;
                RETRY
            }
        };
        tokio::time::sleep(pause).await;
        if current.strong_count() == 0 {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::IdTypesSource;

    #[test]
    fn the_current_list_is_replaced_whole() {
        let current = CurrentIdTypes::new(IdTypes::built_in(Site::Mla));
        let before = current.current();
        let fetched =
            IdTypes::from_mercado_pago([IdType::new("CUIT", "number", 11, 11).unwrap()]).unwrap();
        current.replace(fetched);
        assert_eq!(before.source(), IdTypesSource::BuiltIn);
        assert_eq!(current.current().source(), IdTypesSource::MercadoPago);
        assert!(current.current().find("cuit").is_some());
    }

    #[test]
    fn mercado_pagos_answer_is_read_leniently() {
        let answer: Vec<IdentificationType> = serde_json::from_value(serde_json::json!([
            {"id": "CPF", "name": "CPF", "type": "number", "min_length": 11, "max_length": 11},
            {"id": "Otro", "type": "string"},
            {"name": "no id"},
        ]))
        .unwrap();
        let types = from_answer(&answer).unwrap();
        assert_eq!(types.ids().collect::<Vec<_>>(), ["CPF", "Otro"]);
        assert_eq!(types.find("cpf").unwrap().lengths(), Some((11, 11)));
        assert_eq!(types.find("otro").unwrap().lengths(), None);
        assert!(from_answer(&[]).is_none());
    }

    #[test]
    fn retries_come_well_before_the_refresh() {
        assert!(FETCH_BOUND < RETRY && RETRY < REFRESH);
    }
}
