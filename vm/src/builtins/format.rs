//! `String.format` (language.md §7.9.3, library.md §2.3, Q33): Python
//! `str.format` fields, with values rendered by `string()` unless a format
//! spec (Python's mini-language) is given.

use std::rc::Rc;

use num_bigint::BigInt;
use num_traits::Signed;

use crate::value::{get_attr, get_index, Error, Result, Value};

/// Python `template.format(*pos, **kw)`.
pub fn str_format(template: &str, pos: &[Value], kw: &[(Rc<str>, Value)]) -> Result<String> {
    let chars: Vec<char> = template.chars().collect();
    let mut out = String::with_capacity(template.len());
    let mut auto = AutoIndex::default();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '}' {
            if chars.get(i + 1) == Some(&'}') {
                out.push('}');
                i += 2;
                continue;
            }
            return Err(Error::new("Single '}' encountered in format string"));
        }
        if c != '{' {
            out.push(c);
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'{') {
            out.push('{');
            i += 2;
            continue;
        }
        // Find the matching `}`, allowing one level of nested `{..}` in the spec.
        let mut depth = 1;
        let mut j = i + 1;
        while j < chars.len() {
            match chars[j] {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        if j >= chars.len() {
            return Err(Error::new("Single '{' encountered in format string"));
        }
        let field: String = chars[i + 1..j].iter().collect();
        out.push_str(&format_field(&field, pos, kw, &mut auto)?);
        i = j + 1;
    }
    Ok(out)
}

#[derive(Default)]
struct AutoIndex {
    next: usize,
    manual: bool,
    auto: bool,
}

fn format_field(
    field: &str,
    pos: &[Value],
    kw: &[(Rc<str>, Value)],
    auto: &mut AutoIndex,
) -> Result<String> {
    // field_name [! conversion] [: spec]
    let (head, spec) = match field.find(':') {
        Some(k) => (&field[..k], &field[k + 1..]),
        None => (field, ""),
    };
    let (name, conv) = match head.find('!') {
        Some(k) => (&head[..k], Some(&head[k + 1..])),
        None => (head, None),
    };
    let value = resolve_field(name, pos, kw, auto)?;
    // Nested replacement fields inside the spec (`{0:{1}}`).
    let spec = if spec.contains('{') {
        str_format(spec, pos, kw)?
    } else {
        spec.to_string()
    };
    let value = match conv {
        None => value,
        Some("s") => Value::str(&value.to_text()),
        Some("r") | Some("a") => Value::str(&value.to_nested_text()),
        Some(other) => return Err(Error::new(format!("Unknown conversion specifier {other}"))),
    };
    format_value(&value, &spec)
}

fn resolve_field(
    name: &str,
    pos: &[Value],
    kw: &[(Rc<str>, Value)],
    auto: &mut AutoIndex,
) -> Result<Value> {
    let end = name.find(['.', '[']).unwrap_or(name.len());
    let (first, mut rest) = name.split_at(end);
    let mut value = if first.is_empty() {
        if auto.manual {
            return Err(Error::new(
                "cannot switch from manual field specification to automatic field numbering",
            ));
        }
        auto.auto = true;
        let k = auto.next;
        auto.next += 1;
        pos.get(k).cloned().ok_or_else(|| {
            Error::new(format!(
                "Replacement index {k} out of range for positional args"
            ))
        })?
    } else if first.chars().all(|c| c.is_ascii_digit()) {
        if auto.auto {
            return Err(Error::new(
                "cannot switch from automatic field numbering to manual field specification",
            ));
        }
        auto.manual = true;
        let k: usize = first
            .parse()
            .map_err(|_| Error::new(format!("bad field index {first}")))?;
        pos.get(k).cloned().ok_or_else(|| {
            Error::new(format!(
                "Replacement index {k} out of range for positional args"
            ))
        })?
    } else {
        kw.iter()
            .find(|(k, _)| &**k == first)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| Error::new(format!("format: no argument named '{first}'")))?
    };
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            value = get_attr(&value, &r[..end])?;
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r
                .find(']')
                .ok_or_else(|| Error::new("Missing ']' in format string"))?;
            let key = &r[..end];
            let k = match key.parse::<i64>() {
                Ok(n) if key.chars().all(|c| c.is_ascii_digit()) => Value::Int(n),
                _ => Value::str(key),
            };
            value = get_index(&value, &k)?;
            rest = &r[end + 1..];
        } else {
            return Err(Error::new(
                "Only '.' or '[' may follow ']' in format field specifier",
            ));
        }
    }
    Ok(value)
}

/// A parsed format spec: `[[fill]align][sign][#][0][width][grouping][.precision][type]`.
#[derive(Default, Debug)]
struct Spec {
    fill: char,
    align: Option<char>,
    sign: char,
    alt: bool,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    ty: Option<char>,
}

fn parse_spec(s: &str) -> Result<Spec> {
    let c: Vec<char> = s.chars().collect();
    let mut sp = Spec {
        fill: ' ',
        sign: '-',
        ..Spec::default()
    };
    let mut i = 0;
    let is_align = |ch: char| matches!(ch, '<' | '>' | '^' | '=');
    if c.len() >= 2 && is_align(c[1]) {
        sp.fill = c[0];
        sp.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        sp.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && matches!(c[i], '+' | '-' | ' ') {
        sp.sign = c[i];
        i += 1;
    }
    if i < c.len() && c[i] == '#' {
        sp.alt = true;
        i += 1;
    }
    if i < c.len() && c[i] == '0' {
        if sp.align.is_none() {
            sp.fill = '0';
            sp.align = Some('=');
        }
        i += 1;
    }
    let digits = |i: &mut usize| -> Option<usize> {
        let start = *i;
        while *i < c.len() && c[*i].is_ascii_digit() {
            *i += 1;
        }
        c[start..*i].iter().collect::<String>().parse().ok()
    };
    sp.width = digits(&mut i).unwrap_or(0);
    if sp.width > 1 << 20 {
        return Err(Error::new("format width too large"));
    }
    if i < c.len() && matches!(c[i], ',' | '_') {
        sp.grouping = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '.' {
        i += 1;
        sp.precision =
            Some(digits(&mut i).ok_or_else(|| Error::new("Format specifier missing precision"))?);
        if sp.precision > Some(1 << 16) {
            return Err(Error::new("format precision too large"));
        }
    }
    if i < c.len() {
        sp.ty = Some(c[i]);
        i += 1;
    }
    if i < c.len() {
        return Err(Error::new(format!("Invalid format specifier '{s}'")));
    }
    Ok(sp)
}

/// Format one value with a spec; an empty spec renders with `string()`.
pub fn format_value(v: &Value, spec: &str) -> Result<String> {
    if spec.is_empty() {
        return Ok(v.to_text());
    }
    let sp = parse_spec(spec)?;
    let bad = |t: char| Error::new(format!("Unknown format code '{t}' for {}", v.type_name()));
    let (body, numeric) = match v {
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_)
            if !matches!(sp.ty, Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%')) =>
        {
            if matches!(v, Value::Bool(_)) && sp.ty.is_none() {
                (v.to_text(), false)
            } else {
                let n = v.as_bigint().unwrap_or_default();
                (
                    format_int(&n, &sp).ok_or_else(|| bad(sp.ty.unwrap_or('d')))?,
                    true,
                )
            }
        }
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) | Value::Float(_) => {
            let f = match v {
                Value::Float(f) => *f,
                _ => crate::value::div(v, &Value::Int(1))
                    .ok()
                    .and_then(|x| {
                        if let Value::Float(f) = x {
                            Some(f)
                        } else {
                            None
                        }
                    })
                    .ok_or_else(|| Error::new("integer too large to format as Float"))?,
            };
            (
                format_float(f, &sp).ok_or_else(|| bad(sp.ty.unwrap_or('g')))?,
                true,
            )
        }
        _ => {
            if !matches!(sp.ty, None | Some('s')) {
                return Err(bad(sp.ty.unwrap_or('s')));
            }
            let mut s = v.to_text();
            if let Some(p) = sp.precision {
                s = s.chars().take(p).collect();
            }
            (s, false)
        }
    };
    Ok(pad(&body, &sp, numeric))
}

/// Apply sign to a magnitude text.
fn signed(neg: bool, mag: String, sign: char) -> String {
    let s = if neg {
        "-"
    } else {
        match sign {
            '+' => "+",
            ' ' => " ",
            _ => "",
        }
    };
    format!("{s}{mag}")
}

fn group(int_digits: &str, sep: char, every: usize) -> String {
    let n = int_digits.len();
    let mut out = String::with_capacity(n + n / every);
    for (k, ch) in int_digits.chars().enumerate() {
        if k > 0 && (n - k).is_multiple_of(every) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

fn format_int(n: &BigInt, sp: &Spec) -> Option<String> {
    let neg = n.is_negative();
    let m = n.abs();
    let (digits, prefix, every) = match sp.ty.unwrap_or('d') {
        'd' | 'n' => (m.to_str_radix(10), "", 3),
        'x' => (m.to_str_radix(16), "0x", 4),
        'X' => (m.to_str_radix(16).to_uppercase(), "0X", 4),
        'o' => (m.to_str_radix(8), "0o", 4),
        'b' => (m.to_str_radix(2), "0b", 4),
        'c' => {
            let ch = num_traits::ToPrimitive::to_u32(n).and_then(char::from_u32)?;
            return Some(ch.to_string());
        }
        _ => return None,
    };
    let digits = match sp.grouping {
        Some(sep) => group(&digits, sep, every),
        None => digits,
    };
    let prefix = if sp.alt { prefix } else { "" };
    Some(signed(neg, format!("{prefix}{digits}"), sp.sign))
}

/// Python `'e'` exponent form: at least two exponent digits with a sign.
fn sci(f: f64, prec: usize, upper: bool) -> String {
    let s = format!("{f:.prec$e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let out = format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    if upper {
        out.to_uppercase()
    } else {
        out
    }
}

fn strip_zeros(s: &str) -> String {
    if let Some((m, e)) = s.split_once(['e', 'E']) {
        let sep = if s.contains('E') { 'E' } else { 'e' };
        return format!("{}{sep}{e}", strip_zeros(m));
    }
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

fn format_float(f: f64, sp: &Spec) -> Option<String> {
    let neg = f.is_sign_negative() && !f.is_nan();
    let a = f.abs();
    let upper = matches!(sp.ty, Some('E' | 'F' | 'G'));
    if !a.is_finite() {
        let t = if a.is_nan() { "nan" } else { "inf" };
        let t = if upper {
            t.to_uppercase()
        } else {
            t.to_string()
        };
        let t = if sp.ty == Some('%') {
            format!("{t}%")
        } else {
            t
        };
        return Some(signed(neg, t, sp.sign));
    }
    let mag = match sp.ty {
        Some('f' | 'F') => format!("{a:.*}", sp.precision.unwrap_or(6)),
        Some('%') => format!("{:.*}%", sp.precision.unwrap_or(6), a * 100.0),
        Some('e' | 'E') => sci(a, sp.precision.unwrap_or(6), upper),
        Some('g' | 'G' | 'n') | None => {
            if sp.ty.is_none() && sp.precision.is_none() {
                crate::value::Value::Float(a).to_text()
            } else {
                let p = sp.precision.unwrap_or(6).max(1);
                let e_form = sci(a, p - 1, false);
                let exp: i32 = e_form
                    .split_once('e')
                    .and_then(|(_, e)| e.parse().ok())
                    .unwrap_or(0);
                let s = if (-4..p as i32).contains(&exp) {
                    format!("{a:.*}", (p as i32 - 1 - exp).max(0) as usize)
                } else {
                    e_form
                };
                let s = if sp.alt { s } else { strip_zeros(&s) };
                if upper {
                    s.to_uppercase()
                } else {
                    s
                }
            }
        }
        _ => return None,
    };
    let mag = match sp.grouping {
        Some(sep) if !mag.contains('e') => {
            let (int, frac) = match mag.find(['.', '%']) {
                Some(k) => mag.split_at(k),
                None => (mag.as_str(), ""),
            };
            format!("{}{frac}", group(int, sep, 3))
        }
        _ => mag,
    };
    Some(signed(neg, mag, sp.sign))
}

fn pad(body: &str, sp: &Spec, numeric: bool) -> String {
    let len = body.chars().count();
    if len >= sp.width {
        return body.to_string();
    }
    let n = sp.width - len;
    let fill = |k: usize| std::iter::repeat_n(sp.fill, k).collect::<String>();
    match sp.align.unwrap_or(if numeric { '>' } else { '<' }) {
        '<' => format!("{body}{}", fill(n)),
        '^' => format!("{}{body}{}", fill(n / 2), fill(n - n / 2)),
        '=' => {
            // Padding goes between the sign (and 0x prefix) and the digits.
            let split = body
                .char_indices()
                .find(|(_, c)| !matches!(c, '+' | '-' | ' '))
                .map(|(k, _)| k)
                .unwrap_or(0);
            let (sign, rest) = body.split_at(split);
            let (prefix, digits) = if rest.len() > 1
                && rest.starts_with('0')
                && rest[1..].starts_with(['x', 'X', 'o', 'b'])
            {
                rest.split_at(2)
            } else {
                ("", rest)
            };
            format!("{sign}{prefix}{}{digits}", fill(n))
        }
        _ => format!("{}{body}", fill(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(t: &str, pos: Vec<Value>, kw: Vec<(&str, Value)>) -> String {
        let kw: Vec<(Rc<str>, Value)> = kw.into_iter().map(|(k, v)| (Rc::from(k), v)).collect();
        str_format(t, &pos, &kw).unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn fields() {
        assert_eq!(
            f(
                "{0} of {1} {unit}",
                vec![Value::Int(3), Value::Int(10)],
                vec![("unit", Value::str("GB"))]
            ),
            "3 of 10 GB"
        );
        assert_eq!(
            f(
                "{user}@{0}:{1}",
                vec![Value::str("web1"), Value::Int(22)],
                vec![("user", Value::str("root"))]
            ),
            "root@web1:22"
        );
        assert_eq!(
            f("{} {}", vec![Value::Int(1), Value::str("a")], vec![]),
            "1 a"
        );
        assert_eq!(
            f("{{x}} {0!r} {0}", vec![Value::str("s")], vec![]),
            "{x} 's' s"
        );
        assert_eq!(
            f(
                "{0[1]}",
                vec![Value::array(vec![Value::Int(1), Value::Int(2)])],
                vec![]
            ),
            "2"
        );
        assert_eq!(
            f("{0} {}", vec![Value::Int(1)], vec![]),
            "error: cannot switch from manual field specification to automatic field numbering"
        );
        assert_eq!(
            f("{5}", vec![], vec![]),
            "error: Replacement index 5 out of range for positional args"
        );
        assert_eq!(
            f("a}", vec![], vec![]),
            "error: Single '}' encountered in format string"
        );
        assert_eq!(
            f("{x", vec![], vec![]),
            "error: Single '{' encountered in format string"
        );
        assert_eq!(
            f("{0!s:>4}|{0!r}", vec![Value::str("ab")], vec![]),
            "  ab|'ab'"
        );
    }

    #[test]
    fn specs() {
        let t = |v: Value, s: &str| format_value(&v, s).unwrap_or_else(|e| format!("error: {e}"));
        assert_eq!(t(Value::Int(42), ">5"), "   42");
        assert_eq!(t(Value::Int(42), "05"), "00042");
        assert_eq!(t(Value::Int(-42), "05"), "-0042");
        assert_eq!(t(Value::Int(1234567), ","), "1,234,567");
        assert_eq!(t(Value::Int(255), "#x"), "0xff");
        assert_eq!(t(Value::Int(255), "08b"), "11111111");
        assert_eq!(t(Value::Float(1.23556), ".2f"), "1.24");
        assert_eq!(t(Value::Int(3), ".2f"), "3.00");
        assert_eq!(t(Value::Float(1234.5), ",.1f"), "1,234.5");
        assert_eq!(t(Value::Float(0.25), ".1%"), "25.0%");
        assert_eq!(t(Value::Float(12345.678), ".3e"), "1.235e+04");
        assert_eq!(t(Value::Float(0.0001234), "g"), "0.0001234");
        assert_eq!(t(Value::Float(1234567.0), "g"), "1.23457e+06");
        assert_eq!(t(Value::Float(2.5), ""), "2.5");
        assert_eq!(t(Value::Float(-2.5), "+.1f"), "-2.5");
        assert_eq!(t(Value::Float(2.5), "+.1f"), "+2.5");
        assert_eq!(t(Value::str("ab"), "^6"), "  ab  ");
        assert_eq!(t(Value::str("ab"), "*<4"), "ab**");
        assert_eq!(t(Value::str("abc"), ".2"), "ab");
        assert_eq!(
            t(Value::str("abc"), "d"),
            "error: Unknown format code 'd' for String"
        );
        assert_eq!(t(Value::Null, ">6"), "  null");
        assert_eq!(t(Value::Bool(true), ""), "true");
        assert_eq!(t(Value::Int(65), "c"), "A");
        assert!(format_value(&Value::Int(1), "99999999999").is_err());
    }
}
