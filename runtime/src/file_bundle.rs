//! Files held in memory: one side of a `put`/`get` that goes through an agent. `put`
//! copies what its source names into a bundle here, the bundle travels in the job,
//! and the agent copies it on to the host; `get` goes the other way. Copying through
//! the same [`copy`](crate::transfer::copy) on both legs keeps the destination rules
//! of a direct transfer (a directory, or the file's own path).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{self, Read, Write};

use crate::transfer::{basename, has_wildcards, join, Side};

/// The most a bundle carries: a job is one broker message, and RabbitMQ refuses
/// messages over 128 MiB (base64 adds a third).
pub const LIMIT: usize = 64 * 1024 * 1024;

/// Paths under `/`, each a directory (None) or a file's bytes.
#[derive(Default)]
pub struct Bundle {
    entries: RefCell<BTreeMap<String, Option<Vec<u8>>>>,
    size: RefCell<usize>,
}

impl Bundle {
    pub fn new() -> Bundle {
        Bundle::default()
    }

    /// The entries, directories before what they hold.
    pub fn entries(&self) -> Vec<(String, Option<Vec<u8>>)> {
        self.entries
            .borrow()
            .iter()
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect()
    }

    /// A bundle of `entries`, refused when a path is not under `/` or climbs out of it.
    pub fn from_entries(entries: Vec<(String, Option<Vec<u8>>)>) -> Result<Bundle, String> {
        let bundle = Bundle::new();
        for (path, bytes) in entries {
            if !path.starts_with('/') || path.split('/').any(|p| p == "..") {
                return Err(format!("`{path}` is not a path a bundle can hold"));
            }
            match bytes {
                None => bundle.mkdir(&path),
                Some(b) => bundle.store(&path, b),
            }
            .map_err(|e| format!("{path}: {e}"))?;
        }
        Ok(bundle)
    }

    /// What to copy out of the bundle to write what was put into it at `/`: its one
    /// top entry, or all of them (then the destination is a directory, as it was for
    /// the copy that filled it).
    pub fn source(&self) -> String {
        let entries = self.entries.borrow();
        let mut tops = entries.keys().filter(|p| p.rfind('/') == Some(0));
        match (tops.next(), tops.next()) {
            (Some(one), None) => one.clone(),
            _ => "/*".into(),
        }
    }

    fn store(&self, path: &str, bytes: Vec<u8>) -> io::Result<()> {
        let mut size = self.size.borrow_mut();
        *size += bytes.len();
        if *size > LIMIT {
            return Err(too_big());
        }
        self.entries.borrow_mut().insert(path.into(), Some(bytes));
        Ok(())
    }
}

fn too_big() -> io::Error {
    io::Error::other(format!(
        "put and get through an agent carry at most {} MiB",
        LIMIT >> 20
    ))
}

fn parent(path: &str) -> &str {
    match path.trim_end_matches('/').rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

impl Side for Bundle {
    fn expand(&self, pattern: &str) -> io::Result<Vec<String>> {
        let entries = self.entries.borrow();
        if entries.contains_key(pattern) || !has_wildcards(pattern) {
            return Ok(entries
                .get_key_value(pattern)
                .map(|(p, _)| p.clone())
                .into_iter()
                .collect());
        }
        let name = glob::Pattern::new(basename(pattern)).map_err(io::Error::other)?;
        let dir = parent(pattern);
        Ok(entries
            .keys()
            .filter(|p| parent(p) == dir && name.matches(basename(p)))
            .cloned()
            .collect())
    }

    fn is_dir(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        path.is_empty() || matches!(self.entries.borrow().get(path), Some(None))
    }

    fn list(&self, path: &str) -> io::Result<Vec<String>> {
        let dir = path.trim_end_matches('/');
        let dir = if dir.is_empty() { "/" } else { dir };
        Ok(self
            .entries
            .borrow()
            .keys()
            .filter(|p| p.as_str() != "/" && parent(p) == dir)
            .map(|p| basename(p).to_string())
            .collect())
    }

    fn reader(&self, path: &str) -> io::Result<Box<dyn Read + '_>> {
        match self.entries.borrow().get(path) {
            Some(Some(bytes)) => Ok(Box::new(io::Cursor::new(bytes.clone()))),
            Some(None) => Err(io::Error::other("is a directory")),
            None => Err(io::ErrorKind::NotFound.into()),
        }
    }

    fn writer(&self, path: &str) -> io::Result<Box<dyn Write + '_>> {
        Ok(Box::new(Writer {
            bundle: self,
            path: path.to_string(),
            bytes: Vec::new(),
        }))
    }

    fn mkdir(&self, path: &str) -> io::Result<()> {
        let mut at = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            at = join(&at, part);
            let mut entries = self.entries.borrow_mut();
            match entries.get(&at) {
                Some(Some(_)) => return Err(io::Error::other(format!("{at} is a file"))),
                Some(None) => {}
                None => {
                    entries.insert(at.clone(), None);
                }
            }
        }
        Ok(())
    }
}

/// A file being written into a bundle: kept when flushed.
struct Writer<'a> {
    bundle: &'a Bundle,
    path: String,
    bytes: Vec<u8>,
}

impl Write for Writer<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + buf.len() > LIMIT {
            return Err(too_big());
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.bundle
            .store(&self.path, std::mem::take(&mut self.bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::{copy, Local};

    fn tree() -> (tempfile::TempDir, String) {
        let tmp = tempfile::tempdir().expect("temp dir");
        let d = tmp.path().display().to_string();
        std::fs::create_dir_all(format!("{d}/src/conf")).expect("dirs");
        for f in ["a.rpm", "b.rpm", "conf/x.ini"] {
            std::fs::write(format!("{d}/src/{f}"), f).expect("file");
        }
        (tmp, d)
    }

    /// Through a bundle, as a put through an agent copies: here → bundle → there.
    fn through(from: &str, to: &str) -> Result<Vec<String>, String> {
        let bundle = Bundle::new();
        copy(&Local, from, &bundle, "/")?;
        let carried = Bundle::from_entries(bundle.entries())?;
        copy(&carried, &carried.source(), &Local, to)
    }

    #[test]
    fn a_copy_through_a_bundle_writes_what_a_direct_copy_writes() {
        let (_tmp, d) = tree();
        for side in ["direct", "bundled"] {
            std::fs::create_dir_all(format!("{d}/{side}")).expect("dir");
        }
        let cases = [
            ("src/*.rpm", "rpms"),
            ("src/conf", "out/"),
            ("src/a.rpm", "renamed.rpm"),
            ("src/b.rpm", "out/"),
            ("src/conf", "conf2"),
        ];
        for (from, to) in cases {
            let from = format!("{d}/{from}");
            let direct = copy(&Local, &from, &Local, &format!("{d}/direct/{to}"));
            let bundled = through(&from, &format!("{d}/bundled/{to}"));
            let bundled = bundled.map(|v| {
                v.iter()
                    .map(|p| p.replace("/bundled/", "/direct/"))
                    .collect()
            });
            assert_eq!(bundled, direct, "{from} -> {to}");
        }
        let x = std::fs::read_to_string(format!("{d}/bundled/out/conf/x.ini"));
        assert_eq!(x.ok().as_deref(), Some("conf/x.ini"));
    }

    #[test]
    fn a_missing_source_and_a_path_out_of_the_bundle_are_refused() {
        let (_tmp, d) = tree();
        assert_eq!(
            through(&format!("{d}/src/*.deb"), &d),
            Err(format!("{d}/src/*.deb: no such file"))
        );
        let climbing = Bundle::from_entries(vec![("/../etc/passwd".into(), Some(vec![]))]);
        assert!(climbing.is_err());
        let relative = Bundle::from_entries(vec![("etc".into(), None)]);
        assert!(relative.is_err());
    }

    #[test]
    fn a_bundle_holds_at_most_its_limit() {
        let bundle = Bundle::new();
        let big = vec![0u8; LIMIT / 2 + 1];
        assert!(bundle.store("/a", big.clone()).is_ok());
        let err = bundle.store("/b", big).expect_err("over the limit");
        assert!(err.to_string().contains("at most 64 MiB"), "{err}");
    }
}
