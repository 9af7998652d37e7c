//! Values of the checkout that parse from untrusted input and cannot then be wrong.

pub mod attempt_state;
pub mod cart;
pub mod category;
pub mod device;
pub mod email;
pub mod identification;
pub mod ids;
pub mod money;
pub mod order_status;
pub mod payment_status;
pub mod payment_submission;
pub mod picture;
pub mod site;
pub mod timings;
pub(crate) mod vocabulary;

pub use attempt_state::AttemptState;
pub use cart::{Cart, CartError};
pub use category::ItemCategory;
pub use device::DeviceId;
pub use email::Email;
pub use identification::{DocumentProblem, IdKind, IdType, IdTypes, IdTypesSource, LengthUnit};
pub use ids::{OrderId, PaymentId, ShopperId};
pub use money::{Currency, Money, MoneyError};
pub use order_status::OrderStatus;
pub use payment_status::{PaymentStatus, StatusDetail};
pub use payment_submission::{
    CardPayment, OfflineKind, OfflinePayment, PaymentRequest, Problem, RawSubmission,
    SubmissionError,
};
pub use picture::{AltText, PictureProblem};
pub use site::{Lang, Site};
pub use timings::Timings;
