//! Pure built-in functions and methods of values.

pub mod args;
pub mod codec;
pub mod format;
pub mod functions;
pub mod json;
pub mod mail;
pub mod methods;

pub use functions::{call_function, is_pure_function};
pub use methods::{call_method, is_method};
