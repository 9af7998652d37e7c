//! Which `payment_method_id`s each site takes, and their `payment_type_id` (FACTS §7).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::auth::{gate, record};
use crate::Sandbox;

/// Every `(payment_method_id, payment_type_id)` a site takes.
pub fn catalogue(site: &str) -> Vec<(&'static str, &'static str)> {
    const ALL: [&str; 24] = [
        "visa",
        "master",
        "amex",
        "elo",
        "hipercard",
        "naranja",
        "cabal",
        "debelo",
        "debvisa",
        "debmaster",
        "maestro",
        "bolbradesco",
        "pec",
        "rapipago",
        "pagofacil",
        "oxxo",
        "paycash",
        "efecty",
        "abitab",
        "redpagos",
        "bancomer",
        "banamex",
        "pagoefectivo_atm",
        "pix",
    ];
    let mut all: Vec<_> = ALL
        .iter()
        .chain(["pse", "account_money"].iter())
        .filter_map(|m| payment_type(site, m).map(|t| (*m, t)))
        .collect();
    all.dedup();
    all
}

/// `GET /v1/payment_methods`: the site's methods, in Mercado Pago's shape (main fields).
pub async fn list(req: HttpRequest, sandbox: web::Data<Sandbox>) -> HttpResponse {
    record(&sandbox, &req, &Value::Null);
    if let Some(denied) = gate(&sandbox, &req) {
        return denied;
    }
    let list: Vec<Value> = catalogue(&sandbox.inner.config.site_id)
        .into_iter()
        .map(|(id, kind)| {
            json!({"id": id, "name": id, "payment_type_id": kind, "status": "active",
                   "thumbnail": "", "secure_thumbnail": "", "deferred_capture": "supported",
                   "settings": [], "additional_info_needed": [], "min_allowed_amount": 1,
                   "max_allowed_amount": 60000, "accreditation_time": 0, "financial_institutions": [],
                   "processing_modes": ["aggregator"]})
        })
        .collect();
    HttpResponse::Ok().json(list)
}

/// `GET /v1/payment_methods/search`, as MercadoPago.js calls it with the public key alone:
/// `{paging, results}`, each result naming its `site_id`, which is how a public key's site
/// (and kind, test or production) can be told without the access token.
pub async fn search(req: HttpRequest, sandbox: web::Data<Sandbox>) -> HttpResponse {
    record(&sandbox, &req, &Value::Null);
    if let Some(denied) = crate::auth::check_public_key(&req) {
        return denied;
    }
    if let Some(limited) = crate::auth::rate_limited(&sandbox, &req) {
        return limited;
    }
    let site = sandbox.inner.config.site_id.as_str();
    let results: Vec<Value> = catalogue(site)
        .into_iter()
        .map(|(id, kind)| {
            json!({"id": id, "name": id, "payment_type_id": kind, "status": "active",
                   "site_id": site, "marketplace": "NONE", "processing_mode": "aggregator",
                   "merchant_account_id": null, "deferred_capture": "supported", "settings": [],
                   "additional_info_needed": [], "financial_institutions": [], "payer_costs": []})
        })
        .collect();
    HttpResponse::Ok().json(json!({
        "paging": {"total": results.len(), "limit": 30, "offset": 0},
        "results": results,
    }))
}

/// `GET /v1/identification_types`: the document types of the site.
pub async fn identification_types(req: HttpRequest, sandbox: web::Data<Sandbox>) -> HttpResponse {
    record(&sandbox, &req, &Value::Null);
    if let Some(denied) = gate(&sandbox, &req) {
        return denied;
    }
    let types = document_types(&sandbox.inner.config.site_id);
    let list: Vec<Value> = types
        .iter()
        .map(|(id, kind, min, max)| json!({"id": id, "name": id, "type": kind, "min_length": min, "max_length": max}))
        .collect();
    HttpResponse::Ok().json(list)
}

/// A site's document types as `GET /v1/identification_types` lists them: `(id, type,
/// min_length, max_length)`. Payments refuse any other type; the stand-in Brick offers these.
pub fn document_types(site: &str) -> &'static [(&'static str, &'static str, u32, u32)] {
    match site {
        "MLB" => &[("CPF", "number", 11, 11), ("CNPJ", "number", 14, 14)],
        "MLA" => &[
            ("DNI", "number", 7, 8),
            ("CUIT", "number", 11, 11),
            ("CUIL", "number", 11, 11),
        ],
        "MPE" => &[
            ("DNI", "number", 8, 8),
            ("C.E", "string", 9, 9),
            ("RUC", "number", 11, 11),
        ],
        "MCO" => &[
            ("CC", "number", 5, 20),
            ("CE", "number", 5, 20),
            ("NIT", "number", 5, 20),
        ],
        "MLU" => &[("CI", "number", 8, 8), ("otro", "string", 4, 20)],
        "MLC" => &[("RUT", "string", 8, 9), ("Otro", "string", 5, 20)],
        _ => &[],
    }
}

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

    /// The stand-in Brick offers only types the list holds, and its test document fits the
    /// first one's lengths.
    #[test]
    fn the_bricks_document_types_are_the_lists() {
        let js = include_str!("brick.js");
        let start = js.find("var DOCS = ").expect("DOCS in brick.js") + "var DOCS = ".len();
        let end = start + js[start..].find("};").unwrap() + 1;
        let docs: serde_json::Value = serde_json::from_str(&js[start..end]).expect("DOCS is JSON");
        for (locale, site) in [
            ("pt-BR", "MLB"),
            ("es-AR", "MLA"),
            ("es-MX", "MLM"),
            ("es-PE", "MPE"),
            ("es-CO", "MCO"),
            ("es-UY", "MLU"),
            ("es-CL", "MLC"),
        ] {
            let offered: Vec<&str> = docs[locale][0]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
                .collect();
            let listed = super::document_types(site);
            let ids: Vec<&str> = listed.iter().map(|t| t.0).collect();
            assert_eq!(offered, ids, "{locale}");
            if let Some((_, _, min, max)) = listed.first() {
                let number = docs[locale][1].as_str().unwrap().len() as u32;
                assert!((*min..=*max).contains(&number), "{locale}: {number}");
            }
        }
    }
}
