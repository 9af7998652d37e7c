//! The back office's words, in the site's language like the shopper's pages: labels, the
//! order and payment statuses as a merchant reads them, why a form was not saved, and the
//! merchant's local time.

use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use time::OffsetDateTime;

use crate::domain::{ItemCategory, Lang, OrderStatus, PaymentStatus, Site};

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
    /// An order's status, as `order_status` words it.
    pub order_created: &'static str,
    pub order_processing: &'static str,
    pub order_payment_pending: &'static str,
    pub order_payment_in_process: &'static str,
    pub order_payment_unknown: &'static str,
    pub order_rejected: &'static str,
    pub order_paid: &'static str,
    pub order_partially_refunded: &'static str,
    pub order_cancelled: &'static str,
    pub order_refunded: &'static str,
    pub order_charged_back: &'static str,
    /// A payment's status, as `payment_status` words it; the ends it shares with its order
    /// (rejected, cancelled, refunded, charged back) read as the order's.
    pub payment_pending: &'static str,
    pub payment_approved: &'static str,
    pub payment_authorized: &'static str,
    pub payment_in_process: &'static str,
    pub payment_in_mediation: &'static str,
}

impl AdminTexts {
    /// The sandbox banner, as on the shopper's pages.
    pub fn sandbox_banner(&self) -> &'static str {
        super::texts(self.lang).sandbox_banner
    }

    /// An order status as the merchant reads it ("Pago", not `paid`).
    pub fn order_status(&self, status: &OrderStatus) -> &'static str {
        match status {
            OrderStatus::Created => self.order_created,
            OrderStatus::Processing => self.order_processing,
            OrderStatus::PaymentPending => self.order_payment_pending,
            OrderStatus::PaymentInProcess => self.order_payment_in_process,
            OrderStatus::PaymentUnknown => self.order_payment_unknown,
            OrderStatus::Rejected => self.order_rejected,
            OrderStatus::Paid => self.order_paid,
            OrderStatus::PartiallyRefunded => self.order_partially_refunded,
            OrderStatus::Cancelled => self.order_cancelled,
            OrderStatus::Refunded => self.order_refunded,
            OrderStatus::ChargedBack => self.order_charged_back,
        }
    }

    /// A Mercado Pago payment status as the merchant reads it ("Aprovado", not `approved`);
    /// a status this code does not know shows as Mercado Pago wrote it.
    pub fn payment_status<'a>(&self, status: &'a PaymentStatus) -> &'a str {
        match status {
            PaymentStatus::Pending => self.payment_pending,
            PaymentStatus::Approved => self.payment_approved,
            PaymentStatus::Authorized => self.payment_authorized,
            PaymentStatus::InProcess => self.payment_in_process,
            PaymentStatus::InMediation => self.payment_in_mediation,
            PaymentStatus::Rejected
            | PaymentStatus::Cancelled
            | PaymentStatus::Refunded
            | PaymentStatus::ChargedBack => {
                self.order_status(&OrderStatus::from_payment_status(status))
            }
            PaymentStatus::Other(code) => code,
        }
    }

    /// A Mercado Pago item category as the merchant reads it; one this file has no words for
    /// shows as its id.
    pub fn category(&self, category: ItemCategory) -> &'static str {
        let id = category.as_str();
        CATEGORIES
            .iter()
            .find(|c| c.id == id)
            .map_or(id, |c| in_lang(self.lang, [c.pt, c.es, c.en]))
    }

    /// Why a form was not saved, in a sentence.
    pub fn form_problem(&self, problem: &FormProblem) -> String {
        form_problem(self.lang, problem)
    }
}

/// The one of `[pt, es, en]` for `lang`.
fn in_lang<T>(lang: Lang, [pt, es, en]: [T; 3]) -> T {
    match lang {
        Lang::Pt => pt,
        Lang::Es => es,
        Lang::En => en,
    }
}

/// The back office's words in `lang`.
pub fn admin_texts(lang: Lang) -> &'static AdminTexts {
    in_lang(lang, [&PT, &ES, &EN])
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
    order_created: "Aguardando pagamento",
    order_processing: "Processando",
    order_payment_pending: "Pagamento pendente",
    order_payment_in_process: "Pagamento em análise",
    order_payment_unknown: "Pagamento a confirmar",
    order_rejected: "Recusado",
    order_paid: "Pago",
    order_partially_refunded: "Devolvido em parte",
    order_cancelled: "Cancelado",
    order_refunded: "Devolvido",
    order_charged_back: "Estornado (chargeback)",
    payment_pending: "Pendente",
    payment_approved: "Aprovado",
    payment_authorized: "Autorizado",
    payment_in_process: "Em análise",
    payment_in_mediation: "Em disputa",
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
    order_created: "Pendiente de pago",
    order_processing: "Procesando",
    order_payment_pending: "Pago pendiente",
    order_payment_in_process: "Pago en revisión",
    order_payment_unknown: "Pago por confirmar",
    order_rejected: "Rechazado",
    order_paid: "Pagado",
    order_partially_refunded: "Devuelto en parte",
    order_cancelled: "Cancelado",
    order_refunded: "Devuelto",
    order_charged_back: "Contracargo",
    payment_pending: "Pendiente",
    payment_approved: "Aprobado",
    payment_authorized: "Autorizado",
    payment_in_process: "En revisión",
    payment_in_mediation: "En mediación",
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
    order_created: "Awaiting payment",
    order_processing: "Processing",
    order_payment_pending: "Payment pending",
    order_payment_in_process: "Payment under review",
    order_payment_unknown: "Payment to confirm",
    order_rejected: "Rejected",
    order_paid: "Paid",
    order_partially_refunded: "Partially refunded",
    order_cancelled: "Cancelled",
    order_refunded: "Refunded",
    order_charged_back: "Charged back",
    payment_pending: "Pending",
    payment_approved: "Approved",
    payment_authorized: "Authorized",
    payment_in_process: "Under review",
    payment_in_mediation: "In mediation",
};

/// What a Mercado Pago item category (`domain::category`) is called in each language.
struct CategoryWords {
    id: &'static str,
    pt: &'static str,
    es: &'static str,
    en: &'static str,
}

const CATEGORIES: &[CategoryWords] = &[
    CategoryWords {
        id: "art",
        pt: "Arte e colecionáveis",
        es: "Arte y coleccionables",
        en: "Collectibles & art",
    },
    CategoryWords {
        id: "baby",
        pt: "Bebês",
        es: "Bebés",
        en: "Baby",
    },
    CategoryWords {
        id: "coupons",
        pt: "Cupons",
        es: "Cupones",
        en: "Coupons",
    },
    CategoryWords {
        id: "donations",
        pt: "Doações",
        es: "Donaciones",
        en: "Donations",
    },
    CategoryWords {
        id: "computing",
        pt: "Informática",
        es: "Computación",
        en: "Computers & tablets",
    },
    CategoryWords {
        id: "cameras",
        pt: "Câmeras e fotografia",
        es: "Cámaras y fotografía",
        en: "Cameras & photography",
    },
    CategoryWords {
        id: "video_games",
        pt: "Videogames e consoles",
        es: "Videojuegos y consolas",
        en: "Video games & consoles",
    },
    CategoryWords {
        id: "television",
        pt: "Televisores",
        es: "Televisores",
        en: "Television",
    },
    CategoryWords {
        id: "car_electronics",
        pt: "Eletrônicos automotivos",
        es: "Electrónica para autos",
        en: "Car electronics",
    },
    CategoryWords {
        id: "electronics",
        pt: "Eletrônicos",
        es: "Electrónica",
        en: "Electronics",
    },
    CategoryWords {
        id: "automotive",
        pt: "Peças e acessórios automotivos",
        es: "Repuestos y accesorios para autos",
        en: "Automotive parts & accessories",
    },
    CategoryWords {
        id: "entertainment",
        pt: "Entretenimento (música, filmes, livros)",
        es: "Entretenimiento (música, películas, libros)",
        en: "Entertainment (music, movies, books)",
    },
    CategoryWords {
        id: "fashion",
        pt: "Moda e beleza",
        es: "Moda y belleza",
        en: "Fashion & beauty",
    },
    CategoryWords {
        id: "games",
        pt: "Jogos online e créditos",
        es: "Juegos en línea y créditos",
        en: "Online games & credits",
    },
    CategoryWords {
        id: "home",
        pt: "Casa, jardim e eletrodomésticos",
        es: "Hogar, jardín y electrodomésticos",
        en: "Home, garden & appliances",
    },
    CategoryWords {
        id: "musical",
        pt: "Instrumentos musicais",
        es: "Instrumentos musicales",
        en: "Musical instruments",
    },
    CategoryWords {
        id: "phones",
        pt: "Celulares e acessórios",
        es: "Celulares y accesorios",
        en: "Phones & accessories",
    },
    CategoryWords {
        id: "services",
        pt: "Serviços",
        es: "Servicios",
        en: "Services",
    },
    CategoryWords {
        id: "learnings",
        pt: "Cursos e eventos de formação",
        es: "Cursos y capacitaciones",
        en: "Courses & training",
    },
    CategoryWords {
        id: "tickets",
        pt: "Ingressos",
        es: "Entradas",
        en: "Tickets",
    },
    CategoryWords {
        id: "travels",
        pt: "Viagens",
        es: "Viajes",
        en: "Travel",
    },
    CategoryWords {
        id: "virtual_goods",
        pt: "Produtos digitais",
        es: "Productos digitales",
        en: "Digital goods",
    },
    CategoryWords {
        id: "others",
        pt: "Outros",
        es: "Otros",
        en: "Other",
    },
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
    /// A product picture that cannot be used (see `i18n::pictures`).
    Picture(crate::domain::PictureProblem),
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
        (F::Picture(p), lang) => super::pictures::picture_problem(lang, p),
    }
}

/// The merchant's clock: timestamps in the site's local time, from the site's IANA zone
/// (bundled, so a container without tzdata reads the same): Chile (MLC) keeps daylight saving
/// time, and a country may change its rules again.
#[derive(Debug, Clone)]
pub struct LocalTime {
    zone: TimeZone,
}

impl LocalTime {
    pub fn of(site: Site) -> Self {
        let zone = TimeZone::get(site.profile().time_zone).unwrap_or(TimeZone::UTC);
        Self { zone }
    }

    fn zoned(&self, at: &OffsetDateTime) -> Zoned {
        Timestamp::from_nanosecond(at.unix_timestamp_nanos())
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(self.zone.clone())
    }

    /// `2026-11-26 16:42`, in the site's time.
    pub fn at(&self, at: &OffsetDateTime) -> String {
        self.zoned(at).strftime("%Y-%m-%d %H:%M").to_string()
    }

    /// `26/11/2026 16:42`, as shoppers on every site write dates, in the site's time.
    pub fn day_first(&self, at: &OffsetDateTime) -> String {
        self.zoned(at).strftime("%d/%m/%Y %H:%M").to_string()
    }

    /// A timestamp Mercado Pago wrote (RFC 3339, as `date_of_expiration`), in the site's
    /// time; as written when it does not parse.
    pub fn iso(&self, text: &str) -> String {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map_or_else(|_| text.to_string(), |at| self.at(&at))
    }

    /// The first instant of `day` in the site's time, where the order filter's dates start
    /// (not always midnight: where a clock skips midnight, the first hour after it).
    pub fn start_of(&self, day: time::Date) -> OffsetDateTime {
        let civil = jiff::civil::date(
            day.year() as i16,
            u8::from(day.month()) as i8,
            day.day() as i8,
        );
        civil
            .to_zoned(self.zone.clone())
            .ok()
            .and_then(|z| {
                OffsetDateTime::from_unix_timestamp_nanos(z.timestamp().as_nanosecond()).ok()
            })
            .unwrap_or_else(|| day.midnight().assume_utc())
    }

    /// The day, in the site's time.
    pub fn day(&self, at: &OffsetDateTime) -> time::Date {
        let local = self.zoned(at).date();
        time::Month::try_from(local.month() as u8)
            .and_then(|m| time::Date::from_calendar_date(local.year().into(), m, local.day() as u8))
            .unwrap_or_else(|_| at.date())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_label_in_each_language() {
        for lang in [Lang::Pt, Lang::Es, Lang::En] {
            let t = admin_texts(lang);
            for status in OrderStatus::ALL {
                assert_ne!(t.order_status(&status), status.as_str(), "{status}");
            }
            for status in PaymentStatus::KNOWN {
                assert_ne!(t.payment_status(status), status.as_str(), "{status}");
            }
        }
        assert_eq!(
            admin_texts(Lang::Pt).order_status(&OrderStatus::Paid),
            "Pago"
        );
        assert_eq!(
            admin_texts(Lang::En).payment_status(&PaymentStatus::Approved),
            "Approved"
        );
        assert_eq!(
            admin_texts(Lang::Pt).payment_status(&PaymentStatus::ChargedBack),
            "Estornado (chargeback)"
        );
        // A status Mercado Pago adds later shows as it wrote it.
        let new = PaymentStatus::from("something_new");
        assert_eq!(admin_texts(Lang::Es).payment_status(&new), "something_new");
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
    fn chilean_days_start_at_their_own_midnight_in_summer_and_in_winter() {
        let chile = LocalTime::of(Site::Mlc);
        assert_eq!(
            chile.start_of(time::macros::date!(2026 - 01 - 02)),
            time::macros::datetime!(2026-01-02 03:00 UTC)
        );
        assert_eq!(
            chile.start_of(time::macros::date!(2026 - 07 - 02)),
            time::macros::datetime!(2026-07-02 04:00 UTC)
        );
        let at = time::macros::datetime!(2026-01-02 02:30 UTC);
        assert_eq!(chile.day(&at), time::macros::date!(2026 - 01 - 01));
        assert_eq!(chile.day_first(&at), "01/01/2026 23:30");
    }

    #[test]
    fn local_time_is_the_sites() {
        let at = time::macros::datetime!(2026-01-02 01:30 UTC);
        assert_eq!(LocalTime::of(Site::Mlb).at(&at), "2026-01-01 22:30");
        assert_eq!(
            LocalTime::of(Site::Mlm).day(&at),
            time::macros::date!(2026 - 01 - 01)
        );
        // Chile's summer time (UTC-3) in January, its standard time (UTC-4) in July.
        assert_eq!(
            LocalTime::of(Site::Mlc).iso("2026-01-02T10:00:00.000-04:00"),
            "2026-01-02 11:00"
        );
        assert_eq!(
            LocalTime::of(Site::Mlc).iso("2026-07-02T10:00:00.000-04:00"),
            "2026-07-02 10:00"
        );
        assert_eq!(LocalTime::of(Site::Mlc).iso("soon"), "soon");
        assert_eq!(
            LocalTime::of(Site::Mlb).start_of(time::macros::date!(2026 - 01 - 01)),
            time::macros::datetime!(2026-01-01 03:00 UTC)
        );
    }
}
