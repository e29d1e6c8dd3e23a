//! The outcome of one test.

use std::time::Duration;

#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub name: String,
    /// Why the test failed; empty when it passed.
    pub failures: Vec<String>,
    /// What the flow printed and the errors reported while it ran.
    pub console: Vec<String>,
    /// Wall time the test took.
    pub wall: Duration,
    /// Virtual time that passed in the test (sleeps, timeouts, delays of mocks).
    pub virtual_time: Duration,
    /// What ran of each flow, by name, when coverage is recorded.
    pub coverage: Vec<(String, jfc_vm::coverage::FlowHits)>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// A test that could not run at all (it does not compile, its store cannot be made).
    pub fn broken(name: &str, why: String) -> Outcome {
        Outcome {
            name: name.to_string(),
            failures: vec![why],
            ..Outcome::default()
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "passed": self.passed(),
            "failures": self.failures,
            "console": self.console,
            "wall_ms": self.wall.as_secs_f64() * 1000.0,
            "virtual_s": self.virtual_time.as_secs_f64(),
        })
    }
}
