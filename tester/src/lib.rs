//! `jfc test`: tests of jobflows, written as jobflows, run offline. Every effect of a
//! flow goes through the VM's `Host`; the host of a test ([`host::TestHost`]) answers
//! commands from the test's mocks, records what ran, and keeps a virtual clock, so
//! that a flow waiting an hour is tested in a millisecond and nothing reaches a real
//! machine.

mod calls;
mod chunks;
mod clock;
pub mod coverage;
pub mod discover;
mod effects;
mod host;
pub mod junit;
mod mocks;
pub mod outcome;
pub mod runner;
mod schedules;
mod seed;
mod single;
mod writes;

pub use outcome::Outcome;
pub use runner::{run_all, Options, Ran};
