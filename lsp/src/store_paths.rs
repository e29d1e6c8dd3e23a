//! The object store seen from the editor, read only: the children of a directory for
//! completion after `/`, and an object's type and fields for hover on its path. The
//! store is the project's (`.jfc/store.sqlite` under the folder with a `jfc.toml`, or
//! `JFC_STORE`), as `jfc` itself finds it from the workspace folder.

use std::path::{Path, PathBuf};

use jfc_store::Store;
use tower_lsp::lsp_types::{CompletionItem, CompletionItemKind};

/// The store of the workspace folder `root`, if there is one.
pub fn store_of(root: Option<&Path>) -> Option<PathBuf> {
    let cwd = root.map_or_else(
        || std::env::current_dir().unwrap_or_default(),
        Path::to_path_buf,
    );
    let path = jfc_store::resolve_path(None, &cwd);
    path.is_file().then_some(path)
}

fn open(store: &Path) -> Option<Store> {
    Store::open_existing(store).ok()
}

/// The children of the directory a path typed so far (`/servers/we`) is in.
pub fn children(store: &Path, typed: &str) -> Vec<CompletionItem> {
    let Some(db) = open(store) else {
        return Vec::new();
    };
    let dir = match typed.rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((dir, _)) => dir,
    };
    let Ok(Some(id)) = db.lookup(dir) else {
        return Vec::new();
    };
    db.children(id)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|child| {
            let object = db.get(child).ok()?;
            let kind = db.type_name(child).ok()?;
            let item_kind = if matches!(kind.as_str(), "Directory" | "Table") {
                CompletionItemKind::FOLDER
            } else {
                CompletionItemKind::REFERENCE
            };
            Some(CompletionItem {
                label: object.name,
                kind: Some(item_kind),
                detail: Some(kind),
                ..CompletionItem::default()
            })
        })
        .collect()
}

/// What the object at `path` is: its type, display name and field names, in Markdown.
pub fn describe(store: &Path, path: &str) -> Option<String> {
    let db = open(store)?;
    let id = db.lookup(path).ok()??;
    let kind = db.type_name(id).ok()?;
    let object = db.get(id).ok()?;
    let fields: Vec<String> = db
        .read_fields(id)
        .ok()?
        .into_iter()
        .map(|(def, _)| def.name)
        .collect();
    let mut text = format!("`{path}`: {kind}");
    if !object.display_name.is_empty() && object.display_name != object.name {
        text += &format!(" — {}", object.display_name);
    }
    if !fields.is_empty() {
        text += &format!("\n\nfields: {}", fields.join(", "));
    }
    Some(text)
}

/// What may follow `.` after the object at `path`: its fields, the properties every
/// object has, and the methods of its type.
pub fn members(store: &Path, path: &str) -> Vec<CompletionItem> {
    let Some(db) = open(store) else {
        return Vec::new();
    };
    let Ok(Some(id)) = db.lookup(path) else {
        return Vec::new();
    };
    let kind = db.type_name(id).unwrap_or_default();
    let item = |label: &str, item_kind, detail: String| CompletionItem {
        label: label.to_string(),
        kind: Some(item_kind),
        detail: Some(detail),
        ..CompletionItem::default()
    };
    let fields = db
        .read_fields(id)
        .unwrap_or_default()
        .into_iter()
        .map(|(def, _)| {
            item(
                &def.name,
                CompletionItemKind::FIELD,
                format!("field of {kind}"),
            )
        });
    let properties = jfc_store::members::PROPERTIES.iter().map(|p| {
        item(
            p,
            CompletionItemKind::PROPERTY,
            "property of every object".into(),
        )
    });
    let methods = jfc_store::members::methods(&kind)
        .map(|m| item(m, CompletionItemKind::METHOD, format!("method of {kind}")));
    fields.chain(properties).chain(methods).collect()
}
