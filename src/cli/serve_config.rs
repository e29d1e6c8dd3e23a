//! `jfc serve --config FILE`: the daemon's settings in a TOML file, for a systemd unit
//! or a container. A flag on the command line wins over the file; the file over the
//! defaults. A key the daemon does not know is an error naming it, not a silent typo.
//!
//! ```toml
//! [serve]
//! listen = "0.0.0.0:8443"
//! tls_cert = "/etc/jfc/cert.pem"
//! tls_key = "/etc/jfc/key.pem"
//! max_body = 1048576
//!
//! [scheduler]
//! timezone = "Asia/Tokyo"
//!
//! [engine]
//! max_processes = 1000
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub serve: ServeSection,
    #[serde(default)]
    pub scheduler: SchedulerSection,
    #[serde(default)]
    pub engine: EngineSection,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ServeSection {
    pub listen: Option<SocketAddr>,
    pub insecure_http: Option<bool>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub max_body: Option<usize>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SchedulerSection {
    /// An IANA zone name.
    pub timezone: Option<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EngineSection {
    pub max_processes: Option<u32>,
}

impl Config {
    /// The settings of `file`; an error naming the file and what is wrong in it.
    pub fn read(file: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read --config {}: {e}", file.display()))?;
        let config: Config =
            toml::from_str(&text).map_err(|e| format!("--config {}: {e}", file.display()))?;
        if config.engine.max_processes == Some(0) {
            return Err(format!(
                "--config {}: [engine] max_processes is at least 1",
                file.display()
            ));
        }
        Ok(config)
    }

    /// The zone of `[scheduler] timezone`.
    pub fn timezone(&self) -> Result<Option<chrono_tz::Tz>, String> {
        self.scheduler
            .timezone
            .as_deref()
            .map(|z| {
                z.parse()
                    .map_err(|_| format!("[scheduler] timezone `{z}` is not an IANA time zone name (e.g. Asia/Tokyo, UTC)"))
            })
            .transpose()
    }
}
