//! `/process.find(**kw)` (platform.md §2.2): the process records as a virtual list,
//! filtered by their attributes with the lookups their types allow (§3.6.3), ordered and
//! paged like objects.

use jfc_vm::value::Value;

use super::filter::{self, Cond, VirtualType};
use super::find::{count, parse_lookup, split_known};
use super::order::{Key, Order};
use super::{sql, Query, Rows};
use crate::{Result, Store, StoreError};

/// The attributes a process record can be filtered and ordered by: name, SQL on the
/// `processes` row `o`, type, and the column it sorts by.
const ATTRS: &[(&str, &str, VirtualType, &str)] = &[
    ("id", "o.pid", VirtualType::Integer, "o.pid"),
    ("pid", "o.pid", VirtualType::Integer, "o.pid"),
    ("job", "o.job", VirtualType::String, "o.job"),
    ("current_job", "o.job", VirtualType::String, "o.job"),
    ("user", "o.user", VirtualType::Exact, "o.user"),
    ("status", "o.status", VirtualType::String, "o.status"),
    (
        "started_time",
        "rtrim(o.started, 'Z')",
        VirtualType::Datetime,
        "o.started",
    ),
    (
        "finished_time",
        "rtrim(o.finished, 'Z')",
        VirtualType::Datetime,
        "o.finished",
    ),
    (
        "exit_status",
        "json_extract(o.exit_status, '$')",
        VirtualType::Integer,
        "json_extract(o.exit_status, '$')",
    ),
    ("console", CONSOLE, VirtualType::String, CONSOLE),
    ("parent", "o.parent", VirtualType::Integer, "o.parent"),
];

/// The console of the record `o`, from its pieces (store::processes).
const CONSOLE: &str = "(SELECT coalesce(group_concat(c.text, '' ORDER BY c.pos), '') FROM process_console c WHERE c.pid = o.pid)";

/// Attributes of the spec that jfc does not record (yet): refused by name.
const NOT_RECORDED: &[&str] = &["schedule", "invoker", "suspended", "lineno", "elapsed_time"];

fn names() -> String {
    ATTRS.iter().map(|a| a.0).collect::<Vec<_>>().join(", ")
}

fn attr(
    name: &str,
) -> std::result::Result<&'static (&'static str, &'static str, VirtualType, &'static str), String> {
    if let Some(a) = ATTRS.iter().find(|a| a.0 == name) {
        return Ok(a);
    }
    if NOT_RECORDED.contains(&name) {
        return Err(format!(
            "`{name}` is not recorded for processes run by jfc (attributes: {})",
            names()
        ));
    }
    Err(format!(
        "`{name}` is not an attribute of a process (attributes: {})",
        names()
    ))
}

/// Every record, oldest first.
pub fn all() -> Query {
    table_query(Vec::new(), Vec::new(), None, 0)
}

pub fn find(kw: &[(String, Value)]) -> Result<Query> {
    let one = || -> std::result::Result<Query, String> {
        let mut conds = Vec::new();
        let (mut order, mut limit, mut offset) = (Vec::new(), None, 0);
        for (key, value) in kw {
            match key.as_str() {
                "order_by" => order = parse_order(value)?,
                "limit" => limit = Some(count("limit", value)?),
                "offset" => offset = count("offset", value)?,
                _ => conds.push(condition(key, value).map_err(|e| format!("{key}: {e}"))?),
            }
        }
        Ok(table_query(conds, order, limit, offset))
    };
    one().map_err(|e| StoreError(format!("/process.find(): {e}")))
}

fn table_query(conds: Vec<Cond>, order: Vec<Order>, limit: Option<i64>, offset: i64) -> Query {
    Query {
        rows: Rows::Processes,
        limit,
        offset,
        sql: sql::compile_table("processes", "pid", &conds, &order),
    }
}

fn condition(key: &str, value: &Value) -> std::result::Result<Cond, String> {
    let (name, lookup) = split_known(key, |n| attr(n).is_ok());
    let (name, column, ty, _) = *attr(name)?;
    let lookup = parse_lookup(lookup)?;
    // A job or user given as an object stands for its path or name; a parent, as a
    // record (`/process/id_<pid>`, whose id is `-pid`) or a Process value, for its pid.
    let value = match value {
        Value::Object(o) if name == "parent" => Value::Int(-o.id),
        Value::Process(p) if name == "parent" => Value::Int(p.borrow().pid as i64),
        Value::Object(o) if name == "user" => {
            Value::str(o.path.rsplit('/').next().unwrap_or_default())
        }
        Value::Object(o) => Value::str(&o.path),
        v => v.clone(),
    };
    filter::virtual_attr(name, column, ty, lookup, &value)
}

fn parse_order(value: &Value) -> std::result::Result<Vec<Order>, String> {
    let Value::Str(spec) = value else {
        return Err(format!(
            "order_by: expects a String such as '-started_time', not {}",
            filter::describe(value)
        ));
    };
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (desc, name) = match part.strip_prefix('-') {
            Some(rest) => (true, rest.trim()),
            None => (false, part),
        };
        let (_, _, _, column) = *attr(name).map_err(|e| format!("order_by: {e}"))?;
        out.push(Order {
            key: Key::Column(column),
            desc,
        });
    }
    Ok(out)
}

impl Store {
    /// Delete the finished records among `pids`; the running ones are left. The count.
    pub fn delete_finished_processes(&mut self, pids: &[i64]) -> Result<i64> {
        let mut n = 0;
        for &pid in pids {
            if !matches!(self.process(pid)?.status.as_str(), "RUNNING" | "WAITING") {
                self.delete_process(pid)?;
                n += 1;
            }
        }
        Ok(n)
    }
}
