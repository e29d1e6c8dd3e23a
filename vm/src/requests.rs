//! The requests of the local built-in jobs that reach the network or the file system
//! (library.md §1.8 `urlopen`, `mailto`; §1.10 `download`, `upload`), and [`Data`], the
//! plain value their answers carry. Values hold `Rc` and cannot cross threads: all of
//! this is plain data the host's workers can take.

use std::rc::Rc;
use std::time::Duration;

use indexmap::IndexMap;

use crate::value::{Key, Value};

/// A jobflow value as plain data, for an answer made on another thread.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Bytes(Vec<u8>),
    Array(Vec<Data>),
    /// In order; keys are Strings.
    Dict(Vec<(String, Data)>),
}

impl Data {
    /// The Value it stands for.
    pub fn into_value(self) -> Value {
        match self {
            Data::Null => Value::Null,
            Data::Bool(b) => Value::Bool(b),
            Data::Int(i) => Value::Int(i),
            Data::Str(s) => Value::Str(Rc::from(s)),
            Data::Bytes(b) => Value::Bytes(Rc::from(b)),
            Data::Array(items) => Value::array(items.into_iter().map(Data::into_value).collect()),
            Data::Dict(entries) => {
                let map: IndexMap<Key, Value> = entries
                    .into_iter()
                    .map(|(k, v)| (Key::str(&k), v.into_value()))
                    .collect();
                Value::dict(map)
            }
        }
    }

    /// A Dictionary of Strings from pairs.
    pub fn str_dict(pairs: Vec<(String, String)>) -> Data {
        Data::Dict(pairs.into_iter().map(|(k, v)| (k, Data::Str(v))).collect())
    }
}

/// `urlopen(...)`: one HTTP request, its redirects followed.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpRequest {
    pub url: String,
    /// GET, POST, PUT, DELETE or HEAD.
    pub method: String,
    /// `params`: added to the URL's query string.
    pub params: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub cookies: Vec<(String, String)>,
    /// `user` and `password`: HTTP Basic authentication.
    pub auth: Option<(String, String)>,
    pub body: HttpBody,
    /// Connect and read timeout; None waits as long as it takes.
    pub timeout: Option<Duration>,
    /// Check the server's TLS certificate.
    pub verify: bool,
    /// `proxies`: scheme (`http`, `https`) → proxy URL.
    pub proxies: Vec<(String, String)>,
    /// The charset to decode the answer with, whatever it declares.
    pub charset: Option<String>,
    /// Take the answer as binary whatever its Content-Type.
    pub binary: bool,
}

/// What an HTTP request carries.
#[derive(Clone, Debug, PartialEq)]
pub enum HttpBody {
    Empty,
    /// `application/x-www-form-urlencoded` fields.
    Form(Vec<(String, String)>),
    /// A body sent as it is, with this Content-Type unless the headers set one.
    Raw {
        data: Vec<u8>,
        content_type: Option<String>,
    },
    /// `multipart/form-data`: form fields, then files.
    Multipart {
        fields: Vec<(String, String)>,
        files: Vec<FilePart>,
    },
}

/// One file of a multipart upload.
#[derive(Clone, Debug, PartialEq)]
pub struct FilePart {
    /// The form field it is sent as.
    pub field: String,
    /// The file name; for a [`FileContent::Path`], None takes the path's last part.
    pub name: Option<String>,
    pub content: FileContent,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FileContent {
    Data(Vec<u8>),
    /// A file of this machine, read by the host.
    Path(String),
}

/// `mailto(...)`: one message, sent or written out.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct MailRequest {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub reply_to: Option<String>,
    pub from: String,
    pub subject: String,
    pub body: Option<String>,
    pub html: Option<String>,
    /// Attachments: file name and content.
    pub attachments: Vec<(String, Vec<u8>)>,
    pub headers: Vec<(String, String)>,
    pub charset: String,
    /// Attachments inline (`multipart/related`), their Content-IDs put in the bodies.
    pub inline: bool,
    /// How a Content-ID placeholder is written: `{}` stands for `Content-ID#<n>` or
    /// `Content-ID:<file name>`.
    pub placeholder: String,
    /// Do not send: the answer is the message's text.
    pub as_string: bool,
    pub server: SmtpChoice,
    /// A reply: the parents' Message-IDs, and the References they carried.
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
}

/// Which SMTP server `mailto` sends through.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum SmtpChoice {
    /// `smtp_server` not given: the system setting.
    #[default]
    System,
    /// `smtp_server = null`: port 25 of this machine.
    Localhost,
    /// An SmtpServer object of the store, by id.
    Object(i64),
}

/// `download(from_file, to_path)`: attachments written to this machine.
#[derive(Clone, Debug, PartialEq)]
pub struct DownloadRequest {
    /// File name and content.
    pub files: Vec<(String, Vec<u8>)>,
    pub to: String,
    /// From an Array<File> or Dictionary<File>: `to` is a directory.
    pub many: bool,
}

/// `upload(from_path, to_object, to_field, to_subscript)`: a file of this machine
/// stored in a File field.
#[derive(Clone, Debug, PartialEq)]
pub struct UploadRequest {
    pub from: String,
    /// The object's id, and its path for messages.
    pub object: i64,
    pub object_path: String,
    pub field: String,
    pub subscript: Option<Subscript>,
}

/// Where in an Array<File> or Dictionary<File> an upload goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Subscript {
    Index(i64),
    Key(String),
}
