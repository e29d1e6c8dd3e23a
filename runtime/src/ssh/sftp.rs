//! The host's files for `put` and `get`, over the SFTP channel of a logged-in
//! connection. A relative path is taken from `__dir__` when it is set, else from the
//! login directory (SFTP's own rule).

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use ssh2::Sftp;

use crate::transfer::{basename, has_wildcards, Side};

pub struct Remote<'a> {
    sftp: &'a Sftp,
    dir: Option<&'a str>,
}

impl<'a> Remote<'a> {
    pub fn new(sftp: &'a Sftp, dir: Option<&'a str>) -> Remote<'a> {
        Remote { sftp, dir }
    }

    fn path(&self, path: &str) -> PathBuf {
        match self.dir {
            Some(dir) if !path.starts_with('/') => Path::new(dir).join(path),
            _ => PathBuf::from(path),
        }
    }
}

impl Side for Remote<'_> {
    fn expand(&self, pattern: &str) -> io::Result<Vec<String>> {
        if !has_wildcards(pattern) {
            let there = self.sftp.stat(&self.path(pattern)).is_ok();
            return Ok(if there {
                vec![pattern.to_string()]
            } else {
                Vec::new()
            });
        }
        let name = basename(pattern);
        let parent = pattern[..pattern.len() - name.len()].trim_end_matches('/');
        let parent = if parent.is_empty() && pattern.starts_with('/') {
            "/"
        } else {
            parent
        };
        let wanted = glob::Pattern::new(name).map_err(io::Error::other)?;
        let mut out: Vec<String> = self
            .list(if parent.is_empty() { "." } else { parent })?
            .into_iter()
            .filter(|n| wanted.matches(n))
            .map(|n| {
                if parent.is_empty() {
                    n
                } else {
                    crate::transfer::join(parent, &n)
                }
            })
            .collect();
        out.sort();
        Ok(out)
    }

    fn is_dir(&self, path: &str) -> bool {
        self.sftp.stat(&self.path(path)).is_ok_and(|s| s.is_dir())
    }

    fn list(&self, path: &str) -> io::Result<Vec<String>> {
        let mut names: Vec<String> = self
            .sftp
            .readdir(self.path(path))?
            .into_iter()
            .filter_map(|(p, _)| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .filter(|n| n != "." && n != "..")
            .collect();
        names.sort();
        Ok(names)
    }

    fn reader(&self, path: &str) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(self.sftp.open(self.path(path))?))
    }

    fn writer(&self, path: &str) -> io::Result<Box<dyn Write + '_>> {
        Ok(Box::new(self.sftp.create(&self.path(path))?))
    }

    fn mkdir(&self, path: &str) -> io::Result<()> {
        if self.is_dir(path) {
            return Ok(());
        }
        self.sftp
            .mkdir(&self.path(path), 0o755)
            .map_err(io::Error::from)
    }
}
