//! A query as JSON, for a snapshot of the processes holding its LazyArray: the query
//! is already SQL with bound parameters, so the SQL, the parameters and the page are
//! all of it. Read back, it runs on the store as it is then, as a LazyArray always does.

use rusqlite::types::Value as Sql;
use serde_json::{json, Value as Json};

use super::{sql::Compiled, Query, Rows};

impl Query {
    pub fn to_data(&self) -> Json {
        let rows = match self.rows {
            Rows::Objects => "objects",
            Rows::Processes => "processes",
        };
        let params: Vec<Json> = self.sql.params.iter().map(param).collect();
        json!({
            "rows": rows,
            "limit": self.limit,
            "offset": self.offset,
            "sql": self.sql.text,
            "params": params,
        })
    }

    pub fn from_data(data: &Json) -> Result<Query, String> {
        let bad = || format!("not the query of a LazyArray: {data}");
        let rows = match data["rows"].as_str() {
            Some("objects") => Rows::Objects,
            Some("processes") => Rows::Processes,
            _ => return Err(bad()),
        };
        let limit = match &data["limit"] {
            Json::Null => None,
            n => Some(n.as_i64().ok_or_else(bad)?),
        };
        let params = data["params"]
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|p| sql_param(p).ok_or_else(bad))
            .collect::<Result<_, _>>()?;
        Ok(Query {
            rows,
            limit,
            offset: data["offset"].as_i64().ok_or_else(bad)?,
            sql: Compiled {
                text: data["sql"].as_str().ok_or_else(bad)?.to_string(),
                params,
            },
        })
    }
}

/// A parameter, tagged by its SQLite type (a Real by its bits: JSON has no NaN).
fn param(p: &Sql) -> Json {
    match p {
        Sql::Null => json!({ "null": null }),
        Sql::Integer(i) => json!({ "integer": i }),
        Sql::Real(f) => json!({ "real": f.to_bits() }),
        Sql::Text(s) => json!({ "text": s }),
        Sql::Blob(b) => json!({ "blob": b }),
    }
}

fn sql_param(p: &Json) -> Option<Sql> {
    let (tag, v) = p.as_object()?.iter().next()?;
    Some(match tag.as_str() {
        "null" => Sql::Null,
        "integer" => Sql::Integer(v.as_i64()?),
        "real" => Sql::Real(f64::from_bits(v.as_u64()?)),
        "text" => Sql::Text(v.as_str()?.to_string()),
        "blob" => Sql::Blob(
            v.as_array()?
                .iter()
                .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_survives_as_data() {
        let q = Query {
            rows: Rows::Processes,
            limit: Some(3),
            offset: 1,
            sql: Compiled {
                text: "SELECT id FROM t WHERE a = ?1 AND b = ?2 AND c = ?3 AND d = ?4 AND e IS ?5"
                    .into(),
                params: vec![
                    Sql::Integer(-4),
                    Sql::Real(f64::NAN),
                    Sql::Text("é".into()),
                    Sql::Blob(vec![0, 255]),
                    Sql::Null,
                ],
            },
        };
        let back = Query::from_data(&q.to_data()).expect("read back");
        assert_eq!(back.to_data(), q.to_data());
        assert_eq!(back.rows, Rows::Processes);
        assert!(matches!(back.sql.params[1], Sql::Real(f) if f.is_nan()));
        let e = Query::from_data(&json!({"rows": "tables"})).expect_err("refused");
        assert!(e.starts_with("not the query of a LazyArray"), "{e}");
    }
}
