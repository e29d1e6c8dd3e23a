//! Language server for jobflow: a later issue fills this crate.
