//! `jfc import`: a directory tree of files becomes objects (platform.md §1.6; the format
//! flows live in git with). [`Store::export_dir`](crate::Store::export_dir) writes
//! the same layout back.
//!
//! | file or directory | object |
//! |---|---|
//! | `NAME.jf` | Jobflow `NAME`, its `source` (compiled when saved) |
//! | `NAME.EXT` script: a known script extension (`sh`, `py`, ...), a `#!` first line or the executable bit | ScriptJob `NAME`, `source` and `ext = "EXT"` |
//! | `NAME.toml` | an object of the type its `type` key names (a path or a built-in type name); `display_name`, `description`, and fields (store::import::toml_value) |
//! | `NAME/` | Directory `NAME` (recursively) |
//! | `NAME.meta.toml` next to `NAME.jf`, a script or `NAME/` | the other fields and properties of that object; for a directory also `type` (e.g. a Table) |
//!
//! Hidden entries (`.git`, `.jfc`, ...) and tests (`*_test.jf`, a project's `tests/`)
//! are ignored; other files and names that are not object names are reported as skipped.
//!
//! Rules:
//! - Only what changed is touched: a hash of each file is kept, and an object whose files
//!   did not change since the last import (or export) is left alone.
//! - Per field, the value last imported (or exported) is kept. A field that was changed in
//!   the store since then is never overwritten: if the file brings a new value too, that is
//!   a *conflict* (reported, nothing written; `force` overwrites); if the file still brings
//!   the old value, the store's value is kept.
//! - Password values are compared decrypted; the value last imported of a Password field
//!   is kept encrypted like the field (store::secret).
//! - A key removed from a file puts the field back to null (the property back to its
//!   default), under the same rule. Fields a file never mentioned are not touched.
//! - Objects whose file disappeared are kept and reported; `prune` deletes them: only those
//!   whose recorded file (store::import::origin) was under the directory imported, and
//!   only when nothing else was added under them. `dry_run` reports it all, writes nothing.
//! - Everything is one transaction; problems with single files are reported, not fatal.

mod listing;
mod origin;
mod shell;
pub mod toml_value;

pub(crate) use origin::Base;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use jfc_vm::value::Value;
use rusqlite::{params, OptionalExtension};

use super::objects::{check_name, ObjectId};
use super::{codec, Result, Store, StoreError};

/// Extensions of files taken as scripts even without a `#!` line or the executable bit.
pub const SCRIPT_EXTENSIONS: &[&str] = &[
    "sh", "bash", "zsh", "ksh", "csh", "py", "pl", "rb", "php", "lua", "tcl", "awk", "js", "ps1",
    "bat", "cmd", "vbs",
];

/// The suffix of the file holding the fields of a Jobflow, ScriptJob or Directory.
pub const META_SUFFIX: &str = ".meta.toml";

#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Overwrite fields changed in the store since the last import, and re-read files that
    /// did not change.
    pub force: bool,
    /// Delete objects an earlier import made whose file is gone.
    pub prune: bool,
    /// Report what the import would do, and write nothing.
    pub dry_run: bool,
    /// The owner of created objects.
    pub owner: String,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            force: false,
            prune: false,
            dry_run: false,
            owner: "root".into(),
        }
    }
}

/// What a message of a report is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    /// A file or directory that maps to no object.
    Skipped,
    /// A field changed in the store and in the file.
    Conflict,
    /// A file or value that could not be imported, or a flow that does not compile.
    Error,
    /// An object whose file is gone (kept, or deleted with `prune`).
    Gone,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Skipped => "skipped",
            MessageKind::Conflict => "conflict",
            MessageKind::Error => "error",
            MessageKind::Gone => "gone",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub kind: MessageKind,
    /// The file concerned, if any.
    pub file: Option<PathBuf>,
    /// The object concerned, if any.
    pub object: Option<String>,
    pub text: String,
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.kind.as_str())?;
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        if let Some(o) = &self.object {
            write!(f, "{o}: ")?;
        }
        f.write_str(&self.text)
    }
}

/// The outcome of an import: counts of objects, and one message per problem.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Files and directories that map to no object.
    pub skipped: usize,
    /// Fields not written because they changed both in the store and in the file.
    pub conflicts: usize,
    /// Files, values and flows with errors.
    pub errors: usize,
    /// Objects deleted by `prune`.
    pub deleted: usize,
    pub messages: Vec<Message>,
}

impl ImportReport {
    /// True when there was neither a conflict nor an error.
    pub fn ok(&self) -> bool {
        self.conflicts == 0 && self.errors == 0
    }

    fn push(&mut self, kind: MessageKind, file: Option<&Path>, object: Option<&str>, text: String) {
        match kind {
            MessageKind::Skipped => self.skipped += 1,
            MessageKind::Conflict => self.conflicts += 1,
            MessageKind::Error => self.errors += 1,
            MessageKind::Gone => {}
        }
        self.messages.push(Message {
            kind,
            file: file.map(Path::to_path_buf),
            object: object.map(str::to_string),
            text,
        });
    }
}

/// The key under which the import state of a property is kept.
pub(crate) const DISPLAY_NAME: &str = "@display_name";
pub(crate) const DESCRIPTION: &str = "@description";

/// A check of an absolute object path: `/`, `/a/b`; each name valid.
pub fn normalise_path(path: &str) -> Result<String> {
    if !path.starts_with('/') {
        return Err(StoreError(format!(
            "`{path}` is not an absolute object path (it must start with `/`)"
        )));
    }
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    for p in &parts {
        check_name(p).map_err(|e| StoreError(format!("{path}: {e}")))?;
    }
    Ok(format!("/{}", parts.join("/")))
}

/// The hash kept for a file: FNV-1a 64 over its name and content, with the length.
pub(crate) fn file_hash(name: &str, content: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes().chain([0u8]).chain(content.iter().copied()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:016x}-{}", h, content.len())
}

/// The hash kept for a directory itself (its fields are in its meta file).
pub(crate) const DIR_HASH: &str = "dir";

/// What the files say about one object.
struct Item {
    id: ObjectId,
    path: String,
    /// The main file (or directory), for messages.
    file: PathBuf,
    created: bool,
    main_hash: String,
    meta_hash: Option<String>,
    /// Desired keys: a field name, or [`DISPLAY_NAME`]/[`DESCRIPTION`], with its TOML value.
    keys: Vec<(String, toml::Value, PathBuf)>,
    /// Whether reading the files went wrong somewhere (the hashes are then not kept).
    failed: bool,
    /// Whether the object is a TypeObject.
    is_type: bool,
}

/// One directory entry, classified.
#[derive(Clone)]
enum Entry {
    Dir {
        name: String,
        path: PathBuf,
    },
    Jobflow {
        name: String,
        path: PathBuf,
    },
    Script {
        name: String,
        ext: String,
        path: PathBuf,
    },
    Toml {
        name: String,
        path: PathBuf,
    },
}

impl Entry {
    fn name(&self) -> &str {
        match self {
            Entry::Dir { name, .. }
            | Entry::Jobflow { name, .. }
            | Entry::Script { name, .. }
            | Entry::Toml { name, .. } => name,
        }
    }
    fn path(&self) -> &Path {
        match self {
            Entry::Dir { path, .. }
            | Entry::Jobflow { path, .. }
            | Entry::Script { path, .. }
            | Entry::Toml { path, .. } => path,
        }
    }
}

struct Importer<'a> {
    store: &'a mut Store,
    opts: &'a ImportOptions,
    report: ImportReport,
    /// The directory imported.
    base: Base,
    /// Its files, read before the import starts.
    listing: listing::Listing,
    visited: HashSet<ObjectId>,
    items: Vec<Item>,
    /// While set, a `.toml` file of an unknown type waits in `deferred` (its type may be
    /// defined by a file read later).
    deferring: bool,
    deferred: Vec<(Entry, ObjectId, Option<PathBuf>)>,
    last_deferred: Option<usize>,
}

impl Store {
    /// Import the tree `dir` into the object directory `to` (created, with its parents, as
    /// Directories when missing). See the module documentation for the rules.
    pub fn import_dir(
        &mut self,
        dir: &Path,
        to: &str,
        opts: &ImportOptions,
    ) -> Result<ImportReport> {
        if !dir.is_dir() {
            return Err(StoreError(format!("{} is not a directory", dir.display())));
        }
        let to = normalise_path(to)?;
        let base = Base::new(dir)?;
        self.transaction_if(!opts.dry_run, |store| {
            let mut imp = Importer {
                store,
                opts,
                report: ImportReport::default(),
                base,
                listing: listing::Listing::read(dir),
                visited: HashSet::new(),
                items: Vec::new(),
                deferring: true,
                deferred: Vec::new(),
                last_deferred: None,
            };
            let root = imp.ensure_directories(&to)?;
            imp.visited.insert(root);
            for (path, why) in std::mem::take(&mut imp.listing.problems) {
                imp.error(&path, None, why);
            }
            imp.walk(dir, root)?;
            imp.retry_deferred()?;
            // Types first: the fields of an object are those its type has after the import.
            let (types, others): (Vec<Item>, Vec<Item>) = std::mem::take(&mut imp.items)
                .into_iter()
                .partition(|i| i.is_type);
            for item in types.into_iter().chain(others) {
                imp.apply(item)?;
            }
            imp.gone(root)?;
            Ok(imp.report)
        })
    }

    /// The hash kept for an object's file in `role` (`main`, `meta`).
    pub(crate) fn import_hash(&self, id: ObjectId, role: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT hash FROM import_files WHERE object = ?1 AND role = ?2")?
            .query_row(params![id, role], |r| r.get(0))
            .optional()?)
    }

    pub(crate) fn set_import_hash(
        &mut self,
        id: ObjectId,
        role: &str,
        hash: Option<&str>,
    ) -> Result<()> {
        match hash {
            Some(h) => self.conn.execute(
                "INSERT INTO import_files (object, role, hash) VALUES (?1, ?2, ?3) ON CONFLICT(object, role) DO UPDATE SET hash = excluded.hash",
                params![id, role, h],
            )?,
            None => self.conn.execute(
                "DELETE FROM import_files WHERE object = ?1 AND role = ?2",
                params![id, role],
            )?,
        };
        Ok(())
    }

    /// The values last imported or exported, per field (or property key).
    pub(crate) fn import_baseline(&self, id: ObjectId) -> Result<HashMap<String, Option<String>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT field, value FROM import_fields WHERE object = ?1")?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })?
            .collect::<rusqlite::Result<HashMap<String, Option<String>>>>()?;
        // Password values are kept encrypted (set_import_baseline); compared in plain.
        rows.into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Some(t) => Some(self.open_field(id, &k, &t)?.into_owned()),
                    None => None,
                };
                Ok((k, v))
            })
            .collect()
    }

    pub(crate) fn set_import_baseline(
        &mut self,
        id: ObjectId,
        key: &str,
        value: Option<&str>,
    ) -> Result<()> {
        // The value of a Password field is stored encrypted here too.
        let sealed = match value {
            Some(t) if self.is_password_field(id, key) => Some(self.seal_field(id, key, t)?),
            _ => None,
        };
        let value = sealed.as_deref().or(value);
        self.conn.execute(
            "INSERT INTO import_fields (object, field, value) VALUES (?1, ?2, ?3) ON CONFLICT(object, field) DO UPDATE SET value = excluded.value",
            params![id, key, value],
        )?;
        Ok(())
    }

    pub(crate) fn clear_import_baseline(&mut self, id: ObjectId, key: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM import_fields WHERE object = ?1 AND field = ?2",
            params![id, key],
        )?;
        Ok(())
    }

    /// Whether an import or export made (or last wrote) object `id`.
    pub(crate) fn was_imported(&self, id: ObjectId) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM import_files WHERE object = ?1)",
            [id],
            |r| r.get(0),
        )?)
    }

    /// The stored form of a key: a field's stored text (decrypted, for Password fields),
    /// or a property as a String.
    pub(crate) fn key_text(&self, id: ObjectId, key: &str) -> Result<Option<String>> {
        match key {
            DISPLAY_NAME => Ok(Some(str_text(&self.get(id)?.display_name))),
            DESCRIPTION => Ok(Some(str_text(&self.get(id)?.description))),
            field => match self.field_raw(id, field)? {
                Some(t) => Ok(Some(self.open_field(id, field, &t)?.into_owned())),
                None => Ok(None),
            },
        }
    }
}

/// The stored form of a String.
pub(crate) fn str_text(s: &str) -> String {
    codec::encode(&Value::str(s)).unwrap_or_default()
}

impl Importer<'_> {
    /// The object at `path`, creating missing Directories on the way.
    fn ensure_directories(&mut self, path: &str) -> Result<ObjectId> {
        let directory = self.store.type_id("Directory")?;
        let mut id = super::objects::ROOT;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            id = match self.store.child(id, part)? {
                Some(c) => {
                    let t = self.store.type_name(c)?;
                    if t != "Directory" && self.store.children(c)?.is_empty() {
                        let at = self.store.abspath(c)?;
                        return Err(StoreError(format!(
                            "{at} is a {t}, not a directory: cannot import into it"
                        )));
                    }
                    c
                }
                None => {
                    self.report.created += 1;
                    self.store.create(id, part, directory, &self.opts.owner)?
                }
            };
        }
        Ok(id)
    }

    fn skip(&mut self, file: &Path, text: impl Into<String>) {
        self.report
            .push(MessageKind::Skipped, Some(file), None, text.into());
    }

    fn error(&mut self, file: &Path, object: Option<&str>, text: impl Into<String>) {
        self.report
            .push(MessageKind::Error, Some(file), object, text.into());
    }

    /// Classify the entries of `dir` and make an [`Item`] for each object (phase 1: every
    /// object exists afterwards, so fields may refer to any of them in phase 2).
    fn walk(&mut self, dir: &Path, parent: ObjectId) -> Result<()> {
        let mut metas: HashMap<String, PathBuf> = HashMap::new();
        let mut entries: Vec<Entry> = Vec::new();
        for listing::Listed { path, meta } in self.listing.entries(dir) {
            let Some(file_name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
            else {
                self.skip(&path, "the name is not UTF-8");
                continue;
            };
            if meta.is_dir() {
                entries.push(Entry::Dir {
                    name: file_name,
                    path,
                });
                continue;
            }
            if let Some(stem) = file_name.strip_suffix(META_SUFFIX) {
                metas.insert(stem.to_string(), path);
                continue;
            }
            let (stem, ext) = match file_name.rsplit_once('.') {
                Some((s, e)) if !s.is_empty() => (s.to_string(), e.to_string()),
                _ => (file_name.clone(), String::new()),
            };
            let entry = match ext.as_str() {
                "toml" if file_name == "jfc.toml" => {
                    self.skip(&path, "the jfc project file");
                    continue;
                }
                "jf" => Entry::Jobflow { name: stem, path },
                "toml" => Entry::Toml { name: stem, path },
                _ if is_script(&ext, &path, &meta) => Entry::Script {
                    name: stem,
                    ext,
                    path,
                },
                _ => {
                    self.skip(&path, "not a jobflow (.jf), script or .toml file");
                    continue;
                }
            };
            entries.push(entry);
        }
        let mut taken: HashMap<String, PathBuf> = HashMap::new();
        for entry in entries {
            let name = entry.name().to_string();
            if let Err(e) = check_name(&name) {
                self.skip(entry.path(), format!("{e}; the file is not imported"));
                continue;
            }
            if let Some(first) = taken.get(&name) {
                let text = format!(
                    "{} already maps to the object `{name}`; this one is not imported",
                    first.display()
                );
                self.error(entry.path(), None, text);
                continue;
            }
            taken.insert(name.clone(), entry.path().to_path_buf());
            let meta = metas.remove(&name);
            if let (Entry::Toml { .. }, Some(m)) = (&entry, &meta) {
                self.skip(
                    m,
                    format!("{name}.toml holds the fields of `{name}` itself"),
                );
                self.entry(entry, parent, None)?;
            } else {
                self.entry(entry, parent, meta)?;
            }
        }
        let mut left: Vec<_> = metas.into_iter().collect();
        left.sort();
        for (stem, path) in left {
            self.skip(
                &path,
                format!("there is no {stem}.jf, script or directory {stem}/ next to it"),
            );
        }
        Ok(())
    }

    /// Entries whose type was unknown when they were read: again, while that helps; then
    /// once more to report the types still unknown.
    fn retry_deferred(&mut self) -> Result<()> {
        loop {
            let pending = std::mem::take(&mut self.deferred);
            if pending.is_empty() {
                return Ok(());
            }
            let before = pending.len();
            let last = self.deferred_stalled(before);
            self.deferring = !last;
            for (entry, parent, meta) in pending {
                self.entry(entry, parent, meta)?;
            }
            if last {
                return Ok(());
            }
        }
    }

    /// Set after a round that resolved nothing.
    fn deferred_stalled(&mut self, pending: usize) -> bool {
        let stalled = self.last_deferred == Some(pending);
        self.last_deferred = Some(pending);
        stalled
    }

    /// Phase 1 for one entry.
    fn entry(&mut self, entry: Entry, parent: ObjectId, meta: Option<PathBuf>) -> Result<()> {
        let original = (entry.clone(), meta.clone());
        // The meta file: its hash and its table (a broken one is reported, then ignored).
        let mut failed = false;
        let (meta_hash, meta_table) = match &meta {
            None => (None, None),
            Some(m) => match read_toml(m) {
                Ok((hash, table)) => (Some(hash), Some(table)),
                Err(e) => {
                    self.error(m, None, e);
                    failed = true;
                    (None, None)
                }
            },
        };
        let (type_name, main_hash, mut keys, file, name) = match entry {
            Entry::Dir { name, path } => {
                let type_name = match meta_table.as_ref().and_then(|t| t.get("type")) {
                    None => "Directory".to_string(),
                    Some(toml::Value::String(s)) => s.clone(),
                    Some(_) => {
                        self.error(
                            meta.as_deref().unwrap_or(&path),
                            None,
                            "`type` must be a String",
                        );
                        return Ok(());
                    }
                };
                (type_name, DIR_HASH.to_string(), Vec::new(), path, name)
            }
            Entry::Jobflow { name, path } => {
                let Some((hash, text)) = self.read_text(&path) else {
                    return Ok(());
                };
                let keys = vec![(
                    "source".to_string(),
                    toml::Value::String(text),
                    path.clone(),
                )];
                ("Jobflow".to_string(), hash, keys, path, name)
            }
            Entry::Script { name, ext, path } => {
                let Some((hash, text)) = self.read_text(&path) else {
                    return Ok(());
                };
                let keys = vec![
                    (
                        "source".to_string(),
                        toml::Value::String(text),
                        path.clone(),
                    ),
                    ("ext".to_string(), toml::Value::String(ext), path.clone()),
                ];
                ("ScriptJob".to_string(), hash, keys, path, name)
            }
            Entry::Toml { name, path } => {
                let (hash, mut table) = match read_toml(&path) {
                    Ok(x) => x,
                    Err(e) => {
                        self.error(&path, None, e);
                        return Ok(());
                    }
                };
                let type_name = match table.remove("type") {
                    Some(toml::Value::String(s)) => s,
                    Some(_) => {
                        self.error(&path, None, "`type` must be a String (a type name or path)");
                        return Ok(());
                    }
                    None => {
                        self.error(
                            &path,
                            None,
                            "no `type` key: say what the object is, e.g. type = \"/system/types/NodeInfo\"",
                        );
                        return Ok(());
                    }
                };
                let keys = table_keys(table, &path);
                (type_name, hash, keys, path, name)
            }
        };
        let is_dir = main_hash == DIR_HASH;
        if let (Some(mut table), Some(m)) = (meta_table, &meta) {
            table.remove("type");
            for reserved in ["source", "ext"] {
                if !is_dir && table.remove(reserved).is_some() {
                    self.error(
                        m,
                        None,
                        format!("`{reserved}` comes from {}, not from here", file.display()),
                    );
                    failed = true;
                }
            }
            keys.extend(table_keys(table, m));
        }
        // The type, and the object (created when missing).
        let type_id = match self.store.type_id(&type_name) {
            Ok(t) if self.store.type_name(t)? == "TypeObject" => t,
            Err(_) if self.deferring => {
                self.deferred.push((original.0, parent, original.1));
                return Ok(());
            }
            _ => {
                let at = meta.as_deref().filter(|_| is_dir).unwrap_or(&file);
                self.error(at, None, format!("no type `{type_name}`"));
                return Ok(());
            }
        };
        let parent_path = self.store.abspath(parent)?;
        let path = if parent_path == "/" {
            format!("/{name}")
        } else {
            format!("{parent_path}/{name}")
        };
        let (id, created) = match self.store.child(parent, &name)? {
            Some(id) => {
                let actual = self.store.get(id)?.type_id;
                if actual != type_id {
                    let actual = self.store.abspath(actual)?;
                    let wanted = self.store.abspath(type_id)?;
                    self.error(
                        &file,
                        Some(&path),
                        format!(
                            "the store has a {actual} there, the file is a {wanted}; delete the object first (jfc obj rm {path}) to replace it"
                        ),
                    );
                    // Keep what is under it out of the gone-report too.
                    self.mark_visited_subtree(id)?;
                    return Ok(());
                }
                (id, false)
            }
            None => (
                self.store
                    .create(parent, &name, type_id, &self.opts.owner)?,
                true,
            ),
        };
        self.visited.insert(id);
        self.store.set_import_origin(id, &self.base.real(&file))?;
        let unchanged = !created
            && !self.opts.force
            && !failed
            && self.store.import_hash(id, "main")?.as_deref() == Some(main_hash.as_str())
            && self.store.import_hash(id, "meta")? == meta_hash;
        let sub_dir = is_dir.then(|| file.clone());
        let is_type = self.store.type_name(id)? == "TypeObject";
        if unchanged {
            self.report.unchanged += 1;
            self.report_compile_errors(id, &file, &path)?;
        } else {
            self.items.push(Item {
                id,
                path,
                file,
                created,
                main_hash,
                meta_hash,
                keys,
                failed,
                is_type,
            });
        }
        match sub_dir {
            Some(d) => self.walk(&d, id),
            None => Ok(()),
        }
    }

    /// The text of a source file and its hash; errors are reported (then None).
    fn read_text(&mut self, path: &Path) -> Option<(String, String)> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                self.error(path, None, format!("cannot read: {e}"));
                return None;
            }
        };
        let hash = file_hash(&file_name(path), &bytes);
        match String::from_utf8(bytes) {
            Ok(text) => Some((hash, text)),
            Err(_) => {
                self.error(path, None, "is not UTF-8 text");
                None
            }
        }
    }

    fn mark_visited_subtree(&mut self, id: ObjectId) -> Result<()> {
        self.visited.insert(id);
        for c in self.store.children(id)? {
            self.mark_visited_subtree(c)?;
        }
        Ok(())
    }

    /// Phase 2: write what changed of one object, under the conflict rule.
    fn apply(&mut self, item: Item) -> Result<()> {
        let store = &mut *self.store;
        let baseline = store.import_baseline(item.id)?;
        let object = store.get(item.id)?;
        let is_jobflow = store.type_name(item.id)? == "Jobflow";
        let keys: Vec<(String, toml::Value, PathBuf)> = item
            .keys
            .into_iter()
            .map(|(key, v, file)| {
                let key = match key.as_str() {
                    "display_name" => DISPLAY_NAME.to_string(),
                    "description" => DESCRIPTION.to_string(),
                    _ => key,
                };
                (key, v, file)
            })
            .collect();
        // Keys the files no longer mention but an earlier import wrote: back to the default.
        let mentioned: HashSet<&String> = keys.iter().map(|(k, _, _)| k).collect();
        let mut dropped: Vec<String> = baseline
            .keys()
            .filter(|k| !mentioned.contains(k))
            .cloned()
            .collect();
        dropped.sort();
        let mut failed = item.failed;
        let mut written = false;
        let mut source_to_compile: Option<String> = None;
        let mut desired: Vec<(String, Option<Value>, PathBuf)> = Vec::new();
        for (key, tv, file) in keys {
            match toml_value::toml_to_value(&tv, store) {
                Ok(v) => desired.push((key, Some(v), file)),
                Err(e) => {
                    let text = format!("key `{}`: {e}", public_key(&key));
                    self.report
                        .push(MessageKind::Error, Some(&file), Some(&item.path), text);
                    failed = true;
                }
            }
        }
        for key in dropped {
            desired.push((key, None, item.file.clone()));
        }
        for (key, value, file) in desired {
            let default_text = match key.as_str() {
                DISPLAY_NAME => Some(str_text(&object.name)),
                DESCRIPTION => Some(str_text("")),
                _ => None,
            };
            // The stored form the file asks for.
            let new_text = match (key.as_str(), value) {
                (DISPLAY_NAME | DESCRIPTION, None) => default_text.clone(),
                (DISPLAY_NAME | DESCRIPTION, Some(v)) => match v {
                    Value::Str(_) => Some(str_text(&v.to_text())),
                    other => {
                        let text = format!(
                            "key `{}`: must be a String, not {}",
                            public_key(&key),
                            other.type_name()
                        );
                        self.report
                            .push(MessageKind::Error, Some(&file), Some(&item.path), text);
                        failed = true;
                        continue;
                    }
                },
                (field, v) => {
                    let converted = store.field_def(item.id, field).and_then(|def| {
                        let v = v.unwrap_or(Value::Null);
                        let c = def
                            .spec
                            .convert(field, v, &|p| store.path_value(p))
                            .map_err(StoreError)?;
                        super::jobflow::stored_text(&c)
                    });
                    match converted {
                        Ok(t) => t,
                        Err(e) => {
                            let prefix = format!("field `{field}`: ");
                            let e = e.0.strip_prefix(&prefix).unwrap_or(&e.0);
                            let text = format!("key `{field}`: {e}");
                            self.report.push(
                                MessageKind::Error,
                                Some(&file),
                                Some(&item.path),
                                text,
                            );
                            failed = true;
                            continue;
                        }
                    }
                }
            };
            let cur_text = store.key_text(item.id, &key)?;
            let last = baseline.get(&key).cloned().unwrap_or(default_text);
            if new_text == cur_text {
                store.set_import_baseline(item.id, &key, new_text.as_deref())?;
                continue;
            }
            let store_untouched = cur_text == last;
            let file_unchanged = new_text == last;
            if !self.opts.force && !store_untouched {
                if !file_unchanged {
                    let since = if baseline.contains_key(&key) {
                        "was changed in the store since the last import"
                    } else {
                        "has a value in the store that no import wrote"
                    };
                    let text = format!(
                        "`{}` {since} and the file changes it: not written (make the file hold the store's value, or import with --force to overwrite the store)",
                        public_key(&key)
                    );
                    self.report
                        .push(MessageKind::Conflict, Some(&file), Some(&item.path), text);
                    failed = true;
                }
                continue;
            }
            // Write it.
            match key.as_str() {
                DISPLAY_NAME | DESCRIPTION => {
                    let text = match &new_text {
                        Some(t) => codec::decode(t).map_err(StoreError)?.to_text(),
                        None => String::new(),
                    };
                    store.set_property(item.id, &key[1..], &text)?;
                }
                "source" if is_jobflow => {
                    let text = match &new_text {
                        Some(t) => codec::decode(t).map_err(StoreError)?.to_text(),
                        None => String::new(),
                    };
                    source_to_compile = Some(text);
                }
                field => match &new_text {
                    Some(t) => {
                        let v = codec::decode(t).map_err(StoreError)?;
                        store.write_field(item.id, field, v)?;
                    }
                    None => store.unset_field(item.id, field)?,
                },
            }
            written = true;
            if new_text.is_none() && baseline.contains_key(&key) && default_is_none(&key) {
                store.clear_import_baseline(item.id, &key)?;
            } else {
                store.set_import_baseline(item.id, &key, new_text.as_deref())?;
            }
        }
        if let Some(source) = source_to_compile {
            store.save_jobflow(item.id, &source)?;
        }
        if !failed {
            store.set_import_hash(item.id, "main", Some(&item.main_hash))?;
            store.set_import_hash(item.id, "meta", item.meta_hash.as_deref())?;
        } else {
            // Read the files again next time, so the problem is reported again.
            store.set_import_hash(item.id, "main", Some("-"))?;
        }
        if item.created {
            self.report.created += 1;
        } else if written {
            self.report.updated += 1;
        } else {
            self.report.unchanged += 1;
        }
        if is_jobflow {
            self.report_compile_errors(item.id, &item.file, &item.path)?;
        }
        Ok(())
    }

    /// One error per compile error of a Jobflow that is not executable.
    fn report_compile_errors(&mut self, id: ObjectId, file: &Path, path: &str) -> Result<()> {
        if self.store.type_name(id)? != "Jobflow" {
            return Ok(());
        }
        let errors = self.store.jobflow_errors(id)?;
        if errors.is_empty() {
            return Ok(());
        }
        self.report.errors += 1;
        for (line, msg) in errors {
            self.report.messages.push(Message {
                kind: MessageKind::Error,
                file: Some(file.to_path_buf()),
                object: Some(path.to_string()),
                text: format!("line {line}: {msg} (stored, not executable)"),
            });
        }
        Ok(())
    }

    /// Objects under `root` that came from a file of the directory imported that is gone.
    fn gone(&mut self, root: ObjectId) -> Result<()> {
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            for c in self.store.children(id)? {
                if self.visited.contains(&c) {
                    stack.push(c);
                    continue;
                }
                let path = self.store.abspath(c)?;
                let Some(origin) = self.store.import_origin(c)? else {
                    if self.opts.prune && self.store.was_imported(c)? {
                        self.note_gone(&path, "an older jfc imported or exported it without recording its file, so it may belong to another directory: kept (jfc obj rm deletes it)");
                    }
                    continue;
                };
                if !self.base.is_gone_from_here(&origin) {
                    continue;
                }
                let gone = format!("its file {} is gone", origin.display());
                if !self.opts.prune {
                    self.note_gone(
                        &path,
                        &format!("{gone}; the object is kept (--prune deletes it)"),
                    );
                } else if !self.all_from_here(c)? {
                    self.note_gone(
                        &path,
                        &format!("{gone}, but objects not imported from here are under it: kept"),
                    );
                } else if let Err(e) = self.store.delete(c) {
                    self.note_gone(&path, &format!("{gone}, but it cannot be deleted: {e}"));
                } else {
                    self.report.deleted += 1;
                    let done = if self.opts.dry_run {
                        "would be deleted"
                    } else {
                        "deleted"
                    };
                    self.note_gone(&path, &format!("{gone}: {done}"));
                }
            }
        }
        Ok(())
    }

    /// Report on an object whose file is gone.
    fn note_gone(&mut self, path: &str, text: &str) {
        self.report
            .push(MessageKind::Gone, None, Some(path), text.to_string());
    }

    /// Whether `id` and everything under it came from files under the directory imported.
    fn all_from_here(&self, id: ObjectId) -> Result<bool> {
        let here = |o: Option<PathBuf>| o.is_some_and(|o| o.starts_with(self.base.real_dir()));
        if !here(self.store.import_origin(id)?) {
            return Ok(false);
        }
        for c in self.store.children(id)? {
            if !self.all_from_here(c)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

fn default_is_none(key: &str) -> bool {
    !key.starts_with('@')
}

/// A key as the file spells it.
fn public_key(key: &str) -> &str {
    key.strip_prefix('@').unwrap_or(key)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The keys of a table other than `type`, in order, with their file.
fn table_keys(table: toml::Table, file: &Path) -> Vec<(String, toml::Value, PathBuf)> {
    table
        .into_iter()
        .map(|(k, v)| (k, v, file.to_path_buf()))
        .collect()
}

/// Read and parse a TOML file: its hash and table, or a message.
fn read_toml(path: &Path) -> std::result::Result<(String, toml::Table), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let hash = file_hash(&file_name(path), &bytes);
    let text = String::from_utf8(bytes).map_err(|_| "is not UTF-8 text".to_string())?;
    let table = text
        .parse::<toml::Table>()
        .map_err(|e| format!("not valid TOML: {}", e.to_string().trim_end()))?;
    Ok((hash, table))
}

/// Whether a file is taken as a script: a known extension, a `#!` line, or executable.
fn is_script(ext: &str, path: &Path, meta: &std::fs::Metadata) -> bool {
    if SCRIPT_EXTENSIONS.contains(&ext) {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o111 != 0 {
            return true;
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let mut head = [0u8; 2];
    use std::io::Read;
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"#!"
}
