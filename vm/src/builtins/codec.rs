//! Text codecs by Python codec name, strict error handling (library.md §1.4).
//!
//! UTF-8, ASCII, Latin-1 and UTF-16 are done here (WHATWG maps the labels
//! `ascii`/`latin1` to windows-1252 and cannot encode UTF-16); everything else
//! (shift_jis, cp932, euc-jp, iso-2022-jp, ...) goes through encoding_rs.

use crate::value::limits::{self, MAX_BYTES};
use crate::value::{Error, Result};

enum Codec {
    Utf8,
    Ascii,
    Latin1,
    Utf16 { le: bool, bom: bool },
    Other(&'static encoding_rs::Encoding),
}

fn lookup(name: &str) -> Result<Codec> {
    let n = name.trim().to_ascii_lowercase().replace('_', "-");
    Ok(match n.as_str() {
        "utf-8" | "utf8" | "u8" | "utf" | "cp65001" => Codec::Utf8,
        "ascii" | "us-ascii" | "646" => Codec::Ascii,
        "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" | "8859" | "cp819" | "latin" => {
            Codec::Latin1
        }
        "utf-16" | "utf16" | "u16" => Codec::Utf16 {
            le: true,
            bom: true,
        },
        "utf-16-le" | "utf-16le" => Codec::Utf16 {
            le: true,
            bom: false,
        },
        "utf-16-be" | "utf-16be" => Codec::Utf16 {
            le: false,
            bom: false,
        },
        other => {
            let label = match other {
                "cp932" | "ms932" | "mskanji" | "ms-kanji" | "sjis" | "shiftjis" | "s-jis" => {
                    "shift_jis"
                }
                "eucjp" | "ujis" | "u-jis" => "euc-jp",
                "iso2022-jp" | "iso2022jp" | "csiso2022jp" => "iso-2022-jp",
                o => o,
            };
            match encoding_rs::Encoding::for_label(label.as_bytes()) {
                Some(e) if e != encoding_rs::REPLACEMENT => Codec::Other(e),
                _ => return Err(Error::new(format!("unknown encoding: {name}"))),
            }
        }
    })
}

/// Encode `s` with the named codec; an unrepresentable character is an error, and so is
/// a Binary beyond [`MAX_BYTES`] (UTF-16 doubles ASCII text: that is checked before
/// anything is built).
pub fn encode(s: &str, encoding: &str) -> Result<Vec<u8>> {
    let too_large = || limits::bytes_too_large("the encoded Binary");
    if let Codec::Utf16 { bom, .. } = lookup(encoding)? {
        // Only a String of half the limit or more can reach it: count its units then
        // (ASCII text has one per byte).
        if s.len() >= MAX_BYTES / 2 {
            let units = if s.is_ascii() {
                s.len()
            } else {
                s.encode_utf16().count()
            };
            if 2 * (units + usize::from(bom)) > MAX_BYTES {
                return Err(too_large());
            }
        }
    }
    let out = encode_unbounded(s, encoding)?;
    if out.len() > MAX_BYTES {
        return Err(too_large());
    }
    Ok(out)
}

fn encode_unbounded(s: &str, encoding: &str) -> Result<Vec<u8>> {
    let bad = |pos: usize, c: char| {
        Error::new(format!(
            "'{encoding}' codec can't encode character '{}' in position {pos}",
            c.escape_unicode()
        ))
    };
    match lookup(encoding)? {
        Codec::Utf8 => Ok(s.as_bytes().to_vec()),
        Codec::Ascii | Codec::Latin1 => {
            let max = if matches!(lookup(encoding)?, Codec::Ascii) {
                0x7f
            } else {
                0xff
            };
            s.chars()
                .enumerate()
                .map(|(i, c)| {
                    if (c as u32) <= max {
                        Ok(c as u8)
                    } else {
                        Err(bad(i, c))
                    }
                })
                .collect()
        }
        Codec::Utf16 { le, bom } => {
            let mut out = Vec::with_capacity(s.len() * 2 + 2);
            let mut put =
                |u: u16| out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
            if bom {
                put(0xfeff);
            }
            for u in s.encode_utf16() {
                put(u);
            }
            Ok(out)
        }
        Codec::Other(enc) => {
            let (bytes, _, had_errors) = enc.encode(s);
            if had_errors {
                // Find the first character the codec cannot represent, for the message.
                for (i, c) in s.chars().enumerate() {
                    let mut buf = [0u8; 4];
                    if enc.encode(c.encode_utf8(&mut buf)).2 {
                        return Err(bad(i, c));
                    }
                }
                return Err(Error::new(format!(
                    "'{encoding}' codec can't encode the string"
                )));
            }
            Ok(bytes.into_owned())
        }
    }
}

/// Decode `b` with the named codec; invalid input is an error.
pub fn decode(b: &[u8], encoding: &str) -> Result<String> {
    let bad = || {
        Error::new(format!(
            "'{encoding}' codec can't decode the data (invalid byte sequence)"
        ))
    };
    match lookup(encoding)? {
        Codec::Utf8 => String::from_utf8(b.to_vec()).map_err(|e| {
            Error::new(format!(
                "'{encoding}' codec can't decode byte 0x{:02x} in position {}",
                b.get(e.utf8_error().valid_up_to()).copied().unwrap_or(0),
                e.utf8_error().valid_up_to()
            ))
        }),
        Codec::Ascii => match b.iter().position(|c| *c > 0x7f) {
            Some(p) => Err(Error::new(format!(
                "'{encoding}' codec can't decode byte 0x{:02x} in position {p}",
                b[p]
            ))),
            None => Ok(b.iter().map(|&c| c as char).collect()),
        },
        Codec::Latin1 => Ok(b.iter().map(|&c| c as char).collect()),
        Codec::Utf16 { mut le, bom } => {
            let mut data = b;
            if bom {
                if data.starts_with(&[0xff, 0xfe]) {
                    data = &data[2..];
                } else if data.starts_with(&[0xfe, 0xff]) {
                    le = false;
                    data = &data[2..];
                }
            }
            if !data.len().is_multiple_of(2) {
                return Err(bad());
            }
            let units = data.chunks_exact(2).map(|p| {
                if le {
                    u16::from_le_bytes([p[0], p[1]])
                } else {
                    u16::from_be_bytes([p[0], p[1]])
                }
            });
            char::decode_utf16(units)
                .collect::<std::result::Result<String, _>>()
                .map_err(|_| bad())
        }
        Codec::Other(enc) => enc
            .decode_without_bom_handling_and_without_replacement(b)
            .map(|c| c.into_owned())
            .ok_or_else(bad),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(encode("café", "utf-8").unwrap(), b"caf\xc3\xa9");
        assert_eq!(encode("café", "latin-1").unwrap(), b"caf\xe9");
        assert!(encode("café", "ascii").is_err());
        assert_eq!(encode("あ", "shift_jis").unwrap(), b"\x82\xa0");
        assert_eq!(encode("あ", "CP932").unwrap(), b"\x82\xa0");
        assert_eq!(encode("あ", "euc_jp").unwrap(), b"\xa4\xa2");
        assert_eq!(decode(b"\x82\xa0", "sjis").unwrap(), "あ");
        assert_eq!(decode(b"\x1b$B$\"\x1b(B", "iso-2022-jp").unwrap(), "あ");
        assert_eq!(encode("a", "utf-16").unwrap(), b"\xff\xfea\x00");
        assert_eq!(decode(b"\xff\xfea\x00", "utf-16").unwrap(), "a");
        assert_eq!(decode(b"\xe3\x81\x82", "utf-8").unwrap(), "あ");
        assert_eq!(
            decode(b"ab\xff", "utf-8").unwrap_err().message,
            "'utf-8' codec can't decode byte 0xff in position 2"
        );
        assert!(decode(b"\x82", "shift_jis").is_err());
        assert!(encode("é", "shift_jis").is_err());
        assert_eq!(
            encode("x", "klingon").unwrap_err().message,
            "unknown encoding: klingon"
        );
    }
}
