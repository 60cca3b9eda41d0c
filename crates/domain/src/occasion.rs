//! The occasion registry: which kinds of occasion exist, when they are sent and what they say.
//!
//! Adding a kind is one new variant and one new entry in [`OccasionKind::definition`]; the
//! scheduler, worker and API iterate [`OccasionKind::ALL`] and never name a kind themselves.

use std::fmt;

use chrono::{NaiveDate, NaiveTime};

use crate::{person::PersonName, ParseError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OccasionKind {
    Birthday,
    Anniversary,
}

/// Everything that distinguishes one kind of occasion from another.
#[derive(Debug)]
pub struct OccasionDefinition {
    /// Stable name used in the API, the database and metric labels.
    pub name: &'static str,
    /// Local wall-clock time the message is sent at.
    pub send_hour: u32,
    pub send_minute: u32,
    /// What comes after `Hey, {first_name} {last_name} ` in the message.
    pub message_tail: &'static str,
}

const BIRTHDAY: OccasionDefinition = OccasionDefinition {
    name: "birthday",
    send_hour: 9,
    send_minute: 0,
    message_tail: "it's your birthday",
};

const ANNIVERSARY: OccasionDefinition = OccasionDefinition {
    name: "anniversary",
    send_hour: 9,
    send_minute: 0,
    message_tail: "it's your anniversary",
};

impl OccasionKind {
    pub const ALL: [OccasionKind; 2] = [Self::Birthday, Self::Anniversary];

    pub fn definition(self) -> &'static OccasionDefinition {
        match self {
            Self::Birthday => &BIRTHDAY,
            Self::Anniversary => &ANNIVERSARY,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.definition().name
    }

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
                ParseError::new(format!("must be one of: {}", names.join(", ")))
            })
    }

    pub fn send_time(self) -> NaiveTime {
        let def = self.definition();
        NaiveTime::from_hms_opt(def.send_hour, def.send_minute, 0)
            .expect("registry holds valid times")
    }

    /// The exact text the e-mail service receives.
    pub fn render(self, first_name: &PersonName, last_name: &PersonName) -> String {
        format!(
            "Hey, {} {} {}",
            first_name.as_str(),
            last_name.as_str(),
            self.definition().message_tail
        )
    }
}

impl fmt::Display for OccasionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The calendar date an occasion recurs on (a birthday, a wedding day): a real `YYYY-MM-DD`
/// date that is not in the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct OccasionDate(NaiveDate);

impl OccasionDate {
    /// `today` is the latest date accepted (the caller's clock, in the widest zone).
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, ParseError> {
        let well_formed = input.len() == 10
            && input.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        if !well_formed {
            return Err(ParseError::new("must be a date in the form YYYY-MM-DD"));
        }
        let date = NaiveDate::parse_from_str(input, "%Y-%m-%d")
            .map_err(|_| ParseError::new(format!("'{input}' is not a real calendar date")))?;
        Self::from_date(date, today)
    }

    pub fn from_date(date: NaiveDate, today: NaiveDate) -> Result<Self, ParseError> {
        if date > today {
            return Err(ParseError::new("must not be in the future"));
        }
        if date < NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid") {
            return Err(ParseError::new("must be on or after 1900-01-01"));
        }
        Ok(Self(date))
    }

    pub fn date(&self) -> NaiveDate {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> PersonName {
        PersonName::parse(s).unwrap()
    }

    #[test]
    fn messages_read_exactly_as_the_contract_says() {
        assert_eq!(
            OccasionKind::Birthday.render(&name("Ada"), &name("Lovelace")),
            "Hey, Ada Lovelace it's your birthday"
        );
        assert_eq!(
            OccasionKind::Anniversary.render(&name("Ada"), &name("Lovelace")),
            "Hey, Ada Lovelace it's your anniversary"
        );
    }

    #[test]
    fn every_registered_kind_parses_from_its_own_name_and_sends_at_nine() {
        for kind in OccasionKind::ALL {
            assert_eq!(OccasionKind::parse(kind.as_str()).unwrap(), kind);
            assert_eq!(kind.send_time(), NaiveTime::from_hms_opt(9, 0, 0).unwrap());
        }
        assert!(OccasionKind::parse("Birthday").is_err());
    }

    #[test]
    fn occasion_dates_must_be_real_past_dates_in_iso_form() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        assert!(OccasionDate::parse("1990-02-28", today).is_ok());
        assert!(OccasionDate::parse("2024-02-29", today).is_ok());
        assert!(OccasionDate::parse("2026-06-01", today).is_ok());
        for bad in [
            "2023-02-29",
            "1990-02-30",
            "2025-13-01",
            "1990-1-01",
            "19900101",
            "2026-06-02",
            "1800-01-01",
            "abcd-ef-gh",
        ] {
            assert!(OccasionDate::parse(bad, today).is_err(), "{bad}");
        }
    }
}
