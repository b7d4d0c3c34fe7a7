//! Time as data. The core never reads the clock: every function that depends on "now" takes it
//! as a parameter. All times are UTC; a date means 00:00:00Z on that day; a month-only date
//! (the EU CRA lets a support period end be given as month and year) means the end of that
//! month, i.e. 00:00:00Z on the first day of the next month.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

/// How precisely a date was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DatePrecision {
    /// `2027-06`: the end of the month.
    Month,
    /// `2027-06-30`: 00:00:00Z on that day.
    Day,
    /// A full RFC 3339 timestamp.
    Instant,
}

/// A point in time parsed from a date, with the precision it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateValue {
    /// The instant it stands for (UTC).
    pub at: Timestamp,
    /// How it was written, for display.
    pub precision: DatePrecision,
}

impl PartialOrd for DateValue {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for DateValue {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.at.cmp(&other.at)
    }
}

impl DateValue {
    /// Parses `YYYY-MM-DD`, `YYYY-MM` or an RFC 3339 timestamp with offset.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bytes = s.as_bytes();
        if bytes.len() == 7 && bytes[4] == b'-' {
            let year: i16 = s[..4].parse().map_err(|_| bad_date(s))?;
            let month: i8 = s[5..].parse().map_err(|_| bad_date(s))?;
            let first = Date::new(year, month, 1).map_err(|_| bad_date(s))?;
            let next = first
                .checked_add(Span::new().months(1))
                .map_err(|_| bad_date(s))?;
            return Ok(DateValue {
                at: midnight(next)?,
                precision: DatePrecision::Month,
            });
        }
        if bytes.len() == 10 {
            let d: Date = s.parse().map_err(|_| bad_date(s))?;
            return Ok(DateValue {
                at: midnight(d)?,
                precision: DatePrecision::Day,
            });
        }
        let t: Timestamp = s.parse().map_err(|_| bad_date(s))?;
        Ok(DateValue {
            at: t,
            precision: DatePrecision::Instant,
        })
    }

    /// The date as written back: `2027-06`, `2027-06-30` or an RFC 3339 timestamp.
    pub fn display(&self) -> String {
        match self.precision {
            DatePrecision::Instant => format_ts(self.at),
            DatePrecision::Day => TimeZone::UTC.to_datetime(self.at).date().to_string(),
            DatePrecision::Month => {
                // The instant is the first day of the next month; show the month it ends.
                let d = TimeZone::UTC.to_datetime(self.at).date();
                let prev = d.checked_sub(Span::new().days(1)).unwrap_or(d);
                format!("{:04}-{:02}", prev.year(), prev.month())
            }
        }
    }
}

fn bad_date(s: &str) -> String {
    format!(
        "`{s}` is not a date: write YYYY-MM-DD, YYYY-MM or an RFC 3339 timestamp such as 2026-12-01T00:00:00Z"
    )
}

fn midnight(d: Date) -> Result<Timestamp, String> {
    TimeZone::UTC
        .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|e| e.to_string())
}

/// Parses an evaluation time given on the command line (`--at`): a date or an RFC 3339 instant.
pub fn parse_at(s: &str) -> Result<Timestamp, String> {
    DateValue::parse(s).map(|d| d.at)
}

/// RFC 3339 in UTC with a `Z`, seconds precision: the one form reports use.
pub fn format_ts(t: Timestamp) -> String {
    // The civil fields written directly (a verify report formats several times per request);
    // the same text as strftime("%Y-%m-%dT%H:%M:%SZ"), which years outside 0..=9999 still use.
    let d = jiff::tz::Offset::UTC.to_datetime(t);
    if !(0..=9999).contains(&d.year()) {
        return t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    }
    // Kept hand-written: 31 ns against 113 ns for jiff's strftime (`cargo bench --bench label`,
    // `label/step-format-time*`, 2026-11-30), formatted several times per ~41 µs verify whose
    // margin over its goal is ~3 points. Every field is in range, so each digit is 0..=9.
    let mut b = *b"0000-00-00T00:00:00Z";
    let mut put = |at: usize, width: usize, v: i64| {
        let mut v = v;
        for i in (at..at + width).rev() {
            b[i] = b'0' + u8::try_from(v % 10).unwrap_or(0);
            v /= 10;
        }
    };
    put(0, 4, i64::from(d.year()));
    put(5, 2, i64::from(d.month()));
    put(8, 2, i64::from(d.day()));
    put(11, 2, i64::from(d.hour()));
    put(14, 2, i64::from(d.minute()));
    put(17, 2, i64::from(d.second()));
    String::from_utf8_lossy(&b).into_owned()
}

/// Unix seconds as RFC 3339 UTC; out-of-range values are shown as the raw number.
pub fn format_unix(t: i64) -> String {
    Timestamp::from_second(t).map_or_else(|_| format!("{t} (unix seconds)"), format_ts)
}

/// Unix seconds as a UTC calendar date (`2028-12-01`), as labels print dates.
pub fn format_date(t: i64) -> String {
    Timestamp::from_second(t).map_or_else(
        |_| format!("{t} (unix seconds)"),
        |ts| ts.strftime("%Y-%m-%d").to_string(),
    )
}

/// A support-period end as people read it, the same on the report, the label artwork, the
/// verify text and JSON, and the web page. Labels carry the end as a whole day (00:00:00Z), so
/// a month-only end (`2030-06`, meaning 2030-07-01T00:00:00Z) cannot be told from a day given
/// as `2030-07-01`: both are that instant, the end of June. So an end at 00:00:00Z on the
/// first day of a month is shown as the month it closes (`2030-06`), any other day as the day
/// (`2030-06-30`: support ends as that day begins); a time of day is dropped (a label never
/// carries one). Comparisons always use the instant, never this text.
pub fn format_support_end(t: i64) -> String {
    let day = t.div_euclid(86_400) * 86_400;
    let Ok(ts) = Timestamp::from_second(day) else {
        return format!("{t} (unix seconds)");
    };
    let d = TimeZone::UTC.to_datetime(ts).date();
    if d.day() == 1
        && let Ok(prev) = d.checked_sub(Span::new().days(1))
    {
        return format!("{:04}-{:02}", prev.year(), prev.month());
    }
    ts.strftime("%Y-%m-%d").to_string()
}

/// Unix seconds of a timestamp.
pub fn unix(t: Timestamp) -> i64 {
    t.as_second()
}

/// `at` plus a calendar period, in UTC. `None` if the result is out of range.
pub fn add_period(at: Timestamp, years: i64, months: i64, days: i64) -> Option<Timestamp> {
    let span = Span::new()
        .try_years(years)
        .ok()?
        .try_months(months)
        .ok()?
        .try_days(days)
        .ok()?;
    let dt = TimeZone::UTC.to_datetime(at).checked_add(span).ok()?;
    TimeZone::UTC.to_timestamp(dt).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_only_means_end_of_month() {
        let d = DateValue::parse("2027-12").unwrap();
        assert_eq!(format_ts(d.at), "2028-01-01T00:00:00Z");
        assert_eq!(d.display(), "2027-12");
        let feb = DateValue::parse("2028-02").unwrap();
        assert_eq!(format_ts(feb.at), "2028-03-01T00:00:00Z");
    }

    #[test]
    fn day_means_midnight_utc() {
        let d = DateValue::parse("2027-06-30").unwrap();
        assert_eq!(format_ts(d.at), "2027-06-30T00:00:00Z");
        assert_eq!(d.display(), "2027-06-30");
    }

    #[test]
    fn bad_dates_are_errors_not_panics() {
        for s in [
            "",
            "2027-13",
            "2027-02-30",
            "yesterday",
            "2027-1",
            "9999999-01-01",
            "2027-00",
        ] {
            assert!(DateValue::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn adding_years_is_calendar_arithmetic() {
        let at = parse_at("2024-02-29").unwrap();
        let later = add_period(at, 1, 0, 0).unwrap();
        assert_eq!(format_ts(later), "2025-02-28T00:00:00Z");
    }

    #[test]
    fn format_ts_is_strftime_rfc3339() {
        let mut t = Timestamp::MIN.as_second();
        let step = (Timestamp::MAX.as_second() - t) / 50_000;
        while t <= Timestamp::MAX.as_second() {
            let ts = Timestamp::from_second(t).unwrap();
            assert_eq!(
                format_ts(ts),
                ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "{t}"
            );
            t += step + 7;
        }
        for t in [
            0,
            -1,
            59,
            86_399,
            951_782_400,
            4_102_444_799,
            253_402_000_000,
        ] {
            let ts = Timestamp::from_second(t).unwrap();
            assert_eq!(
                format_unix(t),
                ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
            );
        }
        let sub = Timestamp::new(1_700_000_000, 999_999_999).unwrap();
        assert_eq!(format_ts(sub), "2023-11-14T22:13:20Z");
    }
}
