//! A query as SQL: the scope, the conditions of filter.rs and the sort keys of order.rs,
//! with every value a bound parameter. Two SQL functions of our own serve the lookups
//! SQLite lacks: `jfc_regexp(pattern, text)` (search semantics, Q34, with the pattern
//! compiled once per statement) and `jfc_lower(text)` (Unicode lower case, the same as
//! the value side, which Rust lower-cases).

use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;

use super::filter::{Cond, FieldExpr, Op, Subject, Test};
use super::order::{Key, Order};
use super::Scope;
use crate::objects::{ObjectId, ROOT};

/// SQL selecting the ids of the matching objects, in order, and its parameters; the
/// caller adds `LIMIT ?n OFFSET ?n+1`.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub text: String,
    pub params: Vec<Sql>,
}

impl Compiled {
    /// The text with the LIMIT and OFFSET parameters that [`Compiled::with_page`] binds.
    pub fn paged(&self) -> String {
        let n = self.params.len();
        format!("{} LIMIT ?{} OFFSET ?{}", self.text, n + 1, n + 2)
    }

    /// The parameters followed by a page's limit (-1: no limit) and offset.
    pub fn with_page(&self, limit: i64, offset: i64) -> Vec<Sql> {
        let mut p = self.params.clone();
        p.push(Sql::Integer(limit));
        p.push(Sql::Integer(offset));
        p
    }
}

/// Builds the text and numbers its parameters (`?1`, `?2`, ...).
struct Builder {
    text: String,
    params: Vec<Sql>,
    /// The SQL expression of an object's absolute path, where the scope has one.
    path: String,
}

impl Builder {
    fn param(&mut self, v: Sql) -> String {
        self.params.push(v);
        format!("?{}", self.params.len())
    }

    fn text(&mut self, s: &str) -> String {
        self.param(Sql::Text(s.to_string()))
    }
}

/// `containers`: the ids of the Directory and Table types, the only objects with children.
pub fn compile(
    scope: Scope,
    base_path: &str,
    containers: [ObjectId; 2],
    conds: &[Cond],
    order: &[Order],
) -> Compiled {
    let mut b = Builder {
        text: String::new(),
        params: Vec::new(),
        path: String::new(),
    };
    let needs_path = conds
        .iter()
        .any(|c| matches!(c, Cond::Attr(Subject::Abspath | Subject::RelPath, _)))
        || order.iter().any(|o| o.key == Key::Abspath);
    // Paths below the base start with this; RelPath is what follows it.
    let prefix = if base_path == "/" {
        "/".to_string()
    } else {
        format!("{base_path}/")
    };
    let mut wheres = Vec::new();
    match scope {
        Scope::Nothing => {
            b.text = "SELECT o.id FROM objects o".into();
            wheres.push("0".into());
            b.path = "o.name".into();
        }
        Scope::Subtree(ROOT) if !needs_path => {
            // Below the root is everything but the root: no walk needed.
            b.text = "SELECT o.id FROM objects o".into();
            wheres.push(format!("o.id <> {ROOT}"));
        }
        Scope::Subtree(base) => {
            // Only the containers below the base are walked (through the (parent, type)
            // index); the objects are then those whose parent is one of them, so a
            // selective field filter can still drive the query from the fields index.
            let base = b.param(Sql::Integer(base));
            let dir = b.param(Sql::Integer(containers[0]));
            let table = b.param(Sql::Integer(containers[1]));
            let base_dir = b.text(prefix.trim_end_matches('/'));
            b.text = format!(
                "WITH RECURSIVE dirs(id, path) AS (SELECT {base}, {base_dir} \
                 UNION ALL SELECT c.id, dirs.path || '/' || c.name FROM objects c JOIN dirs ON c.parent = dirs.id \
                 WHERE c.type IN ({dir}, {table})) "
            );
            if needs_path {
                b.text
                    .push_str("SELECT o.id FROM dirs JOIN objects o ON o.parent = dirs.id");
                b.path = "(dirs.path || '/' || o.name)".into();
            } else {
                b.text.push_str("SELECT o.id FROM objects o");
                wheres.push("o.parent IN (SELECT id FROM dirs)".into());
            }
        }
        Scope::Children(dir) => {
            let dir = b.param(Sql::Integer(dir));
            b.text = "SELECT o.id FROM objects o".into();
            wheres.push(format!("o.parent = {dir}"));
            if needs_path {
                b.path = format!("({} || o.name)", b.text(&prefix));
            }
        }
    }
    let rel_start = prefix.chars().count() + 1;
    finish(&mut b, wheres, conds, order, rel_start, "o.id");
    Compiled {
        text: b.text,
        params: b.params,
    }
}

/// Add the WHERE and ORDER BY clauses; ties are broken by `tie`.
fn finish(
    b: &mut Builder,
    mut wheres: Vec<String>,
    conds: &[Cond],
    order: &[Order],
    rel_start: usize,
    tie: &str,
) {
    for c in conds {
        let w = cond(b, c, rel_start);
        wheres.push(w);
    }
    if !wheres.is_empty() {
        b.text.push_str(" WHERE ");
        b.text.push_str(&wheres.join(" AND "));
    }
    let mut keys: Vec<String> = order.iter().map(|o| sort_key(b, o)).collect();
    // Ties are broken by creation, so a page is the same page each time.
    keys.push(tie.to_string());
    b.text.push_str(" ORDER BY ");
    b.text.push_str(&keys.join(", "));
}

/// SQL selecting `id_column` of the rows of `table` (as `o`) that pass `conds`, in order.
pub fn compile_table(table: &str, id_column: &str, conds: &[Cond], order: &[Order]) -> Compiled {
    let mut b = Builder {
        text: format!("SELECT o.{id_column} FROM {table} o"),
        params: Vec::new(),
        path: String::new(),
    };
    finish(
        &mut b,
        Vec::new(),
        conds,
        order,
        0,
        &format!("o.{id_column}"),
    );
    Compiled {
        text: b.text,
        params: b.params,
    }
}

fn subject(b: &Builder, s: Subject, rel_start: usize) -> String {
    match s {
        Subject::Name => "o.name".into(),
        Subject::DisplayName => "o.display_name".into(),
        Subject::Description => "o.description".into(),
        Subject::Owner => "o.owner".into(),
        Subject::Created => "rtrim(o.created, 'Z')".into(),
        Subject::Updated => "rtrim(o.updated, 'Z')".into(),
        Subject::Type => "o.type".into(),
        Subject::Parent => "o.parent".into(),
        Subject::Abspath => b.path.clone(),
        Subject::RelPath => format!("substr({}, {rel_start})", b.path),
        Subject::Column(c) => c.to_string(),
    }
}

/// A field's stored JSON text `v` read as `expr` says.
fn field_expr(expr: FieldExpr, v: &str) -> String {
    match expr {
        FieldExpr::Raw => v.to_string(),
        FieldExpr::Plain => format!("json_extract({v}, '$')"),
        FieldExpr::Tagged => format!("json_extract({v}, '$.v')"),
        FieldExpr::TaggedInstant => format!("rtrim(json_extract({v}, '$.v'), 'Z')"),
        FieldExpr::ObjectId => format!("json_extract({v}, '$.id')"),
        FieldExpr::FileName => format!("json_extract({v}, '$.name')"),
    }
}

fn cond(b: &mut Builder, c: &Cond, rel_start: usize) -> String {
    match c {
        Cond::Attr(s, t) => {
            let e = subject(b, *s, rel_start);
            test(b, &e, t)
        }
        Cond::Field {
            name,
            expr,
            test: t,
        } => {
            let name = b.text(name);
            let on = test(b, &field_expr(*expr, "f.value"), t);
            // Not correlated: SQLite runs it once, through the (name, value) index
            // where the test allows.
            format!("o.id IN (SELECT f.object FROM fields f WHERE f.name = {name} AND {on})")
        }
        Cond::FieldNull { name, null } => {
            let name = b.text(name);
            let not = if *null { "NOT " } else { "" };
            format!("o.id {not}IN (SELECT f.object FROM fields f WHERE f.name = {name})")
        }
    }
}

fn test(b: &mut Builder, e: &str, t: &Test) -> String {
    let e = if t.icase {
        format!("jfc_lower({e})")
    } else {
        e.to_string()
    };
    match &t.op {
        Op::Eq(v) => format!("{e} = {}", b.param(v.clone())),
        Op::Cmp(op, v) => format!("{e} {op} {}", b.param(v.clone())),
        Op::In(json) => format!("{e} IN (SELECT value FROM json_each({}))", b.text(json)),
        Op::Range(low, high) => format!(
            "{e} BETWEEN {} AND {}",
            b.param(low.clone()),
            b.param(high.clone())
        ),
        Op::Contains(s) => format!("instr({e}, {}) > 0", b.text(s)),
        Op::StartsWith(s) => {
            let p = b.text(s);
            format!("substr({e}, 1, length({p})) = {p}")
        }
        Op::EndsWith(s) => {
            let p = b.text(s);
            format!("({p} = '' OR substr({e}, -length({p})) = {p})")
        }
        Op::Regex(r) => format!("jfc_regexp({}, {e})", b.text(r)),
        Op::Glob(g) => format!("{e} GLOB {}", b.text(g)),
    }
}

fn sort_key(b: &mut Builder, o: &Order) -> String {
    let e = match &o.key {
        Key::Id => "o.id".to_string(),
        Key::Owner => "(SELECT u.id FROM users u WHERE u.name = o.owner)".into(),
        Key::Abspath => b.path.clone(),
        Key::DisplayName => "o.display_name".into(),
        Key::Description => "o.description".into(),
        Key::Created => "o.created".into(),
        Key::Updated => "o.updated".into(),
        Key::Type => "o.type".into(),
        Key::Parent => "o.parent".into(),
        Key::Name => "o.name".into(),
        Key::Column(c) => c.to_string(),
        Key::Field { name, expr } => {
            let name = b.text(name);
            format!(
                "(SELECT {} FROM fields f WHERE f.object = o.id AND f.name = {name})",
                field_expr(*expr, "f.value")
            )
        }
    };
    let dir = if o.desc { "DESC" } else { "ASC" };
    // Objects without the field sort last either way.
    format!("{e} {dir} NULLS LAST")
}

/// Make `jfc_regexp` and `jfc_lower` known to a connection.
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("jfc_regexp", 2, flags, |ctx| {
        let re = ctx.get_or_create_aux(0, |v| -> Result<fancy_regex::Regex, BoxError> {
            Ok(fancy_regex::Regex::new(v.as_str()?)?)
        })?;
        Ok(match ctx.get_raw(1).as_str_or_null() {
            Ok(Some(text)) => re.is_match(text).unwrap_or(false),
            _ => false,
        })
    })?;
    conn.create_scalar_function("jfc_lower", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0).as_str_or_null() {
            Ok(Some(text)) => Some(text.to_lowercase()),
            _ => None,
        })
    })
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
