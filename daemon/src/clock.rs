//! The daemon's clock, for the scheduler. Tests start `jfc serve --test-clock TIME` and
//! move the clock through the API instead of waiting for the time to come.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

#[derive(Clone)]
pub enum Clock {
    /// The system's clock.
    System,
    /// A clock that moves only when told (`POST /api/v1/test/clock`).
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    /// A manual clock set to `at`.
    pub fn manual(at: DateTime<Utc>) -> Clock {
        Clock::Manual(Arc::new(Mutex::new(at)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(at) => *at.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Set a manual clock to `to`; false for the system's clock, which cannot be set.
    pub fn set(&self, to: DateTime<Utc>) -> bool {
        match self {
            Clock::System => false,
            Clock::Manual(at) => {
                *at.lock().unwrap_or_else(|e| e.into_inner()) = to;
                true
            }
        }
    }
}
