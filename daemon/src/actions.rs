//! Channel actions (platform.md §3.3): a message queued on a Channel whose
//! `action_type` is ExecuteJobflow starts its `action_target` with the message as the
//! first parameter, one process per message, unless a process waits on the channel
//! (a waiter comes first and takes it itself).

use std::collections::HashMap;

use jfc_store::objects::ObjectId;
use jfc_store::Store;

use crate::runner::Runner;

/// What the actions have seen of the store.
#[derive(Default)]
pub(crate) struct Actions {
    /// The store's change token at the last look; None before the first.
    seen: Option<i64>,
    /// The last problem reported for each channel whose action cannot run, so that it
    /// is logged once, not at every look.
    reported: HashMap<ObjectId, String>,
}

impl Actions {
    /// Start the actions of the messages queued now. `woken`: something was sent
    /// through this daemon since the last look (the change token sees only other
    /// connections' writes).
    pub(crate) fn act(&mut self, store: &mut Store, runner: &Runner, woken: bool) {
        let token = store.change_token().ok();
        if !woken && self.seen.is_some() && token == self.seen {
            return;
        }
        self.seen = token;
        let channels = match store.channels_to_act_on() {
            Ok(c) => c,
            Err(e) => return tracing::error!("channel actions: {e}"),
        };
        for channel in channels {
            match self.act_on(store, runner, channel) {
                Ok(()) => {
                    self.reported.remove(&channel);
                }
                Err(why) if self.reported.get(&channel) != Some(&why) => {
                    tracing::warn!("the messages stay queued: {why}");
                    self.reported.insert(channel, why);
                }
                Err(_) => {}
            }
        }
    }

    /// Start the action of each message queued on `channel`, while no process waits.
    fn act_on(&self, store: &mut Store, runner: &Runner, channel: ObjectId) -> Result<(), String> {
        let Some((_, job)) = store.channel_action(channel).map_err(|e| e.0)? else {
            return Ok(());
        };
        while let Some(pid) = store.take_for_action(channel, &job).map_err(|e| e.0)? {
            runner.start(pid);
        }
        Ok(())
    }
}
