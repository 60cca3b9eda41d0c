//! IANA time zones, parsed from their names with the bundled tz database.

use std::{fmt, str::FromStr};

use chrono_tz::Tz;

use crate::ParseError;

/// A zone from the IANA database (`Europe/Berlin`, `UTC`, `Etc/GMT+5`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timezone(Tz);

impl Timezone {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(ParseError::new(
                "must be an IANA time zone name such as Europe/Berlin",
            ));
        }
        Tz::from_str(name).map(Self).map_err(|_| {
            ParseError::new(format!(
                "'{}' is not a time zone in the IANA database (expected a name such as America/New_York)",
                truncate(name, 64)
            ))
        })
    }

    pub fn tz(&self) -> Tz {
        self.0
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// Every zone the bundled database knows, for exhaustive property tests.
    pub fn all() -> impl Iterator<Item = Timezone> {
        chrono_tz::TZ_VARIANTS.iter().copied().map(Self)
    }
}

impl fmt::Display for Timezone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_and_fixed_offset_zone_names_parse() {
        for name in [
            "UTC",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+5",
            "Pacific/Kiritimati",
            "Asia/Kolkata",
        ] {
            assert_eq!(Timezone::parse(name).unwrap().name(), name);
        }
    }

    #[test]
    fn unknown_or_empty_zone_names_are_refused_with_a_reason() {
        let err = Timezone::parse("Mars/Olympus").unwrap_err();
        assert!(err.0.contains("Mars/Olympus"), "{err}");
        assert!(Timezone::parse("  ").is_err());
        assert!(Timezone::parse("+02:00").is_err());
    }
}
