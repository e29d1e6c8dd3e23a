//! Queries over the store, behind lazy arrays (library.md §2.8): so far only the children
//! of a container; `find()` and `glob()` answer that they are not built yet.
use super::{objects::ObjectId, Result, Store, StoreError};
use jfc_vm::value::Value;

#[derive(Clone, Debug)]
pub struct Query {
    dir: ObjectId,
}

impl Query {
    pub fn find(_store: &Store, dir: ObjectId, _kw: &[(String, Value)]) -> Result<Query> {
        let _ = dir;
        Err(StoreError("find() is not built yet".into()))
    }
    pub fn glob(_store: &Store, _dir: ObjectId, _pattern: &str) -> Result<Query> {
        Err(StoreError("glob() is not built yet".into()))
    }
    pub fn children(_store: &Store, dir: ObjectId) -> Result<Query> {
        Ok(Query { dir })
    }
}

impl Store {
    pub fn query_ids(&self, q: &Query) -> Result<Vec<ObjectId>> {
        self.children(q.dir)
    }
    pub fn query_count(&self, q: &Query) -> Result<i64> {
        Ok(self.children(q.dir)?.len() as i64)
    }
    pub fn query_nth(&self, q: &Query, i: i64) -> Result<Option<ObjectId>> {
        Ok(self.children(q.dir)?.get(i as usize).copied())
    }
}
