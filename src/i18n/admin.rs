//! The back office's words, in the site's language like the shopper's pages: labels, the
//! order and payment statuses as a merchant reads them, why a form was not saved, and the
//! merchant's local time.

use time::{OffsetDateTime, UtcOffset};

use crate::domain::{ItemCategory, Lang, Site};

#[derive(Debug)]
pub struct AdminTexts {
    lang: Lang,
    pub skip_to_content: &'static str,
    pub site: &'static str,
    pub pages: &'static str,
    pub count: &'static str,
    pub method: &'static str,
    pub amount: &'static str,
    pub quantity: &'static str,
    pub unit_price: &'static str,
    pub line_total: &'static str,
    pub change: &'static str,
    pub note: &'static str,
    pub actions: &'static str,
    pub not_saved: &'static str,
    /// Before the link back to the back office on the "not saved" page.
    pub go_back: &'static str,
    pub title: &'static str,
    pub sign_in: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub sign_in_button: &'static str,
    pub sign_out: &'static str,
    pub wrong_credentials: &'static str,
    pub too_many_attempts: &'static str,
    pub sandbox_hint: &'static str,
    pub test_credentials_banner: &'static str,
    pub dashboard: &'static str,
    pub orders: &'static str,
    pub products: &'static str,
    pub paid_today: &'static str,
    pub paid_30_days: &'static str,
    pub by_status: &'static str,
    pub expiring: &'static str,
    pub anomalies: &'static str,
    pub none: &'static str,
    pub mark_handled: &'static str,
    pub filter: &'static str,
    pub status: &'static str,
    pub any: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub search: &'static str,
    pub search_hint: &'static str,
    pub order: &'static str,
    pub date: &'static str,
    pub total: &'static str,
    pub payer: &'static str,
    pub payment: &'static str,
    pub export_csv: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub items: &'static str,
    pub history: &'static str,
    pub source: &'static str,
    pub refund: &'static str,
    pub refund_amount: &'static str,
    pub refund_hint: &'static str,
    pub full_refund: &'static str,
    /// A second payment of an order, to give back.
    pub refund_duplicate: &'static str,
    pub cancel_payment: &'static str,
    pub refunded: &'static str,
    pub remaining: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub price: &'static str,
    pub image_url: &'static str,
    pub active: &'static str,
    /// Mercado Pago's item category of a product (fraud scoring).
    pub category: &'static str,
    pub no_category: &'static str,
    pub category_hint: &'static str,
    pub save: &'static str,
    pub new_product: &'static str,
    pub edit: &'static str,
    pub refund_too_much: &'static str,
    pub refund_done: &'static str,
    pub refund_failed: &'static str,
    pub cancelled: &'static str,
}

pub fn admin_texts(lang: Lang) -> &'static AdminTexts {
    match lang {
        Lang::Pt => &PT,
        Lang::Es => &ES,
        Lang::En => &EN,
    }
}

static PT: AdminTexts = AdminTexts {
    lang: Lang::Pt,
    skip_to_content: "Pular para o conteúdo",
    site: "Site",
    pages: "Páginas",
    count: "Quantidade",
    method: "Meio",
    amount: "Valor",
    quantity: "Qtd.",
    unit_price: "Preço unitário",
    line_total: "Subtotal",
    change: "Mudança",
    note: "Observação",
    actions: "Ações",
    not_saved: "Não salvo",
    go_back: "Volte com o navegador (ele guarda o que você digitou), corrija e salve de novo, ou volte ao",
    title: "Painel da loja",
    sign_in: "Entrar",
    email: "E-mail",
    password: "Senha",
    sign_in_button: "Entrar",
    sign_out: "Sair",
    wrong_credentials: "E-mail ou senha incorretos.",
    too_many_attempts: "Muitas tentativas. Espere 15 minutos e tente de novo.",
    sandbox_hint: "Modo sandbox: crie o acesso com  cargo run -- create-admin voce@exemplo.com  (a senha é lida da entrada padrão).",
    test_credentials_banner: "Credenciais de teste do Mercado Pago: nenhum pagamento é real. Troque pelas credenciais de produção antes de abrir a loja (veja checkout doctor).",
    dashboard: "Resumo",
    orders: "Pedidos",
    products: "Produtos",
    paid_today: "Pago hoje",
    paid_30_days: "Pago em 30 dias",
    by_status: "Pedidos por situação",
    expiring: "Pagamentos pendentes que vencem em 24 h",
    anomalies: "Anomalias para revisar",
    none: "Nada por aqui.",
    mark_handled: "Marcar como resolvida",
    filter: "Filtrar",
    status: "Situação",
    any: "Todas",
    from: "De",
    to: "Até",
    search: "Buscar",
    search_hint: "Número do pedido, do pagamento ou e-mail do comprador",
    order: "Pedido",
    date: "Data",
    total: "Total",
    payer: "Comprador",
    payment: "Pagamento",
    export_csv: "Exportar CSV",
    previous: "Anterior",
    next: "Próxima",
    items: "Itens",
    history: "Histórico",
    source: "Origem",
    refund: "Devolver",
    refund_amount: "Valor a devolver",
    refund_hint: "Deixe vazio para devolver tudo o que resta.",
    full_refund: "Devolver tudo",
    refund_duplicate: "Devolver este pagamento duplicado",
    cancel_payment: "Cancelar pagamento pendente",
    refunded: "Devolvido",
    remaining: "Restante",
    name: "Nome",
    description: "Descrição",
    price: "Preço",
    image_url: "URL da imagem",
    active: "Ativo",
    category: "Categoria no Mercado Pago",
    no_category: "Nenhuma",
    category_hint: "Ajuda a análise antifraude do Mercado Pago a aprovar compras legítimas.",
    save: "Salvar",
    new_product: "Novo produto",
    edit: "Editar",
    refund_too_much: "O valor é maior que o que resta para devolver.",
    refund_done: "Devolução feita.",
    refund_failed: "O Mercado Pago não aceitou a devolução.",
    cancelled: "Pagamento cancelado.",
};

static ES: AdminTexts = AdminTexts {
    lang: Lang::Es,
    skip_to_content: "Saltar al contenido",
    site: "Sitio",
    pages: "Páginas",
    count: "Cantidad",
    method: "Medio",
    amount: "Monto",
    quantity: "Cant.",
    unit_price: "Precio unitario",
    line_total: "Subtotal",
    change: "Cambio",
    note: "Nota",
    actions: "Acciones",
    not_saved: "No se guardó",
    go_back: "Vuelve con el navegador (conserva lo que escribiste), corrígelo y guarda de nuevo, o vuelve al",
    title: "Panel de la tienda",
    sign_in: "Ingresar",
    email: "E-mail",
    password: "Contraseña",
    sign_in_button: "Ingresar",
    sign_out: "Salir",
    wrong_credentials: "E-mail o contraseña incorrectos.",
    too_many_attempts: "Demasiados intentos. Espera 15 minutos e inténtalo de nuevo.",
    sandbox_hint: "Modo sandbox: crea el acceso con  cargo run -- create-admin tu@ejemplo.com  (la contraseña se lee de la entrada estándar).",
    test_credentials_banner: "Credenciales de prueba de Mercado Pago: ningún pago es real. Cámbialas por las de producción antes de abrir la tienda (ver checkout doctor).",
    dashboard: "Resumen",
    orders: "Pedidos",
    products: "Productos",
    paid_today: "Pagado hoy",
    paid_30_days: "Pagado en 30 días",
    by_status: "Pedidos por estado",
    expiring: "Pagos pendientes que vencen en 24 h",
    anomalies: "Anomalías para revisar",
    none: "Nada por aquí.",
    mark_handled: "Marcar como resuelta",
    filter: "Filtrar",
    status: "Estado",
    any: "Todos",
    from: "Desde",
    to: "Hasta",
    search: "Buscar",
    search_hint: "Número de pedido, de pago o e-mail del comprador",
    order: "Pedido",
    date: "Fecha",
    total: "Total",
    payer: "Comprador",
    payment: "Pago",
    export_csv: "Exportar CSV",
    previous: "Anterior",
    next: "Siguiente",
    items: "Ítems",
    history: "Historial",
    source: "Origen",
    refund: "Devolver",
    refund_amount: "Monto a devolver",
    refund_hint: "Déjalo vacío para devolver todo lo que queda.",
    full_refund: "Devolver todo",
    refund_duplicate: "Devolver este pago duplicado",
    cancel_payment: "Cancelar pago pendiente",
    refunded: "Devuelto",
    remaining: "Restante",
    name: "Nombre",
    description: "Descripción",
    price: "Precio",
    image_url: "URL de la imagen",
    active: "Activo",
    category: "Categoría en Mercado Pago",
    no_category: "Ninguna",
    category_hint: "Ayuda al análisis antifraude de Mercado Pago a aprobar compras legítimas.",
    save: "Guardar",
    new_product: "Nuevo producto",
    edit: "Editar",
    refund_too_much: "El monto es mayor que lo que queda por devolver.",
    refund_done: "Devolución hecha.",
    refund_failed: "Mercado Pago no aceptó la devolución.",
    cancelled: "Pago cancelado.",
};

static EN: AdminTexts = AdminTexts {
    lang: Lang::En,
    skip_to_content: "Skip to content",
    site: "Site",
    pages: "Pages",
    count: "Count",
    method: "Method",
    amount: "Amount",
    quantity: "Qty",
    unit_price: "Unit price",
    line_total: "Subtotal",
    change: "Change",
    note: "Note",
    actions: "Actions",
    not_saved: "Not saved",
    go_back: "Go back with your browser (it keeps what you typed), correct it and save again, or return to the",
    title: "Store back office",
    sign_in: "Sign in",
    email: "Email",
    password: "Password",
    sign_in_button: "Sign in",
    sign_out: "Sign out",
    wrong_credentials: "Wrong email or password.",
    too_many_attempts: "Too many attempts. Wait 15 minutes and try again.",
    sandbox_hint: "Sandbox mode: create your account with  cargo run -- create-admin you@example.com  (the password is read from standard input).",
    test_credentials_banner: "Mercado Pago test credentials: no payment is real. Switch to production credentials before opening the store (see checkout doctor).",
    dashboard: "Dashboard",
    orders: "Orders",
    products: "Products",
    paid_today: "Paid today",
    paid_30_days: "Paid in 30 days",
    by_status: "Orders by status",
    expiring: "Pending payments expiring within 24 h",
    anomalies: "Anomalies to review",
    none: "Nothing here.",
    mark_handled: "Mark as handled",
    filter: "Filter",
    status: "Status",
    any: "Any",
    from: "From",
    to: "To",
    search: "Search",
    search_hint: "Order number, payment number or payer email",
    order: "Order",
    date: "Date",
    total: "Total",
    payer: "Payer",
    payment: "Payment",
    export_csv: "Export CSV",
    previous: "Previous",
    next: "Next",
    items: "Items",
    history: "History",
    source: "Source",
    refund: "Refund",
    refund_amount: "Amount to refund",
    refund_hint: "Leave empty to refund all that remains.",
    full_refund: "Refund all",
    refund_duplicate: "Refund this duplicate payment",
    cancel_payment: "Cancel pending payment",
    refunded: "Refunded",
    remaining: "Remaining",
    name: "Name",
    description: "Description",
    price: "Price",
    image_url: "Image URL",
    active: "Active",
    category: "Mercado Pago category",
    no_category: "None",
    category_hint: "Helps Mercado Pago's fraud scoring approve honest purchases.",
    save: "Save",
    new_product: "New product",
    edit: "Edit",
    refund_too_much: "The amount is more than what remains to refund.",
    refund_done: "Refund made.",
    refund_failed: "Mercado Pago did not accept the refund.",
    cancelled: "Payment cancelled.",
};

impl AdminTexts {
    /// The sandbox banner, as on the shopper's pages.
    pub fn sandbox_banner(&self) -> &'static str {
        super::texts(self.lang).sandbox_banner
    }

    /// An order status as the merchant reads it ("Pago", not `paid`); a code this table does
    /// not know shows as it is.
    pub fn order_status<'a>(&self, code: &'a str) -> &'a str {
        label(ORDER_STATUSES, self.lang, code)
    }

    /// A Mercado Pago payment status as the merchant reads it ("Aprovado", not `approved`).
    pub fn payment_status<'a>(&self, code: &'a str) -> &'a str {
        label(PAYMENT_STATUSES, self.lang, code)
    }

    /// A Mercado Pago item category as the merchant reads it.
    pub fn category(&self, category: ItemCategory) -> &'static str {
        label(CATEGORIES, self.lang, category.as_str())
    }

    /// Why a form was not saved, in a sentence.
    pub fn form_problem(&self, problem: &FormProblem) -> String {
        form_problem(self.lang, problem)
    }
}

fn label<'a>(table: &[(&str, [&'static str; 3])], lang: Lang, code: &'a str) -> &'a str {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, words)| words[index(lang)])
}

fn index(lang: Lang) -> usize {
    match lang {
        Lang::Pt => 0,
        Lang::Es => 1,
        Lang::En => 2,
    }
}

/// `orders.status`, in pt, es, en.
const ORDER_STATUSES: &[(&str, [&str; 3])] = &[
    (
        "created",
        [
            "Aguardando pagamento",
            "Pendiente de pago",
            "Awaiting payment",
        ],
    ),
    ("processing", ["Processando", "Procesando", "Processing"]),
    (
        "payment_pending",
        ["Pagamento pendente", "Pago pendiente", "Payment pending"],
    ),
    (
        "payment_in_process",
        [
            "Pagamento em análise",
            "Pago en revisión",
            "Payment under review",
        ],
    ),
    (
        "payment_unknown",
        [
            "Pagamento a confirmar",
            "Pago por confirmar",
            "Payment to confirm",
        ],
    ),
    ("rejected", ["Recusado", "Rechazado", "Rejected"]),
    ("paid", ["Pago", "Pagado", "Paid"]),
    (
        "partially_refunded",
        [
            "Devolvido em parte",
            "Devuelto en parte",
            "Partially refunded",
        ],
    ),
    ("cancelled", ["Cancelado", "Cancelado", "Cancelled"]),
    ("refunded", ["Devolvido", "Devuelto", "Refunded"]),
    (
        "charged_back",
        ["Estornado (chargeback)", "Contracargo", "Charged back"],
    ),
];

/// Mercado Pago's payment `status`, in pt, es, en.
const PAYMENT_STATUSES: &[(&str, [&str; 3])] = &[
    ("pending", ["Pendente", "Pendiente", "Pending"]),
    ("approved", ["Aprovado", "Aprobado", "Approved"]),
    ("authorized", ["Autorizado", "Autorizado", "Authorized"]),
    ("in_process", ["Em análise", "En revisión", "Under review"]),
    (
        "in_mediation",
        ["Em disputa", "En mediación", "In mediation"],
    ),
    ("rejected", ["Recusado", "Rechazado", "Rejected"]),
    ("cancelled", ["Cancelado", "Cancelado", "Cancelled"]),
    ("refunded", ["Devolvido", "Devuelto", "Refunded"]),
    (
        "charged_back",
        ["Estornado (chargeback)", "Contracargo", "Charged back"],
    ),
];

/// Mercado Pago's item categories (`domain::category`), in pt, es, en.
const CATEGORIES: &[(&str, [&str; 3])] = &[
    (
        "art",
        [
            "Arte e colecionáveis",
            "Arte y coleccionables",
            "Collectibles & art",
        ],
    ),
    ("baby", ["Bebês", "Bebés", "Baby"]),
    ("coupons", ["Cupons", "Cupones", "Coupons"]),
    ("donations", ["Doações", "Donaciones", "Donations"]),
    (
        "computing",
        ["Informática", "Computación", "Computers & tablets"],
    ),
    (
        "cameras",
        [
            "Câmeras e fotografia",
            "Cámaras y fotografía",
            "Cameras & photography",
        ],
    ),
    (
        "video_games",
        [
            "Videogames e consoles",
            "Videojuegos y consolas",
            "Video games & consoles",
        ],
    ),
    ("television", ["Televisores", "Televisores", "Television"]),
    (
        "car_electronics",
        [
            "Eletrônicos automotivos",
            "Electrónica para autos",
            "Car electronics",
        ],
    ),
    ("electronics", ["Eletrônicos", "Electrónica", "Electronics"]),
    (
        "automotive",
        [
            "Peças e acessórios automotivos",
            "Repuestos y accesorios para autos",
            "Automotive parts & accessories",
        ],
    ),
    (
        "entertainment",
        [
            "Entretenimento (música, filmes, livros)",
            "Entretenimiento (música, películas, libros)",
            "Entertainment (music, movies, books)",
        ],
    ),
    (
        "fashion",
        ["Moda e beleza", "Moda y belleza", "Fashion & beauty"],
    ),
    (
        "games",
        [
            "Jogos online e créditos",
            "Juegos en línea y créditos",
            "Online games & credits",
        ],
    ),
    (
        "home",
        [
            "Casa, jardim e eletrodomésticos",
            "Hogar, jardín y electrodomésticos",
            "Home, garden & appliances",
        ],
    ),
    (
        "musical",
        [
            "Instrumentos musicais",
            "Instrumentos musicales",
            "Musical instruments",
        ],
    ),
    (
        "phones",
        [
            "Celulares e acessórios",
            "Celulares y accesorios",
            "Phones & accessories",
        ],
    ),
    ("services", ["Serviços", "Servicios", "Services"]),
    (
        "learnings",
        [
            "Cursos e eventos de formação",
            "Cursos y capacitaciones",
            "Courses & training",
        ],
    ),
    ("tickets", ["Ingressos", "Entradas", "Tickets"]),
    ("travels", ["Viagens", "Viajes", "Travel"]),
    (
        "virtual_goods",
        ["Produtos digitais", "Productos digitales", "Digital goods"],
    ),
    ("others", ["Outros", "Otros", "Other"]),
];

/// Why a back-office form was not saved: `AdminError::BadForm` carries it, the page words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormProblem {
    /// A product's name: 1 to `max` characters.
    NameLength {
        max: usize,
    },
    /// A product's price: a positive amount of the store's currency.
    Price {
        currency: &'static str,
    },
    ImageUrl,
    /// An item category Mercado Pago does not list.
    Category {
        given: String,
    },
    /// A filter date that is not `YYYY-MM-DD`.
    NotADate {
        given: String,
    },
    /// The refund form's idempotency key was tampered with.
    RefundKey,
    /// Nothing to cancel: the order has no pending payment.
    NoPendingPayment,
}

fn form_problem(lang: Lang, problem: &FormProblem) -> String {
    use FormProblem as F;
    match (problem, lang) {
        (F::NameLength { max }, Lang::Pt) => format!("O nome deve ter de 1 a {max} caracteres."),
        (F::NameLength { max }, Lang::Es) => format!("El nombre debe tener de 1 a {max} caracteres."),
        (F::NameLength { max }, Lang::En) => format!("The name must have 1 to {max} characters."),
        (F::Price { currency }, Lang::Pt) => format!("O preço deve ser um valor positivo em {currency}."),
        (F::Price { currency }, Lang::Es) => format!("El precio debe ser un monto positivo en {currency}."),
        (F::Price { currency }, Lang::En) => format!("The price must be a positive {currency} amount."),
        (F::ImageUrl, Lang::Pt) => "A URL da imagem deve começar com https://.".into(),
        (F::ImageUrl, Lang::Es) => "La URL de la imagen debe empezar con https://.".into(),
        (F::ImageUrl, Lang::En) => "The image URL must start with https://.".into(),
        (F::Category { given }, Lang::Pt) => format!("'{given}' não é uma categoria do Mercado Pago: escolha uma da lista, ou nenhuma."),
        (F::Category { given }, Lang::Es) => format!("'{given}' no es una categoría de Mercado Pago: elige una de la lista, o ninguna."),
        (F::Category { given }, Lang::En) => format!("'{given}' is not one of Mercado Pago's item categories: choose one from the list, or none."),
        (F::NotADate { given }, Lang::Pt) => format!("'{given}' não é uma data (AAAA-MM-DD)."),
        (F::NotADate { given }, Lang::Es) => format!("'{given}' no es una fecha (AAAA-MM-DD)."),
        (F::NotADate { given }, Lang::En) => format!("'{given}' is not a date (YYYY-MM-DD)."),
        (F::RefundKey, Lang::Pt) => "O formulário de devolução chegou alterado. Recarregue a página do pedido.".into(),
        (F::RefundKey, Lang::Es) => "El formulario de devolución llegó alterado. Recarga la página del pedido.".into(),
        (F::RefundKey, Lang::En) => "The refund form arrived altered. Reload the order's page.".into(),
        (F::NoPendingPayment, Lang::Pt) => "Este pedido não tem pagamento pendente para cancelar.".into(),
        (F::NoPendingPayment, Lang::Es) => "Este pedido no tiene un pago pendiente para cancelar.".into(),
        (F::NoPendingPayment, Lang::En) => "This order has no pending payment to cancel.".into(),
    }
}

/// The merchant's clock: timestamps in the site's local time. A fixed offset per site (the
/// site table's `utc_offset_hours`, as the order filter's dates use): none of the sites but
/// Chile (MLC) keeps daylight saving time today, and the `time` crate has no zone database;
/// so Chilean times show one hour off during its summer, a price paid for one dependency less.
#[derive(Debug, Clone, Copy)]
pub struct LocalTime {
    offset: UtcOffset,
}

impl LocalTime {
    pub fn of(site: Site) -> Self {
        let offset =
            UtcOffset::from_hms(site.profile().utc_offset_hours, 0, 0).unwrap_or(UtcOffset::UTC);
        Self { offset }
    }

    /// `2026-11-26 16:42`, in the site's time.
    pub fn at(&self, at: &OffsetDateTime) -> String {
        let local = at.to_offset(self.offset);
        format!("{} {:02}:{:02}", local.date(), local.hour(), local.minute())
    }

    /// A timestamp Mercado Pago wrote (RFC 3339, as `date_of_expiration`), in the site's
    /// time; as written when it does not parse.
    pub fn iso(&self, text: &str) -> String {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map_or_else(|_| text.to_string(), |at| self.at(&at))
    }

    /// The day, in the site's time.
    pub fn day(&self, at: &OffsetDateTime) -> time::Date {
        at.to_offset(self.offset).date()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_order_status_has_a_label_in_each_language() {
        use crate::domain::OrderStatus;
        // The table holds every status, each once (a new status fails here until worded).
        let codes: std::collections::BTreeSet<_> = ORDER_STATUSES.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes.len(), ORDER_STATUSES.len());
        assert_eq!(codes.len(), 11, "every OrderStatus has its words");
        for code in codes {
            assert_eq!(
                OrderStatus::parse(code).map(OrderStatus::as_str),
                Some(code)
            );
            for lang in [Lang::Pt, Lang::Es, Lang::En] {
                assert_ne!(admin_texts(lang).order_status(code), code, "{code}");
            }
        }
        assert_eq!(admin_texts(Lang::Pt).order_status("paid"), "Pago");
        assert_eq!(admin_texts(Lang::En).payment_status("approved"), "Approved");
        assert_eq!(
            admin_texts(Lang::Es).payment_status("something_new"),
            "something_new"
        );
    }

    #[test]
    fn each_category_has_a_label_in_each_language() {
        for c in ItemCategory::all() {
            for lang in [Lang::Pt, Lang::Es, Lang::En] {
                assert_ne!(admin_texts(lang).category(c), c.as_str(), "{c}");
            }
        }
        let home = ItemCategory::parse("home").unwrap();
        assert_ne!(
            admin_texts(Lang::Pt).category(home),
            admin_texts(Lang::En).category(home)
        );
    }

    #[test]
    fn local_time_is_the_sites() {
        let at = time::macros::datetime!(2026-01-02 01:30 UTC);
        assert_eq!(LocalTime::of(Site::Mlb).at(&at), "2026-01-01 22:30");
        assert_eq!(
            LocalTime::of(Site::Mlm).day(&at),
            time::macros::date!(2026 - 01 - 01)
        );
        assert_eq!(
            LocalTime::of(Site::Mlc).iso("2026-01-02T10:00:00.000-04:00"),
            "2026-01-02 10:00"
        );
        assert_eq!(LocalTime::of(Site::Mlc).iso("soon"), "soon");
    }
}
