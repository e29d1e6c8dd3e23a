//! When a schedule fires (platform.md §4): seven time fields (year, month, day, ISO week,
//! day of week, hour, minute), each a comma-separated list of items — `*`, `*/a`, `a-b`,
//! `a-b/c`, `x` (weekday names in `day_of_week`), and in `day` also `1st mon`…`5th sun`,
//! `last fri` and `last`. A minute fires when every field matches (`day` and
//! `day_of_week` are ANDed, not ORed as in Unix cron).
//!
//! Empty fields follow APScheduler's rule, which the manual's examples need: fields more
//! significant than the least significant one given mean `*`; those less significant
//! take their minimum, except `week` and `day_of_week`, which stay `*`.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

/// The fields in order of significance, with their bounds.
pub const FIELDS: [(&str, u32, u32); 7] = [
    ("year", 1970, 2999),
    ("month", 1, 12),
    ("day", 1, 31),
    ("week", 1, 53),
    ("day_of_week", 0, 6),
    ("hour", 0, 23),
    ("minute", 0, 59),
];

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// How far ahead a schedule is searched: a schedule that matches no day in this many
/// years (`day=31, month=2`) never fires.
const HORIZON_YEARS: i32 = 30;

/// One item of a field.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    /// Every value from `from` to `to` stepping by `step` (`*`, `*/a`, `a-b`, `a-b/c`, `x`).
    Range { from: u32, to: u32, step: u32 },
    /// The `nth` (1–5) weekday `weekday` (0 = Monday) of the month.
    Nth { nth: u32, weekday: u32 },
    /// The last weekday `weekday` of the month.
    LastWeekday(u32),
    /// The last day of the month.
    LastDay,
}

/// A parsed schedule: for each field, the items any of which matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    fields: [Vec<Item>; 7],
}

impl Schedule {
    /// Parse the seven fields (in [`FIELDS`] order; `None` for a field left empty).
    pub fn parse(given: [Option<&str>; 7]) -> Result<Schedule, String> {
        let last_given = given.iter().rposition(Option::is_some);
        let mut fields: [Vec<Item>; 7] = Default::default();
        for (i, (name, min, max)) in FIELDS.iter().enumerate() {
            let text = match (given[i], last_given) {
                (Some(t), _) => t.trim(),
                // Less significant than the last field given: its minimum, except the
                // week fields, which stay `*`.
                (None, Some(last)) if i > last && !matches!(*name, "week" | "day_of_week") => {
                    fields[i] = vec![Item::Range {
                        from: *min,
                        to: *min,
                        step: 1,
                    }];
                    continue;
                }
                _ => "*",
            };
            fields[i] = text
                .split(',')
                .map(|item| parse_item(name, item.trim(), *min, *max))
                .collect::<Result<_, _>>()?;
        }
        Ok(Schedule { fields })
    }

    /// The first firing time strictly after `after`, in the zone of `after`; None if none
    /// comes within the horizon. A local time that a DST change skips does not fire; one
    /// it repeats fires once, at its first occurrence.
    pub fn next_after<Tz: TimeZone>(
        &self,
        after: &chrono::DateTime<Tz>,
    ) -> Option<chrono::DateTime<Tz>> {
        let zone = after.timezone();
        let local = after.naive_local();
        let mut day = local.date();
        let end = NaiveDate::from_ymd_opt(day.year() + HORIZON_YEARS, 12, 31)?;
        while day <= end {
            if self.day_matches(day) {
                for time in self.times() {
                    let at = NaiveDateTime::new(day, time);
                    if at <= local {
                        continue;
                    }
                    if let Some(fired) = zone.from_local_datetime(&at).earliest() {
                        if fired > *after {
                            return Some(fired);
                        }
                    }
                }
            }
            day = day.succ_opt()?;
        }
        None
    }

    /// Whether the date fields match `day`.
    fn day_matches(&self, day: NaiveDate) -> bool {
        let week = day.iso_week().week();
        let weekday = day.weekday().num_days_from_monday();
        let plain = |i: usize, v: u32| self.fields[i].iter().any(|it| it.matches_value(v));
        plain(0, day.year() as u32)
            && plain(1, day.month())
            && self.fields[2].iter().any(|it| it.matches_day(day))
            && plain(3, week)
            && plain(4, weekday)
    }

    /// The times of day that match, in order.
    fn times(&self) -> Vec<NaiveTime> {
        let values = |i: usize, max: u32| -> Vec<u32> {
            (0..=max)
                .filter(|v| self.fields[i].iter().any(|it| it.matches_value(*v)))
                .collect()
        };
        let minutes = values(6, 59);
        values(5, 23)
            .into_iter()
            .flat_map(|h| {
                minutes
                    .iter()
                    .filter_map(move |m| NaiveTime::from_hms_opt(h, *m, 0))
            })
            .collect()
    }
}

impl Item {
    fn matches_value(&self, v: u32) -> bool {
        match self {
            Item::Range { from, to, step } => {
                v >= *from && v <= *to && (v - from).is_multiple_of(*step)
            }
            _ => false,
        }
    }

    fn matches_day(&self, day: NaiveDate) -> bool {
        let weekday = day.weekday().num_days_from_monday();
        let last = last_day(day);
        match self {
            Item::Range { .. } => self.matches_value(day.day()),
            Item::Nth { nth, weekday: w } => weekday == *w && (day.day() - 1) / 7 + 1 == *nth,
            Item::LastWeekday(w) => weekday == *w && day.day() + 7 > last,
            Item::LastDay => day.day() == last,
        }
    }
}

/// The number of the last day of `day`'s month.
fn last_day(day: NaiveDate) -> u32 {
    let (y, m) = (day.year(), day.month());
    let first_next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    first_next.map_or(31, |d| (d - Duration::days(1)).day())
}

fn parse_item(field: &str, item: &str, min: u32, max: u32) -> Result<Item, String> {
    let bad = |why: &str| Err(format!("{field} `{item}`: {why}"));
    if item.is_empty() {
        return bad("an empty item (no spaces around `,`)");
    }
    if field == "day" {
        if let Some(special) = day_item(item) {
            return special.map_err(|why| format!("{field} `{item}`: {why}"));
        }
    }
    let (range, step) = match item.split_once('/') {
        Some((r, s)) => match s.parse::<u32>() {
            Ok(s) if s > 0 => (r, s),
            _ => return bad("the step after `/` must be a whole number above 0"),
        },
        None => (item, 1),
    };
    let value = |t: &str| {
        value(field, t).ok_or_else(|| {
            format!(
                "{field} `{item}`: `{t}` is not a {field} ({min}–{max}{})",
                names_hint(field)
            )
        })
    };
    let (from, to) = match range {
        "*" => (min, max),
        r => match r.split_once('-') {
            Some((a, b)) => (value(a)?, value(b)?),
            None if step > 1 => return bad("a step goes with `*` or a range: `*/5`, `10-50/5`"),
            None => {
                let v = value(r)?;
                (v, v)
            }
        },
    };
    if from < min || to > max {
        return bad(&format!("out of {min}–{max}"));
    }
    if from > to {
        return bad("the range runs backwards");
    }
    Ok(Item::Range { from, to, step })
}

/// `1st mon`, `last fri`, `last` (the date field's own forms), or None for another item.
fn day_item(item: &str) -> Option<Result<Item, String>> {
    let lower = item.to_ascii_lowercase();
    if lower == "last" {
        return Some(Ok(Item::LastDay));
    }
    let (head, weekday) = lower.split_once(' ')?;
    let weekday = match WEEKDAYS.iter().position(|w| *w == weekday.trim()) {
        Some(w) => w as u32,
        None => {
            return Some(Err(format!(
                "`{}` is not a weekday (mon–sun)",
                weekday.trim()
            )))
        }
    };
    let item = match head {
        "last" => Item::LastWeekday(weekday),
        "1st" => Item::Nth { nth: 1, weekday },
        "2nd" => Item::Nth { nth: 2, weekday },
        "3rd" => Item::Nth { nth: 3, weekday },
        "4th" => Item::Nth { nth: 4, weekday },
        "5th" => Item::Nth { nth: 5, weekday },
        other => return Some(Err(format!("`{other}` is not 1st–5th or last"))),
    };
    Some(Ok(item))
}

/// A number, or a weekday or month name where the field takes one.
fn value(field: &str, text: &str) -> Option<u32> {
    let lower = text.trim().to_ascii_lowercase();
    let named = |names: &[&str], base: u32| {
        names
            .iter()
            .position(|n| *n == lower)
            .map(|i| i as u32 + base)
    };
    match field {
        "day_of_week" => named(&WEEKDAYS, 0),
        "month" => named(&MONTHS, 1),
        _ => None,
    }
    .or_else(|| lower.parse().ok())
}

fn names_hint(field: &str) -> &'static str {
    match field {
        "day_of_week" => ", or mon–sun",
        "month" => ", or jan–dec",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn at(text: &str) -> chrono::DateTime<Utc> {
        text.parse().expect("a time")
    }

    fn next(given: [Option<&str>; 7], after: &str, n: usize) -> Vec<String> {
        let s = Schedule::parse(given).expect("parses");
        let mut t = at(after);
        (0..n)
            .map(|_| {
                t = s.next_after(&t).expect("fires");
                t.format("%Y-%m-%d %a %H:%M").to_string()
            })
            .collect()
    }

    const NONE: [Option<&str>; 7] = [None; 7];

    #[test]
    fn the_manuals_examples() {
        // "Year: *" alone: 0:00 on 1 January every year.
        let mut year = NONE;
        year[0] = Some("*");
        assert_eq!(
            next(year, "2026-12-04T10:00:00Z", 2),
            ["2027-01-01 Fri 00:00", "2028-01-01 Sat 00:00"]
        );
        // Weekdays, every hour on the hour.
        let mut weekdays = NONE;
        weekdays[4] = Some("mon-fri");
        weekdays[5] = Some("*");
        assert_eq!(
            next(weekdays, "2026-12-04T22:30:00Z", 3),
            [
                "2026-12-04 Fri 23:00",
                "2026-12-07 Mon 00:00",
                "2026-12-07 Mon 01:00"
            ]
        );
        // December, the first Monday and the last Friday, at 0:00.
        let mut december = NONE;
        december[1] = Some("12");
        december[2] = Some("1st mon,last fri");
        assert_eq!(
            next(december, "2026-01-01T00:00:00Z", 3),
            [
                "2026-12-07 Mon 00:00",
                "2026-12-25 Fri 00:00",
                "2027-12-06 Mon 00:00"
            ]
        );
        // Nothing given: every minute.
        assert_eq!(
            next(NONE, "2026-12-04T10:00:30Z", 2),
            ["2026-12-04 Fri 10:01", "2026-12-04 Fri 10:02"]
        );
    }

    #[test]
    fn steps_ranges_and_the_last_day() {
        let mut s = NONE;
        s[2] = Some("last");
        s[5] = Some("8-18/5");
        s[6] = Some("*/30");
        assert_eq!(
            next(s, "2027-02-28T17:45:00Z", 3),
            [
                "2027-02-28 Sun 18:00",
                "2027-02-28 Sun 18:30",
                "2027-03-31 Wed 08:00"
            ]
        );
    }

    #[test]
    fn a_day_that_never_comes_never_fires() {
        let mut s = NONE;
        s[1] = Some("feb");
        s[2] = Some("30");
        let parsed = Schedule::parse(s).expect("parses");
        assert_eq!(parsed.next_after(&at("2026-01-01T00:00:00Z")), None);
    }

    #[test]
    fn bad_items_name_the_field_and_the_item() {
        let cases = [
            (5, "24", "hour `24`: out of 0–23"),
            (
                4,
                "fri-mon",
                "day_of_week `fri-mon`: the range runs backwards",
            ),
            (2, "6th mon", "day `6th mon`: `6th` is not 1st–5th or last"),
            (
                2,
                "last fry",
                "day `last fry`: `fry` is not a weekday (mon–sun)",
            ),
            (
                6,
                "*/0",
                "minute `*/0`: the step after `/` must be a whole number above 0",
            ),
            (
                6,
                "5/10",
                "minute `5/10`: a step goes with `*` or a range: `*/5`, `10-50/5`",
            ),
            (
                1,
                "foo",
                "month `foo`: `foo` is not a month (1–12, or jan–dec)",
            ),
            (6, "1,,2", "minute ``: an empty item (no spaces around `,`)"),
        ];
        for (field, text, want) in cases {
            let mut s = NONE;
            s[field] = Some(text);
            assert_eq!(Schedule::parse(s).expect_err(text), want);
        }
    }
}
