//! Mercado Pago's item categories: what a product is, sent as
//! `additional_info.items[].category_id` so that fraud scoring knows what is being bought.
//!
//! The ids are those of `GET https://api.mercadopago.com/item_categories` (confirmed against
//! the response printed by the `aaferna/SAPIDK-MercadoPago-PHP` wiki, "Obtener Categorías
//! Vigentes", and the same 23 ids in an Odoo `payment_mercadopago` module; the create-payment
//! reference says `category_id` may be such a tag, e.g. "phone"). The labels are the back
//! office's, one home for all three languages.

use std::fmt;

use super::site::Lang;

/// One of Mercado Pago's item categories. Parsed from the back office form or the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemCategory(usize);

/// `(id, pt, es, en)` in the order of Mercado Pago's list.
const CATEGORIES: [(&str, &str, &str, &str); 23] = [
    (
        "art",
        "Arte e colecionáveis",
        "Arte y coleccionables",
        "Collectibles & art",
    ),
    ("baby", "Bebês", "Bebés", "Baby"),
    ("coupons", "Cupons", "Cupones", "Coupons"),
    ("donations", "Doações", "Donaciones", "Donations"),
    (
        "computing",
        "Informática",
        "Computación",
        "Computers & tablets",
    ),
    (
        "cameras",
        "Câmeras e fotografia",
        "Cámaras y fotografía",
        "Cameras & photography",
    ),
    (
        "video_games",
        "Videogames e consoles",
        "Videojuegos y consolas",
        "Video games & consoles",
    ),
    ("television", "Televisores", "Televisores", "Television"),
    (
        "car_electronics",
        "Eletrônicos automotivos",
        "Electrónica para autos",
        "Car electronics",
    ),
    ("electronics", "Eletrônicos", "Electrónica", "Electronics"),
    (
        "automotive",
        "Peças e acessórios automotivos",
        "Repuestos y accesorios para autos",
        "Automotive parts & accessories",
    ),
    (
        "entertainment",
        "Entretenimento (música, filmes, livros)",
        "Entretenimiento (música, películas, libros)",
        "Entertainment (music, movies, books)",
    ),
    (
        "fashion",
        "Moda e beleza",
        "Moda y belleza",
        "Fashion & beauty",
    ),
    (
        "games",
        "Jogos online e créditos",
        "Juegos en línea y créditos",
        "Online games & credits",
    ),
    (
        "home",
        "Casa, jardim e eletrodomésticos",
        "Hogar, jardín y electrodomésticos",
        "Home, garden & appliances",
    ),
    (
        "musical",
        "Instrumentos musicais",
        "Instrumentos musicales",
        "Musical instruments",
    ),
    (
        "phones",
        "Celulares e acessórios",
        "Celulares y accesorios",
        "Phones & accessories",
    ),
    ("services", "Serviços", "Servicios", "Services"),
    (
        "learnings",
        "Cursos e eventos de formação",
        "Cursos y capacitaciones",
        "Courses & training",
    ),
    ("tickets", "Ingressos", "Entradas", "Tickets"),
    ("travels", "Viagens", "Viajes", "Travel"),
    (
        "virtual_goods",
        "Produtos digitais",
        "Productos digitales",
        "Digital goods",
    ),
    ("others", "Outros", "Otros", "Other"),
];

/// Why a category was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not one of Mercado Pago's item categories")]
pub struct UnknownCategory(String);

impl ItemCategory {
    /// A category by its Mercado Pago id (`electronics`), exactly as the API spells it.
    pub fn parse(raw: &str) -> Result<Self, UnknownCategory> {
        let id = raw.trim();
        CATEGORIES
            .iter()
            .position(|c| c.0 == id)
            .map(Self)
            .ok_or_else(|| UnknownCategory(id.chars().take(40).collect()))
    }

    /// Every category, in Mercado Pago's order.
    pub fn all() -> impl Iterator<Item = Self> {
        (0..CATEGORIES.len()).map(Self)
    }

    /// The id Mercado Pago expects in `category_id`.
    pub fn as_str(self) -> &'static str {
        CATEGORIES[self.0].0
    }

    /// What the back office shows the merchant.
    pub fn label(self, lang: Lang) -> &'static str {
        let (_, pt, es, en) = CATEGORIES[self.0];
        match lang {
            Lang::Pt => pt,
            Lang::Es => es,
            Lang::En => en,
        }
    }
}

impl fmt::Display for ItemCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_of_mercado_pagos_list_parses_back_to_itself() {
        let ids: Vec<&str> = ItemCategory::all().map(ItemCategory::as_str).collect();
        assert_eq!(ids.len(), 23);
        for id in &ids {
            assert_eq!(ItemCategory::parse(id).unwrap().as_str(), *id);
        }
        for id in ["electronics", "virtual_goods", "learnings", "others"] {
            assert!(ids.contains(&id), "{id}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_its_name() {
        for bad in ["", "Electronics", "MLB189908", "books", "phone", "<script>"] {
            let err = ItemCategory::parse(bad).unwrap_err();
            assert!(err.to_string().contains("item categories"), "{bad}");
        }
        assert_eq!(ItemCategory::parse(" home ").unwrap().as_str(), "home");
    }

    #[test]
    fn each_category_has_a_label_in_each_language() {
        for c in ItemCategory::all() {
            for lang in [Lang::Pt, Lang::Es, Lang::En] {
                assert!(!c.label(lang).is_empty(), "{c}");
            }
        }
        let home = ItemCategory::parse("home").unwrap();
        assert_ne!(home.label(Lang::Pt), home.label(Lang::En));
    }
}
