//! Prices that stand only so long: an order whose prices were checked longer ago than the
//! freshness window is compared with the catalog again before it is paid, so a checkout page
//! left open for days cannot pay yesterday's price, or a product no longer for sale.

use sqlx::PgPool;

use crate::db::{orders, products};
use crate::domain::{Currency, OrderId};

/// Whether every line of the order still has the catalog's price; if so, the order is
/// fresh again. Read from the database, not the catalog cache: this decides what is charged.
pub async fn prices_still_hold(
    pool: &PgPool,
    order_id: OrderId,
    currency: Currency,
) -> Result<bool, sqlx::Error> {
    let lines = orders::find_lines(pool, order_id).await?;
    let catalog = products::active(pool, currency).await?;
    let hold = orders::priced_as(lines.into_iter(), &catalog);
    if hold {
        orders::confirm_prices(pool, order_id).await?;
    }
    Ok(hold)
}
