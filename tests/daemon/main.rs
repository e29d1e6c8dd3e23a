//! `jfc serve` running flows, over real HTTP: channel actions, starts through the API,
//! schedules fired by a clock the tests move, and what a restart takes up. Most tests
//! share one daemon; those that stop it have their own.

#[path = "../common/mod.rs"]
mod common;
mod harness;

mod actions;
mod config;
mod console;
mod control;
mod restart;
mod schedules;
mod starts;
mod tasks;
mod web;

use std::sync::OnceLock;

use harness::{Daemon, EPOCH};

/// The daemon the tests share, with a directory `/t` for their objects.
fn shared() -> &'static Daemon {
    static DAEMON: OnceLock<Daemon> = OnceLock::new();
    DAEMON.get_or_init(|| {
        let d = Daemon::new(EPOCH);
        d.obj(&["/t", "--type", "Directory"]);
        d
    })
}
