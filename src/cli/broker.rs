//! `--broker`: the options of `jfc run`, `jfc resume` and `jfc serve` that send the jobs
//! of agent zones (`__zone__`, a NodeInfo's `zone`) to `jfc agent`s through a broker.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use jfc_runtime::zones::Zones;

#[derive(Args, Clone)]
pub struct BrokerArgs {
    /// The AMQP broker (RabbitMQ) that agent zones are reached through, e.g.
    /// amqp://user:password@mq:5672/%2f or amqps://... (also JFC_BROKER). Without it, a
    /// job of a zone fails saying so; jobs without a zone run here either way.
    #[arg(long, value_name = "URL", env = "JFC_BROKER", hide_env_values = true)]
    pub broker: Option<String>,
    /// Seconds a job of a zone waits for an agent of that zone to take it; then it
    /// fails ($STATUS -1).
    #[arg(long, value_name = "SECS", default_value_t = 30.0,
          value_parser = positive_seconds)]
    pub agent_wait: f64,
}

impl BrokerArgs {
    /// The broker side, connected now so a wrong URL is said before anything runs.
    pub fn zones(&self) -> Result<Option<Arc<dyn Zones>>, String> {
        let Some(url) = &self.broker else {
            return Ok(None);
        };
        let broker = jfc_agent::Broker::connect(jfc_agent::BrokerOptions {
            url: url.clone(),
            pickup: Duration::from_secs_f64(self.agent_wait),
        })?;
        Ok(Some(Arc::new(broker)))
    }
}

pub fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() && v <= 1e6 => Ok(v),
        _ => Err(format!("`{s}` is not a number of seconds above 0")),
    }
}
