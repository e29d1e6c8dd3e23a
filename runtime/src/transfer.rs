//! `put` and `get` (library.md §1.11): files copied between two sides, this machine and
//! a host over SFTP (ssh::sftp), or this machine twice when no host is chosen. The
//! source may hold shell wildcards (`*`, `?`, `[...]`) in its last part and may name a
//! directory, copied whole; the destination is a directory when it ends with `/`,
//! exists as one, or receives several sources, else the file's own path. The job's
//! result is the list of files written.

use std::io::{self, Read, Write};

use jfc_vm::host::Completion;

/// One end of a copy.
pub trait Side {
    /// The paths `pattern` names: those its wildcards match, or itself when it exists.
    fn expand(&self, pattern: &str) -> io::Result<Vec<String>>;
    fn is_dir(&self, path: &str) -> bool;
    /// The names in directory `path`.
    fn list(&self, path: &str) -> io::Result<Vec<String>>;
    fn reader(&self, path: &str) -> io::Result<Box<dyn Read + '_>>;
    fn writer(&self, path: &str) -> io::Result<Box<dyn Write + '_>>;
    /// Make directory `path` unless it is there.
    fn mkdir(&self, path: &str) -> io::Result<()>;
}

/// Whether the last part of `path` has shell wildcards.
pub fn has_wildcards(path: &str) -> bool {
    basename(path).contains(['*', '?', '['])
}

pub fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

pub fn join(dir: &str, name: &str) -> String {
    format!("{}/{name}", dir.trim_end_matches('/'))
}

/// Copy what `from` names on `src` to `to` on `dst`: the files written, or why not.
pub fn copy(src: &dyn Side, from: &str, dst: &dyn Side, to: &str) -> Result<Vec<String>, String> {
    let sources = src.expand(from).map_err(|e| format!("{from}: {e}"))?;
    if sources.is_empty() {
        return Err(format!("{from}: no such file"));
    }
    let into_dir = to.ends_with('/') || dst.is_dir(to) || sources.len() > 1;
    if into_dir {
        dst.mkdir(to.trim_end_matches('/'))
            .map_err(|e| format!("{to}: {e}"))?;
    }
    let mut written = Vec::new();
    for source in &sources {
        let dest = if into_dir {
            join(to, basename(source))
        } else {
            to.to_string()
        };
        copy_one(src, source, dst, &dest, &mut written)?;
    }
    Ok(written)
}

fn copy_one(
    src: &dyn Side,
    from: &str,
    dst: &dyn Side,
    to: &str,
    written: &mut Vec<String>,
) -> Result<(), String> {
    if src.is_dir(from) {
        dst.mkdir(to).map_err(|e| format!("{to}: {e}"))?;
        for name in src.list(from).map_err(|e| format!("{from}: {e}"))? {
            copy_one(src, &join(from, &name), dst, &join(to, &name), written)?;
        }
        return Ok(());
    }
    let mut reader = src.reader(from).map_err(|e| format!("{from}: {e}"))?;
    let mut writer = dst.writer(to).map_err(|e| format!("{to}: {e}"))?;
    io::copy(&mut reader, &mut writer)
        .and_then(|_| writer.flush())
        .map_err(|e| format!("{from} -> {to}: {e}"))?;
    written.push(to.to_string());
    Ok(())
}

/// The job's completion: the files written, or a job failure saying why (status 1).
pub fn completion(copied: Result<Vec<String>, String>) -> Completion {
    match copied {
        Ok(paths) => Completion::Transferred(paths),
        Err(e) => Completion::Command {
            stdout: Vec::new(),
            stderr: e.into_bytes(),
            status: 1,
        },
    }
}

/// This machine's files.
pub struct Local;

impl Side for Local {
    fn expand(&self, pattern: &str) -> io::Result<Vec<String>> {
        if !has_wildcards(pattern) {
            let there = std::path::Path::new(pattern).exists();
            return Ok(if there {
                vec![pattern.to_string()]
            } else {
                Vec::new()
            });
        }
        let paths = glob::glob(pattern).map_err(io::Error::other)?;
        let mut out = Vec::new();
        for p in paths {
            out.push(p.map_err(io::Error::other)?.display().to_string());
        }
        Ok(out)
    }

    fn is_dir(&self, path: &str) -> bool {
        std::path::Path::new(path).is_dir()
    }

    fn list(&self, path: &str) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(path)? {
            names.push(entry?.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }

    fn reader(&self, path: &str) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(std::fs::File::open(path)?))
    }

    fn writer(&self, path: &str) -> io::Result<Box<dyn Write + '_>> {
        Ok(Box::new(std::fs::File::create(path)?))
    }

    fn mkdir(&self, path: &str) -> io::Result<()> {
        std::fs::create_dir_all(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_directories_and_the_files_written() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let d = tmp.path().display().to_string();
        std::fs::create_dir_all(format!("{d}/src/conf")).expect("dirs");
        for f in ["a.rpm", "b.rpm", "notes.txt", "conf/x.ini"] {
            std::fs::write(format!("{d}/src/{f}"), f).expect("file");
        }
        let rpms = copy(
            &Local,
            &format!("{d}/src/*.rpm"),
            &Local,
            &format!("{d}/out"),
        )
        .expect("copied");
        assert_eq!(rpms, [format!("{d}/out/a.rpm"), format!("{d}/out/b.rpm")]);
        let tree = copy(
            &Local,
            &format!("{d}/src/conf"),
            &Local,
            &format!("{d}/out/"),
        )
        .expect("copied");
        assert_eq!(tree, [format!("{d}/out/conf/x.ini")]);
        let one = copy(
            &Local,
            &format!("{d}/src/notes.txt"),
            &Local,
            &format!("{d}/renamed.txt"),
        )
        .expect("copied");
        assert_eq!(one, [format!("{d}/renamed.txt")]);
        assert_eq!(std::fs::read_to_string(&one[0]).expect("read"), "notes.txt");
        let none = copy(
            &Local,
            &format!("{d}/src/*.deb"),
            &Local,
            &format!("{d}/out"),
        );
        assert_eq!(none, Err(format!("{d}/src/*.deb: no such file")));
    }
}
