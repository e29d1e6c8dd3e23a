//! Queries over the store, behind lazy arrays (library.md §2.8): the children of a
//! container, `find()` (§3.6.3) and `glob()` (§3.6.6). A [`Query`] is checked and turned
//! into SQL once, when it is made; a LazyArray runs it again at every use (count, one
//! element, all of them, delete), so it always sees the store as it is now.

mod data;
mod filter;
mod find;
mod glob;
mod lookup;
mod order;
mod processes;
mod sql;

use jfc_vm::value::Value;

use super::fields::FieldSpec;
use super::objects::ObjectId;
use super::typed::FieldDef;
use super::{Result, Store, StoreError};
use filter::Cond;
use order::Order;

pub(crate) use sql::register_functions;

/// A query: which objects, in which order, which page of them.
#[derive(Clone, Debug)]
pub struct Query {
    rows: Rows,
    limit: Option<i64>,
    offset: i64,
    /// The SQL selecting the ids, without LIMIT/OFFSET, and its parameters.
    sql: sql::Compiled,
}

/// What the ids a query selects are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    Objects,
    /// Process records, by pid (`/process`).
    Processes,
}

/// Where a query looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The direct children of a container.
    Children(ObjectId),
    /// The whole subtree below a container, the container excluded.
    Subtree(ObjectId),
    /// Nowhere: a glob whose literal directory part does not exist.
    Nothing,
}

/// The fields of the one type a query selects (a `type_object=` filter, a glob's
/// `.TypeName`, a Table's type), by which field filters and `field:` keys are read.
pub struct TypeFields {
    type_path: String,
    defs: Vec<FieldDef>,
}

impl TypeFields {
    pub fn of(store: &Store, type_id: ObjectId) -> Result<TypeFields> {
        Ok(TypeFields {
            type_path: store.abspath(type_id)?,
            defs: store.type_fields(type_id)?,
        })
    }

    pub fn has(&self, name: &str) -> bool {
        self.defs.iter().any(|d| d.name == name)
    }

    /// The spec of field `name`, or an error listing the fields the type has.
    pub fn get(&self, name: &str) -> Result<&FieldSpec, String> {
        match self.defs.iter().find(|d| d.name == name) {
            Some(d) => Ok(&d.spec),
            None => {
                let names: Vec<&str> = self.defs.iter().map(|d| d.name.as_str()).collect();
                let list = if names.is_empty() {
                    "it has none".to_string()
                } else {
                    format!("fields: {}", names.join(", "))
                };
                Err(format!(
                    "the type {} has no field `{name}` ({list})",
                    self.type_path
                ))
            }
        }
    }
}

/// How a query orders its matches when neither `order_by` nor the container's `orderBy`
/// says: by name for a listing, by id (creation order) for a search.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fallback {
    Name,
    Path,
    Id,
}

impl Query {
    /// The children of a container, in its `orderBy` order, else by name.
    pub fn children(store: &Store, dir: ObjectId) -> Result<Query> {
        let tf = table_fields(store, dir)?;
        let order = default_order(store, dir, tf.as_ref(), Fallback::Name)?;
        Query::new(store, Scope::Children(dir), Vec::new(), order, None, 0)
    }

    /// `dir.find(**kw)`.
    pub fn find(store: &Store, dir: ObjectId, kw: &[(String, Value)]) -> Result<Query> {
        find::query(store, dir, kw).map_err(|e| StoreError(format!("find(): {e}")))
    }

    /// `dir.glob(pattern)`.
    pub fn glob(store: &Store, dir: ObjectId, pattern: &str) -> Result<Query> {
        glob::query(store, dir, pattern).map_err(|e| StoreError(format!("glob(): {e}")))
    }

    /// Every process record (`/process.children`), oldest first.
    pub fn processes() -> Query {
        processes::all()
    }

    /// `/process.find(**kw)`.
    pub fn find_processes(kw: &[(String, Value)]) -> Result<Query> {
        processes::find(kw)
    }

    pub fn rows(&self) -> Rows {
        self.rows
    }

    fn new(
        store: &Store,
        scope: Scope,
        conds: Vec<Cond>,
        order: Vec<Order>,
        limit: Option<i64>,
        offset: i64,
    ) -> Result<Query> {
        let base_path = match scope {
            Scope::Children(d) | Scope::Subtree(d) => store.abspath(d)?,
            Scope::Nothing => String::new(),
        };
        let containers = [store.type_id("Directory")?, store.type_id("Table")?];
        let sql = sql::compile(scope, &base_path, containers, &conds, &order);
        Ok(Query {
            rows: Rows::Objects,
            limit,
            offset,
            sql,
        })
    }
}

/// A Table's type's fields; None for a Directory.
fn table_fields(store: &Store, dir: ObjectId) -> Result<Option<TypeFields>> {
    store
        .table_type(dir)?
        .map(|t| TypeFields::of(store, t))
        .transpose()
}

/// The container's `orderBy`, else the fallback.
fn default_order(
    store: &Store,
    dir: ObjectId,
    tf: Option<&TypeFields>,
    fallback: Fallback,
) -> Result<Vec<Order>> {
    let stored = match store.read_field(dir, "orderBy") {
        Ok(Value::Str(ref s)) => s.to_string(),
        _ => String::new(),
    };
    let mut order = order::parse_lenient(&stored, tf);
    if order.is_empty() {
        order.push(Order {
            key: match fallback {
                Fallback::Name => order::Key::Name,
                Fallback::Path => order::Key::Abspath,
                Fallback::Id => order::Key::Id,
            },
            desc: false,
        });
    }
    Ok(order)
}

impl Store {
    /// The ids a query selects now, in its order.
    pub fn query_ids(&self, q: &Query) -> Result<Vec<ObjectId>> {
        self.query_page(q, q.offset, q.limit)
    }

    /// How many objects a query selects now.
    pub fn query_count(&self, q: &Query) -> Result<i64> {
        let text = format!("SELECT count(*) FROM ({})", q.sql.paged());
        let mut stmt = self.conn.prepare_cached(&text)?;
        let params = q.sql.with_page(q.limit.unwrap_or(-1), q.offset);
        Ok(stmt.query_row(rusqlite::params_from_iter(params), |r| r.get(0))?)
    }

    /// Element `i` (0-based) of what a query selects now.
    pub fn query_nth(&self, q: &Query, i: i64) -> Result<Option<ObjectId>> {
        if i < 0 || q.limit.is_some_and(|l| i >= l) {
            return Ok(None);
        }
        Ok(self.query_page(q, q.offset + i, Some(1))?.first().copied())
    }

    fn query_page(&self, q: &Query, offset: i64, limit: Option<i64>) -> Result<Vec<ObjectId>> {
        let mut stmt = self.conn.prepare_cached(&q.sql.paged())?;
        let params = q.sql.with_page(limit.unwrap_or(-1), offset);
        let ids = stmt
            .query_map(rusqlite::params_from_iter(params), |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<ObjectId>>>()?;
        Ok(ids)
    }
}
