//! Who a message is for: names, e-mail address and an optional free-text location.

use std::fmt;

use crate::ParseError;

const NAME_MAX_CHARS: usize = 100;
const LOCATION_MAX_CHARS: usize = 200;
const EMAIL_MAX_CHARS: usize = 254;

/// A first or last name: trimmed, 1–100 characters, no control characters. Anything else is
/// kept verbatim (apostrophes, emoji, text that looks like SQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let name = input.trim();
        let chars = name.chars().count();
        if chars == 0 {
            return Err(ParseError::new("must not be empty"));
        }
        if chars > NAME_MAX_CHARS {
            return Err(ParseError::new(format!(
                "must be at most {NAME_MAX_CHARS} characters (got {chars})"
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(ParseError::new("must not contain control characters"));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address in the shape providers accept: `local@domain.tld`, trimmed, kept in the
/// case it was given (uniqueness is case-insensitive in the database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let email = input.trim();
        let invalid = || ParseError::new("must be an e-mail address such as ada@example.com");
        if email.chars().count() > EMAIL_MAX_CHARS {
            return Err(ParseError::new(format!(
                "must be at most {EMAIL_MAX_CHARS} characters"
            )));
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(email.to_owned()))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Free text describing where the person lives; informational only (the zone decides times).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location(String);

impl Location {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let location = input.trim();
        let chars = location.chars().count();
        if chars > LOCATION_MAX_CHARS {
            return Err(ParseError::new(format!(
                "must be at most {LOCATION_MAX_CHARS} characters (got {chars})"
            )));
        }
        if location.chars().any(char::is_control) {
            return Err(ParseError::new("must not contain control characters"));
        }
        Ok(Self(location.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_kept_verbatim() {
        assert_eq!(PersonName::parse("  Ada ").unwrap().as_str(), "Ada");
        let sql = "Robert'); DROP TABLE users;--";
        assert_eq!(PersonName::parse(sql).unwrap().as_str(), sql);
        assert_eq!(PersonName::parse("🎉 Zoë").unwrap().as_str(), "🎉 Zoë");
    }

    #[test]
    fn names_must_have_one_to_a_hundred_characters() {
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
        assert!(PersonName::parse(&"é".repeat(101)).is_err());
        assert!(PersonName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn plausible_addresses_parse_and_malformed_ones_do_not() {
        for ok in [
            "ada@example.com",
            "Ada.Lovelace+tag@mail.example.co.uk",
            " x@y.io ",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@@example.com",
            "ada@-x.com",
            "a..b@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
