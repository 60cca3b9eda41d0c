//! Calendar rules: which local date an occasion falls on in a given year, and the UTC instant
//! of its send time on that date in the person's zone.
//!
//! - Local dates and times come from the IANA database, never from fixed offsets.
//! - A send time inside a DST gap moves to the first instant after the gap; a send time that
//!   happens twice (overlap) uses the earlier instant. A date a zone skipped entirely (Samoa,
//!   2011-12-30) therefore sends at the first instant of the next existing day.
//! - Feb 29 in a non-leap year follows [`Feb29Policy`].
//! - An occasion recurs only in years after its own (a wedding day is not its own anniversary).

use std::fmt;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Tz;

use crate::{occasion::OccasionKind, timezone::Timezone, ParseError};

/// What to do with a Feb 29 occasion in a year that has no Feb 29.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Feb29Policy {
    #[default]
    Feb28,
    Mar1,
    Skip,
}

impl Feb29Policy {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        match input {
            "feb28" => Ok(Self::Feb28),
            "mar1" => Ok(Self::Mar1),
            "skip" => Ok(Self::Skip),
            _ => Err(ParseError::new("must be one of: feb28, mar1, skip")),
        }
    }
}

/// How the local date was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateRule {
    AsIs,
    Feb29ToFeb28,
    Feb29ToMar1,
    /// Policy `skip`: the occurrence exists (dated Feb 28) but is never sent.
    Feb29Skipped,
}

/// How the send instant was chosen on that date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeRule {
    AsIs,
    /// The send time did not exist that day; sent at the first instant after the gap.
    DstGap,
    /// The send time happened twice; sent at the earlier one.
    DstOverlapEarlier,
}

/// The rule an occurrence was planned under, shown by the schedule preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendRule {
    pub date: DateRule,
    pub time: TimeRule,
}

impl SendRule {
    pub fn label(&self) -> String {
        let date = match self.date {
            DateRule::AsIs => None,
            DateRule::Feb29ToFeb28 => Some("feb29_on_feb28"),
            DateRule::Feb29ToMar1 => Some("feb29_on_mar1"),
            DateRule::Feb29Skipped => Some("feb29_skipped"),
        };
        let time = match self.time {
            TimeRule::AsIs => None,
            TimeRule::DstGap => Some("dst_gap_after"),
            TimeRule::DstOverlapEarlier => Some("dst_overlap_earlier"),
        };
        match (date, time) {
            (None, None) => "exact".to_owned(),
            (Some(d), None) => d.to_owned(),
            (None, Some(t)) => t.to_owned(),
            (Some(d), Some(t)) => format!("{d}+{t}"),
        }
    }
}

impl fmt::Display for SendRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// One planned message: the unit the scheduler materialises and the worker sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOccurrence {
    pub kind: OccasionKind,
    pub local_date: NaiveDate,
    pub send_at: DateTime<Utc>,
    pub rule: SendRule,
}

impl PlannedOccurrence {
    /// Feb 29 `skip` occurrences are recorded but never sent.
    pub fn skipped_by_policy(&self) -> bool {
        self.rule.date == DateRule::Feb29Skipped
    }
}

/// The local date an occasion anchored on `anchor` falls on in `year`.
pub fn local_date_in_year(
    anchor: NaiveDate,
    year: i32,
    policy: Feb29Policy,
) -> (NaiveDate, DateRule) {
    if let Some(date) = NaiveDate::from_ymd_opt(year, anchor.month(), anchor.day()) {
        return (date, DateRule::AsIs);
    }
    // Only Feb 29 is missing from some years.
    let feb28 = NaiveDate::from_ymd_opt(year, 2, 28).expect("every year has Feb 28");
    match policy {
        Feb29Policy::Feb28 => (feb28, DateRule::Feb29ToFeb28),
        Feb29Policy::Mar1 => (feb28 + Duration::days(1), DateRule::Feb29ToMar1),
        Feb29Policy::Skip => (feb28, DateRule::Feb29Skipped),
    }
}

/// The UTC instant of `time` on local `date` in `tz`, with the DST rules applied.
pub fn send_instant(date: NaiveDate, time: NaiveTime, tz: Tz) -> (DateTime<Utc>, TimeRule) {
    let local = date.and_time(time);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => (at.with_timezone(&Utc), TimeRule::AsIs),
        LocalResult::Ambiguous(earlier, later) => {
            let first = if earlier <= later { earlier } else { later };
            (first.with_timezone(&Utc), TimeRule::DstOverlapEarlier)
        }
        LocalResult::None => (first_instant_after_gap(local, tz), TimeRule::DstGap),
    }
}

/// The first instant whose local time is past the gap that swallowed `local`. Gaps in the
/// database are minute-aligned for modern dates, so a minute scan finds the end quickly; a
/// second scan refines it for older, second-precision offsets.
fn first_instant_after_gap(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    let valid = |at: NaiveDateTime| tz.from_local_datetime(&at).earliest();
    let mut minute = local;
    // A whole skipped day is the longest gap in the database (24 h plus the shift).
    for _ in 0..(2 * 24 * 60) {
        minute += Duration::minutes(1);
        if valid(minute).is_some() {
            let mut second = minute;
            while second - Duration::seconds(1) > local
                && valid(second - Duration::seconds(1)).is_some()
            {
                second -= Duration::seconds(1);
            }
            return valid(second).expect("checked above").with_timezone(&Utc);
        }
    }
    unreachable!("no gap in the tz database is longer than two days")
}

/// Every occurrence of `kind` anchored on `anchor` whose send instant lies in `(after, until]`,
/// in send order.
pub fn plan_occurrences(
    kind: OccasionKind,
    anchor: NaiveDate,
    zone: Timezone,
    policy: Feb29Policy,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<PlannedOccurrence> {
    if until <= after {
        return Vec::new();
    }
    let tz = zone.tz();
    // Local years that can hold an instant of the window, with a year of slack either side
    // for zones far from UTC.
    let first_year = (after.with_timezone(&tz).year() - 1).max(anchor.year() + 1);
    let last_year = until.with_timezone(&tz).year() + 1;
    (first_year..=last_year)
        .map(|year| plan_year(kind, anchor, tz, policy, year))
        .filter(|occurrence| occurrence.send_at > after && occurrence.send_at <= until)
        .collect()
}

/// The first occurrence of `kind` whose send instant is after `after`, however far ahead.
pub fn next_occurrence(
    kind: OccasionKind,
    anchor: NaiveDate,
    zone: Timezone,
    policy: Feb29Policy,
    after: DateTime<Utc>,
) -> PlannedOccurrence {
    let tz = zone.tz();
    let start = (after.with_timezone(&tz).year() - 1).max(anchor.year() + 1);
    (start..)
        .map(|year| plan_year(kind, anchor, tz, policy, year))
        .find(|occurrence| occurrence.send_at > after)
        .expect("an occasion recurs every year")
}

fn plan_year(
    kind: OccasionKind,
    anchor: NaiveDate,
    tz: Tz,
    policy: Feb29Policy,
    year: i32,
) -> PlannedOccurrence {
    let (local_date, date_rule) = local_date_in_year(anchor, year, policy);
    let (send_at, time_rule) = send_instant(local_date, kind.send_time(), tz);
    PlannedOccurrence {
        kind,
        local_date,
        send_at,
        rule: SendRule {
            date: date_rule,
            time: time_rule,
        },
    }
}

#[cfg(test)]
mod tests;
