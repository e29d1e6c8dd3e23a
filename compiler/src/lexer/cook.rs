//! Scanning and cooking of quoted literals (language.md §1.7).
//!
//! logos finds the opening quote; these functions find the end of the literal
//! in the rest of the input and turn its text into a value.

/// How a quoted literal ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Scan {
    /// Closed properly; `len` bytes of the remainder belong to the literal (closing quotes included).
    Closed { body: usize, len: usize },
    /// Not closed: the literal runs `len` bytes (to the end of the line or of the input).
    Unclosed { len: usize },
}

/// Scan a one-line literal body (after the opening quote) up to its closing `quote`.
/// A backslash protects the next character (for strings, binaries and patterns alike).
pub fn scan_single(rest: &str, quote: char) -> Scan {
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\n' => return Scan::Unclosed { len: i },
            '\\' => match chars.next() {
                Some((j, '\n')) => return Scan::Unclosed { len: j },
                Some(_) => {}
                None => break,
            },
            c if c == quote => {
                return Scan::Closed {
                    body: i,
                    len: i + 1,
                }
            }
            _ => {}
        }
    }
    Scan::Unclosed { len: rest.len() }
}

/// Scan a triple-quoted body: it ends at the first run of three or more unescaped
/// quotes; in a run of k quotes the first k - 3 are content.
pub fn scan_triple(rest: &str, quote: char) -> Scan {
    let bytes = rest.as_bytes();
    let q = quote as u8;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == q => {
                let run = bytes[i..].iter().take_while(|&&b| b == q).count();
                if run >= 3 {
                    let body = i + run - 3;
                    return Scan::Closed { body, len: i + run };
                }
                i += run;
            }
            _ => i += 1,
        }
    }
    Scan::Unclosed { len: rest.len() }
}

/// A problem found while cooking a literal, with the byte offset inside the body.
#[derive(Debug, PartialEq, Eq)]
pub struct CookError {
    pub offset: usize,
    pub message: String,
}

/// Decode the escapes of a string body (§1.7.1). Unknown escapes stay verbatim.
pub fn cook_string(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut it = body.char_indices().peekable();
    while let Some((_, c)) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.peek().map(|&(_, c)| c) {
            None => out.push('\\'),
            Some(e) => match simple_escape(e) {
                Some(v) => {
                    it.next();
                    out.push(v);
                }
                None => {
                    let rest = &body[it.peek().map_or(body.len(), |&(i, _)| i)..];
                    if let Some((code, used)) = numeric_escape(rest) {
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        for _ in 0..used {
                            it.next();
                        }
                    } else {
                        out.push('\\');
                    }
                }
            },
        }
    }
    out
}

/// Decode a binary body (§1.7.2): printable ASCII, TAB and escapes only.
pub fn cook_binary(body: &str) -> Result<Vec<u8>, CookError> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    let bytes = body.as_bytes();
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\\' {
            let Some(&e) = bytes.get(i + 1) else {
                return Err(CookError {
                    offset: i,
                    message: "backslash at the end of a binary literal".into(),
                });
            };
            if let Some(v) = simple_escape(e as char) {
                out.push(v as u8);
                i += 2;
            } else if let Some((code, used)) = numeric_escape(&body[i + 1..]) {
                if code > 0xff {
                    return Err(CookError {
                        offset: i,
                        message: "octal escape above \\377 in a binary literal".into(),
                    });
                }
                out.push(code as u8);
                i += 1 + used;
            } else {
                let shown: String = body[i..].chars().take(2).collect();
                return Err(CookError {
                    offset: i,
                    message: format!("unknown escape `{shown}` in a binary literal"),
                });
            }
        } else if c == b'\t' || (0x20..0x7f).contains(&c) {
            out.push(c);
            i += 1;
        } else {
            let ch = body[i..].chars().next().unwrap_or('?');
            return Err(CookError {
                offset: i,
                message: format!("illegal character {ch:?} in binary literal: only printable ASCII and escapes are allowed"),
            });
        }
    }
    Ok(out)
}

fn simple_escape(e: char) -> Option<char> {
    Some(match e {
        '\\' => '\\',
        '\'' => '\'',
        '"' => '"',
        'a' => '\x07',
        'b' => '\x08',
        'f' => '\x0c',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0b',
        _ => return None,
    })
}

/// `\ooo` (1–3 digits 0–7) or `\xhh` (exactly two hex digits), given the text after the backslash.
/// Returns the code and how many characters after the backslash it used.
fn numeric_escape(rest: &str) -> Option<(u32, usize)> {
    let b = rest.as_bytes();
    if b.first() == Some(&b'x') {
        let hex = rest.get(1..3)?;
        if hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return u32::from_str_radix(hex, 16).ok().map(|v| (v, 3));
        }
        return None;
    }
    let n = b
        .iter()
        .take(3)
        .take_while(|c| (b'0'..=b'7').contains(c))
        .count();
    if n == 0 {
        return None;
    }
    u32::from_str_radix(&rest[..n], 8).ok().map(|v| (v, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(cook_string(r"a\nb\tc"), "a\nb\tc");
        assert_eq!(cook_string(r"\101\102"), "AB");
        assert_eq!(cook_string(r"\x44\x4a"), "DJ");
        assert_eq!(cook_string(r"\d\u00e9"), "\\d\\u00e9");
        assert_eq!(cook_string(r"\8\0"), "\\8\0");
        assert_eq!(cook_string(r"\1012"), "A2");
        assert_eq!(cook_string(r"\x4"), "\\x4");
    }

    #[test]
    fn triple_quote_runs() {
        // seven quotes: `'''` opens, then `''''` = one quote of content and the closer
        assert_eq!(scan_triple("''''", '\''), Scan::Closed { body: 1, len: 4 });
        assert_eq!(scan_triple("a''''", '\''), Scan::Closed { body: 2, len: 5 });
        assert_eq!(
            scan_triple("a'' b'''", '\''),
            Scan::Closed { body: 5, len: 8 }
        );
        assert_eq!(
            scan_triple("a\\''''", '\''),
            Scan::Closed { body: 3, len: 6 }
        );
        assert_eq!(scan_triple("abc", '\''), Scan::Unclosed { len: 3 });
    }

    #[test]
    fn single_quote_scan() {
        assert_eq!(
            scan_single("it\\'s' x", '\''),
            Scan::Closed { body: 5, len: 6 }
        );
        assert_eq!(scan_single("ab\ncd'", '\''), Scan::Unclosed { len: 2 });
        assert_eq!(
            scan_single("say \"hi\"'", '\''),
            Scan::Closed { body: 8, len: 9 }
        );
    }

    #[test]
    fn binaries() {
        assert_eq!(cook_binary(r"a\x00\377").unwrap(), vec![b'a', 0, 255]);
        assert!(cook_binary(r"\d").is_err());
        assert!(cook_binary("é").is_err());
    }
}
