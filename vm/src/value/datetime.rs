//! Date and time helpers with Python `datetime` semantics: text forms,
//! Timedelta normalisation, `strftime` and `strptime`.
//!
//! strftime/strptime are written here rather than taken from chrono because
//! chrono's `%f` means nanoseconds and its formatter panics on bad directives;
//! user format strings must never panic.

use std::fmt::Write as _;

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike,
};

use super::{Error, Result};

/// Python's `timedelta.max.days`.
const MAX_DAYS: i128 = 999_999_999;
const US_PER_DAY: i128 = 86_400_000_000;

/// Total microseconds of a Timedelta.
pub fn td_micros(td: &TimeDelta) -> i128 {
    td.num_seconds() as i128 * 1_000_000 + (td.subsec_nanos() / 1000) as i128
}

/// A Timedelta from microseconds; outside Python's range is an error.
pub fn td_from_micros(us: i128) -> Result<TimeDelta> {
    if us.div_euclid(US_PER_DAY).abs() > MAX_DAYS {
        return Err(Error::new("Timedelta out of range"));
    }
    let secs = us.div_euclid(1_000_000) as i64;
    let sub = us.rem_euclid(1_000_000) as u32;
    TimeDelta::new(secs, sub * 1000).ok_or_else(|| Error::new("Timedelta out of range"))
}

/// Python's normalised (days, seconds, microseconds).
pub fn td_parts(td: &TimeDelta) -> (i64, i64, i64) {
    let us = td_micros(td);
    let days = us.div_euclid(US_PER_DAY);
    let rest = us.rem_euclid(US_PER_DAY);
    (
        days as i64,
        (rest / 1_000_000) as i64,
        (rest % 1_000_000) as i64,
    )
}

/// Python `str(timedelta)`: `[D day[s], ]H:MM:SS[.ffffff]`.
pub fn fmt_timedelta(td: &TimeDelta) -> String {
    let (days, secs, us) = td_parts(td);
    let mut out = String::new();
    if days != 0 {
        let _ = write!(
            out,
            "{days} day{}, ",
            if days.abs() != 1 { "s" } else { "" }
        );
    }
    let _ = write!(
        out,
        "{}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if us != 0 {
        let _ = write!(out, ".{us:06}");
    }
    out
}

pub fn fmt_date(d: &NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

pub fn fmt_time(t: &NaiveTime) -> String {
    let mut out = format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
    let us = t.nanosecond() / 1000 % 1_000_000;
    if us != 0 {
        let _ = write!(out, ".{us:06}");
    }
    out
}

/// `+HH:MM` (with `:SS` when the offset has seconds), as Python prints offsets.
pub fn fmt_offset(off: &FixedOffset, colon: bool) -> String {
    let s = off.local_minus_utc();
    let sign = if s < 0 { '-' } else { '+' };
    let a = s.abs();
    let sep = if colon { ":" } else { "" };
    let mut out = format!("{sign}{:02}{sep}{:02}", a / 3600, a / 60 % 60);
    if a % 60 != 0 {
        let _ = write!(out, "{sep}{:02}", a % 60);
    }
    out
}

/// Python `str(datetime)` of an aware datetime.
pub fn fmt_datetime(dt: &DateTime<FixedOffset>) -> String {
    let local = dt.naive_local();
    format!(
        "{} {}{}",
        fmt_date(&local.date()),
        fmt_time(&local.time()),
        fmt_offset(dt.offset(), true)
    )
}

/// `Datetime.isoformat()` of jfc: the instant in UTC with a `Z` (library §2.9, Q16).
pub fn isoformat_utc(dt: &DateTime<FixedOffset>) -> String {
    let u = dt.naive_utc();
    format!("{}T{}Z", fmt_date(&u.date()), fmt_time(&u.time()))
}

/// Python's datetime range is years 1–9999.
pub fn check_datetime(dt: DateTime<FixedOffset>) -> Result<DateTime<FixedOffset>> {
    let y = dt.naive_local().year();
    if (1..=9999).contains(&y) && (1..=9999).contains(&dt.naive_utc().year()) {
        Ok(dt)
    } else {
        Err(Error::new("date value out of range"))
    }
}

pub fn check_date(d: NaiveDate) -> Result<NaiveDate> {
    if (1..=9999).contains(&d.year()) {
        Ok(d)
    } else {
        Err(Error::new("date value out of range"))
    }
}

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// C/Python `strftime` in the C locale. `offset` is None for naive values
/// (`%z`/`%Z` then give the empty string, as Python does).
pub fn strftime(fmt: &str, dt: &NaiveDateTime, offset: Option<&FixedOffset>) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    let d = dt.date();
    let wd = d.weekday().num_days_from_monday() as usize;
    let mon = d.month0() as usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(dir) = chars.next() else {
            out.push('%');
            break;
        };
        match dir {
            'a' => out.push_str(&WEEKDAYS[wd][..3]),
            'A' => out.push_str(WEEKDAYS[wd]),
            'w' => {
                let _ = write!(out, "{}", d.weekday().num_days_from_sunday());
            }
            'u' => {
                let _ = write!(out, "{}", wd + 1);
            }
            'd' => {
                let _ = write!(out, "{:02}", d.day());
            }
            'e' => {
                let _ = write!(out, "{:2}", d.day());
            }
            'b' | 'h' => out.push_str(&MONTHS[mon][..3]),
            'B' => out.push_str(MONTHS[mon]),
            'm' => {
                let _ = write!(out, "{:02}", d.month());
            }
            'y' => {
                let _ = write!(out, "{:02}", d.year().rem_euclid(100));
            }
            'Y' => {
                let _ = write!(out, "{}", d.year());
            }
            'C' => {
                let _ = write!(out, "{:02}", d.year() / 100);
            }
            'G' => {
                let _ = write!(out, "{}", d.iso_week().year());
            }
            'V' => {
                let _ = write!(out, "{:02}", d.iso_week().week());
            }
            'H' => {
                let _ = write!(out, "{:02}", dt.hour());
            }
            'I' => {
                let _ = write!(out, "{:02}", (dt.hour() + 11) % 12 + 1);
            }
            'p' => out.push_str(if dt.hour() < 12 { "AM" } else { "PM" }),
            'M' => {
                let _ = write!(out, "{:02}", dt.minute());
            }
            'S' => {
                let _ = write!(out, "{:02}", dt.second());
            }
            'f' => {
                let _ = write!(out, "{:06}", dt.nanosecond() / 1000 % 1_000_000);
            }
            'j' => {
                let _ = write!(out, "{:03}", d.ordinal());
            }
            'U' => {
                let w = (d.ordinal() as i64 + 6 - d.weekday().num_days_from_sunday() as i64) / 7;
                let _ = write!(out, "{w:02}");
            }
            'W' => {
                let w = (d.ordinal() as i64 + 6 - wd as i64) / 7;
                let _ = write!(out, "{w:02}");
            }
            'z' => {
                if let Some(o) = offset {
                    out.push_str(&fmt_offset(o, false));
                }
            }
            'Z' => {
                if let Some(o) = offset {
                    if o.local_minus_utc() == 0 {
                        out.push_str("UTC");
                    } else {
                        out.push_str("UTC");
                        out.push_str(&fmt_offset(o, true));
                    }
                }
            }
            'c' => out.push_str(&strftime("%a %b %e %H:%M:%S %Y", dt, offset)),
            'x' => out.push_str(&strftime("%m/%d/%y", dt, offset)),
            'X' | 'T' => out.push_str(&strftime("%H:%M:%S", dt, offset)),
            'D' => out.push_str(&strftime("%m/%d/%y", dt, offset)),
            'F' => out.push_str(&strftime("%Y-%m-%d", dt, offset)),
            'R' => out.push_str(&strftime("%H:%M", dt, offset)),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            '%' => out.push('%'),
            other => {
                // glibc leaves unknown directives as they are.
                out.push('%');
                out.push(other);
            }
        }
    }
    out
}

/// Fields read by `strptime`; unset ones take Python's defaults (1900-01-01 00:00).
#[derive(Default, Debug)]
pub struct Parsed {
    pub year: Option<i32>,
    pub month: Option<u32>,
    pub day: Option<u32>,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micro: u32,
    pub pm: Option<bool>,
    pub yday: Option<u32>,
    pub offset: Option<FixedOffset>,
}

impl Parsed {
    pub fn date(&self) -> Result<NaiveDate> {
        let year = self.year.unwrap_or(1900);
        if let (Some(yd), None, None) = (self.yday, self.month, self.day) {
            return NaiveDate::from_yo_opt(year, yd)
                .ok_or_else(|| Error::new("day of year out of range"));
        }
        NaiveDate::from_ymd_opt(year, self.month.unwrap_or(1), self.day.unwrap_or(1))
            .ok_or_else(|| Error::new("day is out of range for month"))
    }

    pub fn time(&self) -> Result<NaiveTime> {
        let mut hour = self.hour;
        if let Some(pm) = self.pm {
            hour = hour % 12 + if pm { 12 } else { 0 };
        }
        NaiveTime::from_hms_micro_opt(hour, self.minute, self.second, self.micro)
            .ok_or_else(|| Error::new("time value out of range"))
    }
}

fn mismatch(s: &str, fmt: &str) -> Error {
    Error::new(format!("time data '{s}' does not match format '{fmt}'"))
}

/// Python `strptime`: the whole string must be consumed.
pub fn strptime(s: &str, fmt: &str) -> Result<Parsed> {
    let src: Vec<char> = s.chars().collect();
    let mut pos = 0usize;
    let mut p = Parsed::default();
    let mut f = fmt.chars().peekable();
    let err = || mismatch(s, fmt);
    while let Some(c) = f.next() {
        if c.is_whitespace() {
            // Whitespace in the format matches any run (also none) of whitespace.
            while pos < src.len() && src[pos].is_whitespace() {
                pos += 1;
            }
            continue;
        }
        if c != '%' {
            if pos < src.len() && src[pos] == c {
                pos += 1;
                continue;
            }
            return Err(err());
        }
        let dir = f
            .next()
            .ok_or_else(|| Error::new(format!("stray % in format '{fmt}'")))?;
        let mut num = |max: usize| -> Result<(u32, usize)> {
            let start = pos;
            while pos < src.len() && pos - start < max && src[pos].is_ascii_digit() {
                pos += 1;
            }
            if pos == start {
                return Err(err());
            }
            let v = src[start..pos]
                .iter()
                .collect::<String>()
                .parse::<u32>()
                .map_err(|_| err())?;
            Ok((v, pos - start))
        };
        match dir {
            'Y' => p.year = Some(num(4)?.0 as i32),
            'y' => {
                let y = num(2)?.0 as i32;
                p.year = Some(if y < 69 { 2000 + y } else { 1900 + y });
            }
            'm' => p.month = Some(num(2)?.0),
            'd' => p.day = Some(num(2)?.0),
            'H' => p.hour = num(2)?.0,
            'I' => p.hour = num(2)?.0,
            'M' => p.minute = num(2)?.0,
            'S' => p.second = num(2)?.0,
            'j' => p.yday = Some(num(3)?.0),
            'f' => {
                let (v, width) = num(6)?;
                p.micro = v * 10u32.pow(6 - width as u32);
            }
            'p' => {
                let rest: String = src[pos..]
                    .iter()
                    .take(2)
                    .collect::<String>()
                    .to_ascii_lowercase();
                match rest.as_str() {
                    "am" => p.pm = Some(false),
                    "pm" => p.pm = Some(true),
                    _ => return Err(err()),
                }
                pos += 2;
            }
            'b' | 'B' | 'h' => {
                let i = match_name(&src, &mut pos, &MONTHS).ok_or_else(err)?;
                p.month = Some(i as u32 + 1);
            }
            'a' | 'A' => {
                match_name(&src, &mut pos, &WEEKDAYS).ok_or_else(err)?;
            }
            'z' => {
                let rest: String = src[pos..].iter().collect();
                let (off, used) = parse_offset(&rest).ok_or_else(err)?;
                p.offset = Some(off);
                pos += used;
            }
            'Z' => {
                while pos < src.len() && src[pos].is_ascii_alphabetic() {
                    pos += 1;
                }
            }
            '%' => {
                if pos < src.len() && src[pos] == '%' {
                    pos += 1;
                } else {
                    return Err(err());
                }
            }
            other => {
                return Err(Error::new(format!(
                    "'{other}' is a bad directive in format '%{other}'"
                )));
            }
        }
    }
    if pos != src.len() {
        let rest: String = src[pos..].iter().collect();
        return Err(Error::new(format!("unconverted data remains: {rest}")));
    }
    Ok(p)
}

/// Match a full or three-letter English name, case-insensitively.
fn match_name(src: &[char], pos: &mut usize, names: &[&str]) -> Option<usize> {
    let rest: String = src[*pos..].iter().collect::<String>().to_ascii_lowercase();
    for (i, n) in names.iter().enumerate() {
        let full = n.to_ascii_lowercase();
        if rest.starts_with(&full) {
            *pos += full.chars().count();
            return Some(i);
        }
    }
    for (i, n) in names.iter().enumerate() {
        let abbr = n[..3].to_ascii_lowercase();
        if rest.starts_with(&abbr) {
            *pos += 3;
            return Some(i);
        }
    }
    None
}

/// `Z`, `+HHMM`, `+HH:MM`, `+HH`; returns the offset and the characters used.
pub fn parse_offset(s: &str) -> Option<(FixedOffset, usize)> {
    let b = s.as_bytes();
    if b.first() == Some(&b'Z') || b.first() == Some(&b'z') {
        return Some((FixedOffset::east_opt(0)?, 1));
    }
    let sign = match b.first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return None,
    };
    let digits = |at: usize| -> Option<i32> {
        let d = b.get(at..at + 2)?;
        if d.iter().all(u8::is_ascii_digit) {
            Some(((d[0] - b'0') * 10 + (d[1] - b'0')) as i32)
        } else {
            None
        }
    };
    let h = digits(1)?;
    let mut used = 3;
    let mut m = 0;
    if b.get(3) == Some(&b':') {
        m = digits(4)?;
        used = 6;
    } else if let Some(mm) = digits(3) {
        m = mm;
        used = 5;
    }
    if h > 23 || m > 59 {
        return None;
    }
    Some((FixedOffset::east_opt(sign * (h * 3600 + m * 60))?, used))
}

/// Reads 1–`max` digits at `*i` of `b`.
fn take_num(b: &[u8], i: &mut usize, min: usize, max: usize) -> Option<u32> {
    let start = *i;
    while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
        *i += 1;
    }
    if *i - start < min {
        return None;
    }
    std::str::from_utf8(&b[start..*i]).ok()?.parse().ok()
}

/// `YYYY-M-D`; returns the date and the bytes used.
fn parse_date_prefix(b: &[u8]) -> Option<(NaiveDate, usize)> {
    let mut i = 0;
    let y = take_num(b, &mut i, 4, 4)?;
    if b.get(i) != Some(&b'-') {
        return None;
    }
    i += 1;
    let m = take_num(b, &mut i, 1, 2)?;
    if b.get(i) != Some(&b'-') {
        return None;
    }
    i += 1;
    let d = take_num(b, &mut i, 1, 2)?;
    Some((NaiveDate::from_ymd_opt(y as i32, m, d)?, i))
}

/// `h:mm[:ss[.ffffff]]`; returns the time and the bytes used.
fn parse_time_prefix(b: &[u8]) -> Option<(NaiveTime, usize)> {
    let mut i = 0;
    let h = take_num(b, &mut i, 1, 2)?;
    if b.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    let m = take_num(b, &mut i, 2, 2)?;
    let (mut s, mut us) = (0, 0);
    if b.get(i) == Some(&b':') {
        i += 1;
        s = take_num(b, &mut i, 2, 2)?;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            let v = take_num(b, &mut i, 1, 6)?;
            us = v * 10u32.pow(6 - (i - start) as u32);
            // Python's fromisoformat would reject more; extra digits are ignored here.
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    Some((NaiveTime::from_hms_micro_opt(h, m, s, us)?, i))
}

/// `YYYY-MM-DD` (single-digit month/day accepted).
pub fn parse_date(s: &str) -> Result<NaiveDate> {
    let t = s.trim();
    match parse_date_prefix(t.as_bytes()) {
        Some((d, n)) if n == t.len() => Ok(d),
        _ => Err(Error::new(format!(
            "invalid date '{s}' (expected YYYY-MM-DD)"
        ))),
    }
}

/// `hh:mm[:ss[.ffffff]]`.
pub fn parse_time(s: &str) -> Result<NaiveTime> {
    let t = s.trim();
    match parse_time_prefix(t.as_bytes()) {
        Some((v, n)) if n == t.len() => Ok(v),
        _ => Err(Error::new(format!(
            "invalid time '{s}' (expected hh:mm[:ss[.ffffff]])"
        ))),
    }
}

/// `YYYY-MM-DD[T ]hh:mm(:ss(.ffffff)?)?(Z|±hh(:)?mm)?`; the offset is returned separately.
pub fn parse_iso_datetime(s: &str) -> Result<(NaiveDateTime, Option<FixedOffset>)> {
    let err = || {
        Error::new(format!(
            "invalid datetime '{s}' (expected YYYY-MM-DD hh:mm[:ss][±hh:mm])"
        ))
    };
    let t = s.trim();
    let b = t.as_bytes();
    let (date, mut i) = parse_date_prefix(b).ok_or_else(err)?;
    if i == b.len() {
        return Ok((date.and_time(NaiveTime::MIN), None));
    }
    if b[i] != b'T' && b[i] != b' ' && b[i] != b't' {
        return Err(err());
    }
    i += 1;
    let (time, n) = parse_time_prefix(&b[i..]).ok_or_else(err)?;
    i += n;
    let mut offset = None;
    if i < b.len() {
        let (o, n) = parse_offset(&t[i..]).ok_or_else(err)?;
        i += n;
        offset = Some(o);
    }
    if i != b.len() {
        return Err(err());
    }
    Ok((date.and_time(time), offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn td(us: i128) -> TimeDelta {
        td_from_micros(us).unwrap()
    }

    #[test]
    fn timedelta_text() {
        assert_eq!(fmt_timedelta(&td(0)), "0:00:00");
        assert_eq!(fmt_timedelta(&td(250)), "0:00:00.000250");
        assert_eq!(fmt_timedelta(&td(5_400_000_000)), "1:30:00");
        assert_eq!(
            fmt_timedelta(&td(US_PER_DAY + 7_380_000_000)),
            "1 day, 2:03:00"
        );
        assert_eq!(fmt_timedelta(&td(-1_000_000)), "-1 day, 23:59:59");
        assert_eq!(fmt_timedelta(&td(-3 * US_PER_DAY)), "-3 days, 0:00:00");
        assert_eq!(td_parts(&td(-1)), (-1, 86399, 999_999));
        assert!(td_from_micros(1_000_000_000 * US_PER_DAY).is_err());
    }

    #[test]
    fn strftime_directives() {
        let dt = NaiveDate::from_ymd_opt(2024, 2, 29)
            .unwrap()
            .and_hms_micro_opt(7, 5, 9, 12)
            .unwrap();
        let off = FixedOffset::east_opt(9 * 3600).unwrap();
        assert_eq!(
            strftime("%d/%m/%Y %H.%M:%S", &dt, None),
            "29/02/2024 07.05:09"
        );
        assert_eq!(
            strftime("%a %A %b %B %y %j %p %I %f", &dt, None),
            "Thu Thursday Feb February 24 060 AM 07 000012"
        );
        assert_eq!(
            strftime("%z %Z %% %q", &dt, Some(&off)),
            "+0900 UTC+09:00 % %q"
        );
        assert_eq!(strftime("%z", &dt, None), "");
        assert_eq!(strftime("100%", &dt, None), "100%");
    }

    #[test]
    fn strptime_forms() {
        let p = strptime("03/15/2023", "%m/%d/%Y").unwrap();
        assert_eq!(
            p.date().unwrap(),
            NaiveDate::from_ymd_opt(2023, 3, 15).unwrap()
        );
        let p = strptime("2330", "%H%M").unwrap();
        assert_eq!(
            p.time().unwrap(),
            NaiveTime::from_hms_opt(23, 30, 0).unwrap()
        );
        assert_eq!(
            p.date().unwrap(),
            NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()
        );
        let p = strptime("05 PM, Mar 3 +0100", "%I %p, %b %d %z").unwrap();
        assert_eq!(p.time().unwrap().hour(), 17);
        assert_eq!(p.offset.unwrap().local_minus_utc(), 3600);
        assert!(strptime("2024-01-01x", "%Y-%m-%d").is_err());
        assert!(strptime("abc", "%Y").is_err());
        assert!(strptime("2024", "%Q").is_err());
    }

    #[test]
    fn iso_parsing() {
        let (dt, off) = parse_iso_datetime("2024-02-28T22:30:00+09:00").unwrap();
        assert_eq!(dt.to_string(), "2024-02-28 22:30:00");
        assert_eq!(off.unwrap().local_minus_utc(), 9 * 3600);
        let (dt, off) = parse_iso_datetime("2015-1-1 10:30:05").unwrap();
        assert_eq!(dt.to_string(), "2015-01-01 10:30:05");
        assert!(off.is_none());
        let (_, off) = parse_iso_datetime("2024-03-01T08:00:00Z").unwrap();
        assert_eq!(off.unwrap().local_minus_utc(), 0);
        let (dt, _) = parse_iso_datetime("2024-01-01 09:00").unwrap();
        assert_eq!(dt.to_string(), "2024-01-01 09:00:00");
        assert!(parse_iso_datetime("2024-13-01").is_err());
        assert!(parse_iso_datetime("yesterday").is_err());
        assert_eq!(
            fmt_time(&parse_time("07:05:09.5").unwrap()),
            "07:05:09.500000"
        );
        assert!(parse_date("2024-02-30").is_err());
    }
}
