//! `jfc export`: objects become the directory layout `jfc import` reads (store::import):
//!
//! | object | file |
//! |---|---|
//! | Jobflow | `NAME.jf`, its source |
//! | ScriptJob | `NAME.EXT` (`ext`; `NAME` when empty), its source, mode 0755 |
//! | Directory, and any object with children | `NAME/` |
//! | anything else | `NAME.toml`: `type = "/system/types/X"`, then the properties and fields |
//!
//! The other fields and properties of a Jobflow, ScriptJob or directory go to
//! `NAME.meta.toml` (written only when there is something to say; a stale one is removed).
//! Written are the visible fields that have a stored value (null and unset fields are
//! left out, invisible ones such as compiled code too), `display_name` when it differs
//! from the name and `description` when not empty. Password fields are left out unless
//! `secrets` is set (platform.md "What jfc adds": secrets are redacted from exports); with
//! it their plaintext is written (decrypted, store::secret), and the files holding one get
//! mode 0600.
//!
//! An export is a synchronisation point like an import: the values written are recorded,
//! so a later import of edited files updates the store, and conflicts only with what was
//! changed in the store after the export.

use std::path::{Path, PathBuf};

use jfc_vm::value::Value;

use super::fields::{FieldKind, ScalarType};
use super::import::toml_value::value_to_toml;
use super::import::{file_hash, DESCRIPTION, DIR_HASH, DISPLAY_NAME, META_SUFFIX};
use super::objects::ObjectId;
use super::{codec, Result, Store, StoreError};

#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// Write Password fields too (they are left out by default).
    pub secrets: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExportReport {
    /// Objects exported.
    pub objects: usize,
    /// Files written (changed or new; identical files are left as they are).
    pub files_written: usize,
    /// Notes: Password fields left out, objects written in another form.
    pub messages: Vec<String>,
    /// Stale files removed: a `NAME.meta.toml` of an object with nothing left to put in it.
    pub files_removed: Vec<PathBuf>,
}

/// What `jfc obj cat` shows.
#[derive(Clone, Debug, Default)]
pub struct ShowOptions {
    /// Show Password fields instead of `********`.
    pub secrets: bool,
    /// Show invisible fields too (compiled code, queues, ...).
    pub invisible: bool,
}

/// What a Password shows as.
pub const MASK: &str = "********";

/// A ScriptJob extension that can be a file extension the import reads back as a script.
fn plain_extension(ext: &str) -> bool {
    ext.is_empty()
        || (ext.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !matches!(ext, "jf" | "toml"))
}

impl Store {
    /// Export the object at `from` into `dir` (created if missing): the children of a
    /// directory (or of any object with children), else the object itself.
    pub fn export_dir(
        &mut self,
        from: &str,
        dir: &Path,
        opts: &ExportOptions,
    ) -> Result<ExportReport> {
        let from = super::import::normalise_path(from)?;
        let id = self.resolve(&from)?;
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError(format!("cannot create {}: {e}", dir.display())))?;
        // Objects remember the file they were written to by its absolute path.
        let dir = &dir
            .canonicalize()
            .map_err(|e| StoreError(format!("cannot read {}: {e}", dir.display())))?;
        self.transaction(|s| {
            let mut report = ExportReport::default();
            if s.is_container(id)? {
                for c in s.children(id)? {
                    s.export_object(c, dir, opts, &mut report)?;
                }
            } else {
                s.export_object(id, dir, opts, &mut report)?;
            }
            Ok(report)
        })
    }

    fn is_container(&self, id: ObjectId) -> Result<bool> {
        Ok(self.type_name(id)? == "Directory" || !self.children(id)?.is_empty())
    }

    fn export_object(
        &mut self,
        id: ObjectId,
        dir: &Path,
        opts: &ExportOptions,
        report: &mut ExportReport,
    ) -> Result<()> {
        let o = self.get(id)?;
        let type_name = self.type_name(id)?;
        let type_path = self.abspath(o.type_id)?;
        let path = self.abspath(id)?;
        if path == super::stdlib::LIB_PATH {
            // The standard library comes with jfc, not from the user's files.
            return Ok(());
        }
        report.objects += 1;
        self.conn
            .execute("DELETE FROM import_fields WHERE object = ?1", [id])?;
        let meta_path = dir.join(format!("{}{META_SUFFIX}", o.name));
        if self.is_container(id)? {
            let sub = dir.join(&o.name);
            std::fs::create_dir_all(&sub)
                .map_err(|e| StoreError(format!("cannot create {}: {e}", sub.display())))?;
            let mut table = toml::Table::new();
            if type_name != "Directory" {
                table.insert("type".into(), toml::Value::String(type_path));
            }
            let keys = self.export_keys(id, &[], opts, &mut table, &path, report)?;
            let private = self.holds_secret(id, &keys);
            let meta_hash = write_meta(&meta_path, &table, private, report)?;
            self.record_export(id, &sub, DIR_HASH, meta_hash.as_deref(), &keys)?;
            for c in self.children(id)? {
                self.export_object(c, &sub, opts, report)?;
            }
            return Ok(());
        }
        let ext = match (type_name.as_str(), self.read_field(id, "ext")) {
            ("ScriptJob", Ok(v)) => Some(text_of(&v)),
            _ => None,
        };
        let source_file = match (type_name.as_str(), &ext) {
            ("Jobflow", _) => Some((format!("{}.jf", o.name), &["source"][..])),
            ("ScriptJob", Some(ext)) if plain_extension(ext) => {
                let name = if ext.is_empty() {
                    o.name.clone()
                } else {
                    format!("{}.{ext}", o.name)
                };
                Some((name, &["source", "ext"][..]))
            }
            ("ScriptJob", Some(ext)) => {
                report.messages.push(format!(
                    "{path}: the extension `{ext}` cannot be a file extension: written as {}.toml",
                    o.name
                ));
                None
            }
            _ => None,
        };
        match source_file {
            Some((file_name, from_file)) => {
                let source = text_of(&self.read_field(id, "source")?);
                let file = dir.join(&file_name);
                let hash = file_hash(&file_name, source.as_bytes());
                let kind = if type_name == "ScriptJob" {
                    File::Script
                } else {
                    File::Plain
                };
                write_file(&file, source.as_bytes(), kind, report)?;
                let mut table = toml::Table::new();
                let mut keys = self.export_keys(id, from_file, opts, &mut table, &path, report)?;
                for k in from_file {
                    keys.push(k.to_string());
                }
                let private = self.holds_secret(id, &keys);
                let meta_hash = write_meta(&meta_path, &table, private, report)?;
                self.record_export(id, &file, &hash, meta_hash.as_deref(), &keys)
            }
            None => {
                let mut table = toml::Table::new();
                table.insert("type".into(), toml::Value::String(type_path));
                let keys = self.export_keys(id, &[], opts, &mut table, &path, report)?;
                let text = toml_text(&table)?;
                let file_name = format!("{}.toml", o.name);
                let hash = file_hash(&file_name, text.as_bytes());
                let kind = if self.holds_secret(id, &keys) {
                    File::Private
                } else {
                    File::Plain
                };
                let file = dir.join(&file_name);
                write_file(&file, text.as_bytes(), kind, report)?;
                self.record_export(id, &file, &hash, None, &keys)
            }
        }
    }

    /// Add the properties and fields to write to `table`; the keys written, as the import
    /// state names them.
    fn export_keys(
        &self,
        id: ObjectId,
        except: &[&str],
        opts: &ExportOptions,
        table: &mut toml::Table,
        path: &str,
        report: &mut ExportReport,
    ) -> Result<Vec<String>> {
        let o = self.get(id)?;
        let mut keys = Vec::new();
        if o.display_name != o.name {
            table.insert("display_name".into(), toml::Value::String(o.display_name));
            keys.push(DISPLAY_NAME.to_string());
        }
        if !o.description.is_empty() {
            table.insert("description".into(), toml::Value::String(o.description));
            keys.push(DESCRIPTION.to_string());
        }
        for def in self.type_fields(o.type_id)? {
            if def.spec.is_invisible() || except.contains(&def.name.as_str()) {
                continue;
            }
            let Some(raw) = self.field_raw(id, &def.name)? else {
                continue;
            };
            // Left out without decrypting: an export without --secrets needs no key.
            if def.spec.is_password() && !opts.secrets {
                if raw != "null" {
                    report.messages.push(format!(
                        "{path}: the Password field `{}` is not exported (--secrets writes it)",
                        def.name
                    ));
                }
                continue;
            }
            // With --secrets the plaintext is written, like any field: the file is what the
            // user asked for. Such files are made readable by their owner only (`File`).
            let raw = self.open_field(id, &def.name, &raw)?;
            let value = codec::decode(&raw).map_err(StoreError)?;
            if matches!(value, Value::Null) {
                continue;
            }
            let as_path = def.spec.kind == FieldKind::Scalar(ScalarType::Object);
            table.insert(def.name.clone(), value_to_toml(&value, as_path));
            keys.push(def.name);
        }
        Ok(keys)
    }

    /// Whether one of the exported `keys` of `id` is a Password field.
    fn holds_secret(&self, id: ObjectId, keys: &[String]) -> bool {
        keys.iter().any(|k| self.is_password_field(id, k))
    }

    /// Record an export to `file` as the last synchronisation of object `id`.
    fn record_export(
        &mut self,
        id: ObjectId,
        file: &Path,
        main_hash: &str,
        meta_hash: Option<&str>,
        keys: &[String],
    ) -> Result<()> {
        self.set_import_origin(id, file)?;
        self.set_import_hash(id, "main", Some(main_hash))?;
        self.set_import_hash(id, "meta", meta_hash)?;
        for k in keys {
            let text = self.key_text(id, k)?;
            self.set_import_baseline(id, k, text.as_deref())?;
        }
        Ok(())
    }

    /// The TOML document `jfc obj cat` prints: the common properties, then `[fields]`.
    pub fn object_toml(&self, id: ObjectId, opts: &ShowOptions) -> Result<String> {
        let mut table = toml::Table::new();
        for (k, v) in self.object_properties(id)? {
            table.insert(k.into(), v);
        }
        let mut fields = toml::Table::new();
        for (def, value) in self.shown_fields(id, opts)? {
            if matches!(value, Value::Null) {
                continue;
            }
            let as_path = def.spec.kind == FieldKind::Scalar(ScalarType::Object);
            fields.insert(def.name, value_to_toml(&value, as_path));
        }
        table.insert("fields".into(), toml::Value::Table(fields));
        toml_text(&table)
    }

    /// The JSON document `jfc obj cat --format json` prints (nulls included).
    pub fn object_json(&self, id: ObjectId, opts: &ShowOptions) -> Result<serde_json::Value> {
        let mut out = serde_json::Map::new();
        for (k, v) in self.object_properties(id)? {
            out.insert(
                k.into(),
                serde_json::to_value(&v).unwrap_or(serde_json::Value::Null),
            );
        }
        let mut fields = serde_json::Map::new();
        for (def, value) in self.shown_fields(id, opts)? {
            fields.insert(def.name, value_to_json(&value));
        }
        out.insert("fields".into(), serde_json::Value::Object(fields));
        Ok(serde_json::Value::Object(out))
    }

    fn object_properties(&self, id: ObjectId) -> Result<Vec<(&'static str, toml::Value)>> {
        let o = self.get(id)?;
        let s = |t: &str| toml::Value::String(t.to_string());
        Ok(vec![
            ("id", toml::Value::Integer(o.id)),
            ("abspath", s(&self.abspath(id)?)),
            ("name", s(&o.name)),
            ("type", s(&self.abspath(o.type_id)?)),
            ("owner", s(&o.owner)),
            ("display_name", s(&o.display_name)),
            ("description", s(&o.description)),
            ("created", s(&o.created)),
            ("updated", s(&o.updated)),
        ])
    }

    fn shown_fields(
        &self,
        id: ObjectId,
        opts: &ShowOptions,
    ) -> Result<Vec<(super::typed::FieldDef, Value)>> {
        let mut out = Vec::new();
        for (def, value) in self.read_fields(id)? {
            if def.spec.is_invisible() && !opts.invisible {
                continue;
            }
            let value = if def.spec.is_password() && !opts.secrets {
                mask(&value)
            } else {
                value
            };
            out.push((def, value));
        }
        Ok(out)
    }
}

/// A Password value with its secrets replaced by [`MASK`] (null stays null).
fn mask(v: &Value) -> Value {
    match v {
        Value::Null => Value::Null,
        Value::Array(a) => Value::array(a.borrow().iter().map(mask).collect()),
        Value::Dict(d) => Value::dict(
            d.borrow()
                .iter()
                .map(|(k, v)| (k.clone(), mask(v)))
                .collect(),
        ),
        _ => Value::str(MASK),
    }
}

/// A value as JSON for people and scripts: Datetimes as RFC 3339 text, Objects as paths,
/// Binary and other kinds in the store's tagged form.
pub fn value_to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(J::Number)
            .unwrap_or_else(|| J::String(v.to_text())),
        Value::Str(s) => J::String(s.to_string()),
        Value::Array(a) => J::Array(a.borrow().iter().map(value_to_json).collect()),
        Value::Dict(d) => J::Object(
            d.borrow()
                .iter()
                .map(|(k, v)| (k.value().to_text(), value_to_json(v)))
                .collect(),
        ),
        Value::Datetime(dt) => J::String(dt.to_rfc3339()),
        Value::Date(_) | Value::Time(_) | Value::Timedelta(_) | Value::Pattern(_) => {
            J::String(v.to_text())
        }
        Value::Object(o) => J::String(o.path.to_string()),
        _ => codec::encode(v)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_else(|| J::String(v.to_text())),
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        v => v.to_text(),
    }
}

fn toml_text(table: &toml::Table) -> Result<String> {
    toml::to_string(table).map_err(|e| StoreError(format!("cannot write TOML: {e}")))
}

/// Write (or remove, when empty) a meta file; its hash when written. `private`: it holds
/// a Password value.
fn write_meta(
    path: &Path,
    table: &toml::Table,
    private: bool,
    report: &mut ExportReport,
) -> Result<Option<String>> {
    if table.is_empty() {
        if path.is_file() {
            std::fs::remove_file(path)
                .map_err(|e| StoreError(format!("cannot remove {}: {e}", path.display())))?;
            report.files_removed.push(path.to_path_buf());
        }
        return Ok(None);
    }
    let text = toml_text(table)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let kind = if private { File::Private } else { File::Plain };
    write_file(path, text.as_bytes(), kind, report)?;
    Ok(Some(file_hash(&name, text.as_bytes())))
}

/// What an exported file is, for its mode.
#[derive(Clone, Copy, PartialEq)]
enum File {
    /// The umask's mode.
    Plain,
    /// A script: mode 0755.
    Script,
    /// It holds Password values (`--secrets`): mode 0600, set before anything is written.
    Private,
}

/// Write a file unless it already holds `content`, with the mode its kind asks for.
fn write_file(path: &Path, content: &[u8], kind: File, report: &mut ExportReport) -> Result<()> {
    let err = |e: std::io::Error| StoreError(format!("cannot write {}: {e}", path.display()));
    #[cfg(unix)]
    let set_mode = |mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    };
    #[cfg(unix)]
    if kind == File::Private {
        // An existing file is closed to others before the secret goes in; a new one is
        // created closed.
        match set_mode(0o600) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                use std::os::unix::fs::OpenOptionsExt;
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
                    .map_err(err)?;
            }
            Err(e) => return Err(err(e)),
        }
    }
    if std::fs::read(path).ok().as_deref() != Some(content) {
        std::fs::write(path, content).map_err(err)?;
        report.files_written += 1;
    }
    #[cfg(unix)]
    if kind == File::Script {
        set_mode(0o755).map_err(err)?;
    }
    #[cfg(not(unix))]
    let _ = kind;
    Ok(())
}
