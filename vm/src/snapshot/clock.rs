//! Instants (the scheduler's deadlines) as wall-clock UTC and back: an `Instant` means
//! nothing to another OS process, a UTC time does, so a sleep ends when it should even
//! after a restart.

use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};

/// "Now" on both clocks, read once so that every conversion agrees.
pub(super) struct Clock {
    instant: Instant,
    utc: DateTime<Utc>,
}

impl Clock {
    pub fn now() -> Clock {
        Clock {
            instant: Instant::now(),
            utc: Utc::now(),
        }
    }

    pub fn utc(&self, t: Instant) -> DateTime<Utc> {
        let delta = |d: std::time::Duration| TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
        if t >= self.instant {
            self.utc
                .checked_add_signed(delta(t - self.instant))
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        } else {
            self.utc
                .checked_sub_signed(delta(self.instant - t))
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        }
    }

    /// The instant of `t`; a time already past is now (the wait is over).
    pub fn instant(&self, t: DateTime<Utc>) -> Instant {
        match (t - self.utc).to_std() {
            Ok(ahead) => self.instant.checked_add(ahead).unwrap_or(self.instant),
            Err(_) => self.instant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_deadline_keeps_its_distance_from_now() {
        let clock = Clock::now();
        let later = clock.instant + Duration::from_secs(90);
        let back = clock.instant(clock.utc(later));
        assert_eq!(back, later);
        let past = clock.utc - TimeDelta::seconds(5);
        assert_eq!(clock.instant(past), clock.instant);
    }
}
