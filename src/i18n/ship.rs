//! Words of stock, delivery and fulfilment (issue 16), in pt, es and en.

use crate::domain::{AddressError, AddressField, Lang, Site};

/// The shopper's "sold out", naming the product; nothing was charged.
pub fn sold_out(lang: Lang, product: &str) -> String {
    match lang {
        Lang::Pt => format!("Esgotado: não há unidades suficientes de {product}. Ajuste o carrinho; nada foi cobrado."),
        Lang::Es => format!("Agotado: no quedan unidades suficientes de {product}. Ajusta el carrito; no se cobró nada."),
        Lang::En => format!("Sold out: there are not enough units of {product} left. Change your cart; nothing was charged."),
    }
}

/// The back office's words for stock.
#[derive(Debug)]
pub struct StockTexts {
    pub stock: &'static str,
    pub unlimited: &'static str,
    pub on_hand: &'static str,
    pub reserved: &'static str,
    pub sold: &'static str,
    pub available: &'static str,
    pub adjust: &'static str,
    pub on_hand_hint: &'static str,
    pub save: &'static str,
    pub sold_out_title: &'static str,
    pub back_to_cart: &'static str,
}

const PT: StockTexts = StockTexts {
    stock: "Estoque",
    unlimited: "ilimitado",
    on_hand: "Unidades à venda",
    reserved: "Reservadas",
    sold: "Vendidas",
    available: "Disponíveis",
    adjust: "Ajustar estoque",
    on_hand_hint:
        "Unidades ainda não vendidas (incluindo as reservadas). Deixe em branco para ilimitado.",
    save: "Salvar estoque",
    sold_out_title: "Esgotado",
    back_to_cart: "Voltar ao carrinho",
};

const ES: StockTexts = StockTexts {
    stock: "Stock",
    unlimited: "ilimitado",
    on_hand: "Unidades a la venta",
    reserved: "Reservadas",
    sold: "Vendidas",
    available: "Disponibles",
    adjust: "Ajustar stock",
    on_hand_hint:
        "Unidades aún no vendidas (incluidas las reservadas). Déjalo vacío para ilimitado.",
    save: "Guardar stock",
    sold_out_title: "Agotado",
    back_to_cart: "Volver al carrito",
};

const EN: StockTexts = StockTexts {
    stock: "Stock",
    unlimited: "unlimited",
    on_hand: "Units for sale",
    reserved: "Reserved",
    sold: "Sold",
    available: "Available",
    adjust: "Adjust stock",
    on_hand_hint: "Units not sold yet (reserved ones included). Leave empty for unlimited.",
    save: "Save stock",
    sold_out_title: "Sold out",
    back_to_cart: "Back to the cart",
};

pub fn stock_texts(lang: Lang) -> &'static StockTexts {
    match lang {
        Lang::Pt => &PT,
        Lang::Es => &ES,
        Lang::En => &EN,
    }
}

/// What a back-office form of stock, delivery or fulfilment got wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShipProblem {
    /// The stock was not a whole number from 0 up (nor empty, for unlimited).
    Stock,
    /// A shipping option's name: 1 to 80 characters.
    OptionName,
    /// A shipping option's price: an amount of the store's currency, 0 or more.
    OptionPrice { currency: &'static str },
    /// Carrier and tracking code: both required, at most 80 characters each.
    Tracking,
    /// Only a paid order can be shipped or delivered.
    NotPaid,
    /// The order has no delivery (digital goods only).
    NoDelivery,
}

pub fn problem(lang: Lang, problem: &ShipProblem) -> String {
    let text = match (problem, lang) {
        (ShipProblem::Stock, Lang::Pt) => {
            "O estoque deve ser um número inteiro a partir de 0, ou vazio para ilimitado."
        }
        (ShipProblem::Stock, Lang::Es) => {
            "El stock debe ser un número entero desde 0, o vacío para ilimitado."
        }
        (ShipProblem::Stock, Lang::En) => {
            "The stock must be a whole number from 0 up, or empty for unlimited."
        }
        (ShipProblem::OptionName, Lang::Pt) => {
            "O nome da forma de envio deve ter de 1 a 80 caracteres."
        }
        (ShipProblem::OptionName, Lang::Es) => {
            "El nombre del envío debe tener de 1 a 80 caracteres."
        }
        (ShipProblem::OptionName, Lang::En) => {
            "The shipping option's name must have 1 to 80 characters."
        }
        (ShipProblem::OptionPrice { currency }, lang) => {
            return match lang {
                Lang::Pt => format!("O preço do frete deve ser um valor em {currency}, 0 ou mais."),
                Lang::Es => {
                    format!("El precio del envío debe ser un monto en {currency}, 0 o más.")
                }
                Lang::En => format!("The shipping price must be a {currency} amount, 0 or more."),
            }
        }
        (ShipProblem::Tracking, Lang::Pt) => {
            "Informe a transportadora e o código de rastreio (até 80 caracteres cada)."
        }
        (ShipProblem::Tracking, Lang::Es) => {
            "Indica el transportista y el código de seguimiento (hasta 80 caracteres cada uno)."
        }
        (ShipProblem::Tracking, Lang::En) => {
            "Give the carrier and the tracking code (up to 80 characters each)."
        }
        (ShipProblem::NotPaid, Lang::Pt) => "Só um pedido pago pode ser enviado ou entregue.",
        (ShipProblem::NotPaid, Lang::Es) => "Solo un pedido pagado puede enviarse o entregarse.",
        (ShipProblem::NotPaid, Lang::En) => "Only a paid order can be shipped or delivered.",
        (ShipProblem::NoDelivery, Lang::Pt) => {
            "Este pedido não tem entrega (só produtos digitais)."
        }
        (ShipProblem::NoDelivery, Lang::Es) => {
            "Este pedido no tiene envío (solo productos digitales)."
        }
        (ShipProblem::NoDelivery, Lang::En) => "This order has no delivery (digital goods only).",
    };
    text.to_string()
}

/// The words of the checkout's delivery step, the order pages' delivery status, and the back
/// office's shipping options and fulfilment.
#[derive(Debug)]
pub struct DeliveryTexts {
    pub heading: &'static str,
    pub shipping_option: &'static str,
    pub no_options: &'static str,
    pub continue_to_payment: &'static str,
    pub shipping: &'static str,
    pub deliver_to: &'static str,
    pub change: &'static str,
    pub awaiting_shipment: &'static str,
    pub shipped: &'static str,
    pub delivered: &'static str,
    pub carrier: &'static str,
    pub tracking_code: &'static str,
    pub mark_shipped: &'static str,
    pub mark_delivered: &'static str,
    pub shipping_options: &'static str,
    pub option_name: &'static str,
    pub option_price: &'static str,
    pub add_option: &'static str,
    pub withdraw: &'static str,
    pub offer_again: &'static str,
    pub withdrawn: &'static str,
    pub needs_delivery: &'static str,
    pub to_ship: &'static str,
    pub orders_to_ship: &'static str,
}

const DELIVERY_PT: DeliveryTexts = DeliveryTexts {
    heading: "Entrega",
    shipping_option: "Forma de envio",
    no_options: "Não há formas de envio configuradas. Fale com a loja.",
    continue_to_payment: "Continuar para o pagamento",
    shipping: "Frete",
    deliver_to: "Entregar em",
    change: "Alterar endereço ou forma de envio",
    awaiting_shipment: "Aguardando envio",
    shipped: "Enviado",
    delivered: "Entregue",
    carrier: "Transportadora",
    tracking_code: "Código de rastreio",
    mark_shipped: "Marcar como enviado",
    mark_delivered: "Marcar como entregue",
    shipping_options: "Formas de envio",
    option_name: "Nome",
    option_price: "Preço",
    add_option: "Adicionar forma de envio",
    withdraw: "Retirar",
    offer_again: "Oferecer de novo",
    withdrawn: "retirada",
    needs_delivery: "Produto físico (precisa de entrega)",
    to_ship: "A enviar",
    orders_to_ship: "Pedidos pagos a enviar",
};

const DELIVERY_ES: DeliveryTexts = DeliveryTexts {
    heading: "Envío",
    shipping_option: "Forma de envío",
    no_options: "No hay formas de envío configuradas. Contacta a la tienda.",
    continue_to_payment: "Continuar al pago",
    shipping: "Envío",
    deliver_to: "Entregar en",
    change: "Cambiar dirección o forma de envío",
    awaiting_shipment: "Esperando envío",
    shipped: "Enviado",
    delivered: "Entregado",
    carrier: "Transportista",
    tracking_code: "Código de seguimiento",
    mark_shipped: "Marcar como enviado",
    mark_delivered: "Marcar como entregado",
    shipping_options: "Formas de envío",
    option_name: "Nombre",
    option_price: "Precio",
    add_option: "Agregar forma de envío",
    withdraw: "Retirar",
    offer_again: "Ofrecer de nuevo",
    withdrawn: "retirada",
    needs_delivery: "Producto físico (requiere envío)",
    to_ship: "Por enviar",
    orders_to_ship: "Pedidos pagados por enviar",
};

const DELIVERY_EN: DeliveryTexts = DeliveryTexts {
    heading: "Delivery",
    shipping_option: "Shipping option",
    no_options: "No shipping options are set up. Contact the store.",
    continue_to_payment: "Continue to payment",
    shipping: "Shipping",
    deliver_to: "Deliver to",
    change: "Change the address or shipping option",
    awaiting_shipment: "Awaiting shipment",
    shipped: "Shipped",
    delivered: "Delivered",
    carrier: "Carrier",
    tracking_code: "Tracking code",
    mark_shipped: "Mark shipped",
    mark_delivered: "Mark delivered",
    shipping_options: "Shipping options",
    option_name: "Name",
    option_price: "Price",
    add_option: "Add shipping option",
    withdraw: "Withdraw",
    offer_again: "Offer again",
    withdrawn: "withdrawn",
    needs_delivery: "Physical product (needs delivery)",
    to_ship: "To ship",
    orders_to_ship: "Paid orders to ship",
};

pub fn delivery_texts(lang: Lang) -> &'static DeliveryTexts {
    match lang {
        Lang::Pt => &DELIVERY_PT,
        Lang::Es => &DELIVERY_ES,
        Lang::En => &DELIVERY_EN,
    }
}

/// An address field's label in the site's own terms.
pub fn field_label(site: Site, field: AddressField) -> &'static str {
    use AddressField as F;
    match (site, field) {
        (Site::Mlb, F::PostalCode) => "CEP",
        (Site::Mlb, F::State) => "Estado (UF)",
        (Site::Mlb, F::City) => "Cidade",
        (Site::Mlb, F::District) => "Bairro",
        (Site::Mlb, F::Street) => "Rua",
        (Site::Mlb, F::Number) => "Número",
        (Site::Mlb, F::Floor) => "Andar",
        (Site::Mlb, F::Apartment) => "Complemento",
        (Site::Mla, F::PostalCode) => "Código postal",
        (Site::Mla, F::State) => "Provincia",
        (Site::Mla, F::City) => "Localidad",
        (Site::Mla, F::District) => "Barrio",
        (Site::Mla, F::Street) => "Calle",
        (Site::Mla, F::Number) => "Número",
        (Site::Mla, F::Floor) => "Piso",
        (Site::Mla, F::Apartment) => "Depto",
        (Site::Mlm, F::PostalCode) => "Código postal",
        (Site::Mlm, F::State) => "Estado",
        (Site::Mlm, F::City) => "Municipio o alcaldía",
        (Site::Mlm, F::District) => "Colonia",
        (Site::Mlm, F::Street) => "Calle",
        (Site::Mlm, F::Number) => "Número exterior",
        (Site::Mlm, F::Floor) => "Piso",
        (Site::Mlm, F::Apartment) => "Número interior",
        (_, F::PostalCode) => "Código postal",
        (Site::Mlc, F::State) => "Región",
        (Site::Mco, F::State) => "Departamento",
        (Site::Mpe, F::State) => "Departamento",
        (_, F::State) => "Departamento",
        (Site::Mlc, F::City) => "Comuna",
        (_, F::City) => "Ciudad",
        (_, F::District) => "Barrio",
        (_, F::Street) => "Calle",
        (_, F::Number) => "Número",
        (_, F::Floor) => "Piso",
        (_, F::Apartment) => "Departamento",
    }
}

/// What is wrong with the delivery address, naming the field as the form does.
pub fn address_problem(lang: Lang, site: Site, e: &AddressError) -> String {
    let label = |f| field_label(site, f);
    match (e, lang) {
        (AddressError::Missing(f), Lang::Pt) => format!("Preencha o campo {}.", label(*f)),
        (AddressError::Missing(f), Lang::Es) => format!("Completa el campo {}.", label(*f)),
        (AddressError::Missing(f), Lang::En) => format!("Fill in {}.", label(*f)),
        (AddressError::TooLong(f), Lang::Pt) => format!("O campo {} é longo demais.", label(*f)),
        (AddressError::TooLong(f), Lang::Es) => {
            format!("El campo {} es demasiado largo.", label(*f))
        }
        (AddressError::TooLong(f), Lang::En) => format!("{} is too long.", label(*f)),
        (AddressError::PostalCode, Lang::Pt) => match site {
            Site::Mlb => "O CEP deve ter 8 dígitos, como 01310-100.".into(),
            _ => "O código postal não está no formato do país.".into(),
        },
        (AddressError::PostalCode, Lang::Es) => {
            "El código postal no tiene el formato del país.".into()
        }
        (AddressError::PostalCode, Lang::En) => match site {
            Site::Mlb => "The CEP must have 8 digits, like 01310-100.".into(),
            _ => "The postal code is not in the country's format.".into(),
        },
        (AddressError::State, Lang::Pt) => "O estado deve ser uma UF, como SP ou RJ.".into(),
        (AddressError::State, Lang::Es) => {
            "El estado debe ser una UF de Brasil, como SP o RJ.".into()
        }
        (AddressError::State, Lang::En) => {
            "The state must be a Brazilian UF, like SP or RJ.".into()
        }
    }
}

/// The shipping option chosen is not one the store offers (a tampered or outdated form).
pub fn unknown_option(lang: Lang) -> &'static str {
    match lang {
        Lang::Pt => "Essa forma de envio não está disponível. Escolha outra.",
        Lang::Es => "Esa forma de envío no está disponible. Elige otra.",
        Lang::En => "That shipping option is not available. Choose another.",
    }
}

/// The order's total is fixed: a payment was already tried.
pub fn delivery_fixed(lang: Lang) -> &'static str {
    match lang {
        Lang::Pt => "A entrega deste pedido já não pode mudar: um pagamento já foi tentado.",
        Lang::Es => "El envío de este pedido ya no puede cambiar: ya se intentó un pago.",
        Lang::En => "This order's delivery can no longer change: a payment was already tried.",
    }
}
