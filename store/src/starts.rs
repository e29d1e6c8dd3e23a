//! Processes the daemon starts (platform.md §2.1, status NEW): a flow to run and its
//! arguments, recorded in the same transaction as what caused the start (a channel
//! message taken for the channel's action, a schedule firing, an API request). A crash
//! between the record and the run then neither loses the start nor makes it twice:
//! `jfc serve` starts every NEW record it finds when it starts.

use jfc_vm::value::Value;
use rusqlite::{params, OptionalExtension};

use super::objects::ObjectId;
use super::{codec, now_text, Result, Store, StoreError};

/// The arguments of a flow to start: positional first, then by name.
#[derive(Clone, Debug, Default)]
pub struct StartArgs {
    pub pos: Vec<Value>,
    pub kw: Vec<(String, Value)>,
}

impl StartArgs {
    fn encode(&self) -> Result<String> {
        let kw = self
            .kw
            .iter()
            .map(|(k, v)| Value::array(vec![Value::str(k), v.clone()]))
            .collect();
        let both = Value::array(vec![Value::array(self.pos.clone()), Value::array(kw)]);
        codec::encode(&both).map_err(|e| StoreError(format!("the arguments cannot be stored: {e}")))
    }

    fn decode(text: &str) -> Result<StartArgs> {
        let bad = || StoreError("the stored arguments of a process are damaged".into());
        let both = codec::decode(text).map_err(|_| bad())?;
        let items = |v: &Value| match v {
            Value::Array(a) => Ok(a.borrow().clone()),
            _ => Err(bad()),
        };
        let parts = items(&both)?;
        let [pos, kw] = parts.as_slice() else {
            return Err(bad());
        };
        let kw = items(kw)?
            .iter()
            .map(|pair| match items(pair)?.as_slice() {
                [Value::Str(k), v] => Ok((k.to_string(), v.clone())),
                _ => Err(bad()),
            })
            .collect::<Result<_>>()?;
        Ok(StartArgs {
            pos: items(pos)?,
            kw,
        })
    }
}

/// A process to record as NEW.
pub struct NewProcess<'a> {
    /// The path of the Jobflow object.
    pub job: &'a str,
    /// The user it runs as.
    pub user: &'a str,
    pub args: &'a StartArgs,
    /// What started it (a channel's path for a channel action), None for the API.
    pub invoker: Option<&'a str>,
    /// The schedule that fired it.
    pub schedule: Option<i64>,
}

/// A NEW record as the daemon starts it.
pub struct PendingStart {
    pub pid: i64,
    pub job: String,
    pub user: String,
    pub args: StartArgs,
    pub invoker: Option<String>,
    pub schedule: Option<i64>,
}

impl Store {
    /// Record a process to start; its pid. Durable when this returns (or, inside a
    /// transaction, as durable as its commit).
    pub fn process_new(&mut self, new: &NewProcess<'_>) -> Result<i64> {
        let args = new.args.encode()?;
        let insert = |s: &mut Store| -> Result<i64> {
            s.conn
                .prepare_cached(
                    "INSERT INTO processes (job, user, status, started, os_pid, start_args, invoker, schedule) \
                     VALUES (?1, ?2, 'NEW', ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    new.job,
                    new.user,
                    now_text(),
                    std::process::id() as i64,
                    args,
                    new.invoker,
                    new.schedule
                ])?;
            Ok(s.conn.last_insert_rowid())
        };
        if !self.conn.is_autocommit() {
            return insert(self);
        }
        self.durably(|s| s.write_tx(insert))
    }

    /// The NEW records, oldest first.
    pub fn pending_starts(&self) -> Result<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT pid FROM processes WHERE status = 'NEW' ORDER BY pid")?;
        let pids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        Ok(pids)
    }

    /// Take NEW record `pid` to run it in this OS process: it becomes RUNNING, started
    /// now. None when it is not NEW (another start took it, or it was terminated).
    pub fn process_adopt(&mut self, pid: i64) -> Result<Option<PendingStart>> {
        self.write_tx(|s| {
            let row = s
                .conn
                .prepare_cached(
                    "UPDATE processes SET status = 'RUNNING', started = ?2, os_pid = ?3 \
                     WHERE pid = ?1 AND status = 'NEW' RETURNING job, user, start_args, invoker, schedule",
                )?
                .query_row(params![pid, now_text(), std::process::id() as i64], |r| {
                    let start = PendingStart {
                        pid,
                        job: r.get(0)?,
                        user: r.get(1)?,
                        args: StartArgs::default(),
                        invoker: r.get(3)?,
                        schedule: r.get(4)?,
                    };
                    Ok((start, r.get::<_, Option<String>>(2)?))
                })
                .optional()?;
            let Some((mut start, args)) = row else {
                return Ok(None);
            };
            if let Some(args) = args {
                start.args = StartArgs::decode(&args)?;
            }
            Ok(Some(start))
        })
    }

    /// The channels with an `action_type` set and messages queued: those whose actions
    /// may have work. (Found through the few objects with that field, not by a scan of
    /// the queues, which may be long.)
    pub fn channels_to_act_on(&self) -> Result<Vec<ObjectId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.object FROM fields f WHERE f.name = 'action_type' \
             AND EXISTS (SELECT 1 FROM messages m WHERE m.channel = f.object) ORDER BY f.object",
        )?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<ObjectId>>>()?;
        Ok(ids)
    }

    /// The Jobflow a channel's action starts (platform.md §3.3), when its `action_type`
    /// is ExecuteJobflow: its id and path. An action whose target is not a Jobflow is an
    /// error naming it (the messages stay queued).
    pub fn channel_action(&self, channel: ObjectId) -> Result<Option<(ObjectId, String)>> {
        let action = self.read_field(channel, "action_type")?;
        if action.to_text() != "ExecuteJobflow" {
            return Ok(None);
        }
        let path = self.abspath(channel)?;
        let target = match self.read_field(channel, "action_target")? {
            Value::Object(ref o) => o.clone(),
            _ => {
                return Err(StoreError(format!(
                    "{path}: its action is ExecuteJobflow, but it has no action_target"
                )))
            }
        };
        let ty = self.type_name(target.id)?;
        if ty != "Jobflow" {
            return Err(StoreError(format!(
                "{path}: its action_target {} is a {ty}, not a Jobflow",
                target.path
            )));
        }
        Ok(Some((target.id, target.path.to_string())))
    }

    /// Take the head message of `channel` for its action, when no process waits on the
    /// channel (a waiter comes first: platform.md §3.3), and record the process that
    /// gets it, in one transaction; that process's pid.
    pub fn take_for_action(&mut self, channel: ObjectId, job: &str) -> Result<Option<i64>> {
        if self.event_count(channel)? > 0 {
            return Ok(None);
        }
        let path = self.abspath(channel)?;
        let owner = self.get(channel)?.owner;
        self.durably(|s| {
            s.write_tx(|s| {
                let Some((_, message)) = s.pop_message(channel, 0)? else {
                    return Ok(None);
                };
                let args = StartArgs {
                    pos: vec![message],
                    kw: Vec::new(),
                };
                s.process_new(&NewProcess {
                    job,
                    user: &owner,
                    args: &args,
                    invoker: Some(&path),
                    schedule: None,
                })
                .map(Some)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_come_back_as_they_were_stored() {
        let args = StartArgs {
            pos: vec![Value::str("disk full"), Value::Int(3)],
            kw: vec![("host".into(), Value::str("web1"))],
        };
        let text = args.encode().expect("encodes");
        let back = StartArgs::decode(&text).expect("decodes");
        assert_eq!(format!("{back:?}"), format!("{args:?}"));
        assert!(StartArgs::decode("[1]").is_err());
    }
}
