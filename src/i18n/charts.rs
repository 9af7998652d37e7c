//! The words of the dashboard's charts, in the site's language.

use crate::domain::Lang;

#[derive(Debug)]
pub struct ChartTexts {
    pub revenue_title: &'static str,
    /// `{total}`, `{days}`, `{best_day}`, `{best}`.
    pub revenue_desc: &'static str,
    pub revenue_empty: &'static str,
    pub status_title: &'static str,
    /// `{orders}`.
    pub status_desc: &'static str,
    pub methods_title: &'static str,
    /// `{payments}`, `{days}`.
    pub methods_desc: &'static str,
    pub methods_empty: &'static str,
    pub data_table: &'static str,
    pub day: &'static str,
    pub revenue: &'static str,
    pub method: &'static str,
    pub payments: &'static str,
    pub amount: &'static str,
    pub highest: &'static str,
}

pub fn chart_texts(lang: Lang) -> &'static ChartTexts {
    match lang {
        Lang::Pt => &PT,
        Lang::Es => &ES,
        Lang::En => &EN,
    }
}

static PT: ChartTexts = ChartTexts {
    revenue_title: "Receita paga por dia, últimos 30 dias",
    revenue_desc: "Total de {total} em {days} dias; o melhor dia foi {best_day}, com {best}.",
    revenue_empty: "Nenhum pedido pago nos últimos 30 dias.",
    status_title: "Pedidos por situação",
    status_desc: "{orders} pedidos ao todo, por situação.",
    methods_title: "Meios de pagamento, últimos 30 dias",
    methods_desc: "{payments} pagamentos aprovados em {days} dias, por meio de pagamento.",
    methods_empty: "Nenhum pagamento aprovado nos últimos 30 dias.",
    data_table: "Dados do gráfico em tabela",
    day: "Dia",
    revenue: "Receita paga",
    method: "Meio",
    payments: "Pagamentos",
    amount: "Valor",
    highest: "máx.",
};

static ES: ChartTexts = ChartTexts {
    revenue_title: "Ingresos pagados por día, últimos 30 días",
    revenue_desc: "Total de {total} en {days} días; el mejor día fue {best_day}, con {best}.",
    revenue_empty: "Ningún pedido pagado en los últimos 30 días.",
    status_title: "Pedidos por estado",
    status_desc: "{orders} pedidos en total, por estado.",
    methods_title: "Medios de pago, últimos 30 días",
    methods_desc: "{payments} pagos aprobados en {days} días, por medio de pago.",
    methods_empty: "Ningún pago aprobado en los últimos 30 días.",
    data_table: "Datos del gráfico en tabla",
    day: "Día",
    revenue: "Ingresos pagados",
    method: "Medio",
    payments: "Pagos",
    amount: "Monto",
    highest: "máx.",
};

static EN: ChartTexts = ChartTexts {
    revenue_title: "Paid revenue per day, last 30 days",
    revenue_desc: "{total} in total over {days} days; the best day was {best_day}, with {best}.",
    revenue_empty: "No paid orders in the last 30 days.",
    status_title: "Orders by status",
    status_desc: "{orders} orders in all, by status.",
    methods_title: "Payment methods, last 30 days",
    methods_desc: "{payments} approved payments over {days} days, by payment method.",
    methods_empty: "No approved payments in the last 30 days.",
    data_table: "The chart's data as a table",
    day: "Day",
    revenue: "Paid revenue",
    method: "Method",
    payments: "Payments",
    amount: "Amount",
    highest: "max.",
};
