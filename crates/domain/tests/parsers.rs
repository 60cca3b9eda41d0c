//! Property tests of the parsers that face untrusted input: time zone names, person names and
//! e-mail addresses, and `YYYY-MM-DD` occasion dates (birthday, anniversary).
//!
//! Each property runs `CASES` (2,000) generated cases: any input is parsed or refused without a
//! panic, a valid input round-trips, and the accept/refuse decision matches an oracle written
//! independently of the parser.

use std::{collections::HashSet, sync::OnceLock};

use chrono::{Duration, NaiveDate};
use greetings_domain::{Email, Location, OccasionDate, PersonName, Timezone};
use proptest::prelude::*;

/// Cases per property; quoted in the module doc, keep the two in step.
const CASES: u32 = 2_000;

fn zone_names() -> &'static HashSet<&'static str> {
    static NAMES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| Timezone::all().map(|zone| zone.name()).collect())
}

fn zone_name() -> impl Strategy<Value = &'static str> {
    let names: Vec<&'static str> = Timezone::all().map(|zone| zone.name()).collect();
    proptest::sample::select(names)
}

/// Whitespace `str::trim` removes, ASCII and not.
fn padding() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(' '),
            Just('\t'),
            Just('\n'),
            Just('\u{a0}'),
            Just('\u{2003}')
        ],
        0..3,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// A valid zone name changed by one edit: a character replaced, inserted or removed, or the
/// case flipped. Some edits still name a zone; the oracle decides.
fn edited_zone_name() -> impl Strategy<Value = String> {
    (
        zone_name(),
        any::<prop::sample::Index>(),
        any::<char>(),
        0..4u8,
    )
        .prop_map(|(name, at, c, edit)| {
            let mut chars: Vec<char> = name.chars().collect();
            let i = at.index(chars.len());
            match edit {
                0 => chars[i] = c,
                1 => chars.insert(i, c),
                2 => {
                    chars.remove(i);
                }
                _ => {
                    return name
                        .chars()
                        .map(|c| {
                            if c.is_uppercase() {
                                c.to_ascii_lowercase()
                            } else {
                                c.to_ascii_uppercase()
                            }
                        })
                        .collect()
                }
            }
            chars.into_iter().collect()
        })
}

/// Control characters that are not whitespace (unlike `\t` or U+0085), so trimming cannot
/// remove them.
fn inner_control() -> impl Strategy<Value = char> {
    prop_oneof![
        Just('\u{0}'),
        Just('\u{7}'),
        Just('\u{1b}'),
        Just('\u{7f}'),
        Just('\u{9f}'),
    ]
}

fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    // --- Timezone::parse (2,000 cases each) ---

    #[test]
    fn any_string_is_a_zone_exactly_when_its_trimmed_form_is_a_database_name(input in any::<String>()) {
        let parsed = Timezone::parse(&input);
        prop_assert_eq!(parsed.is_ok(), zone_names().contains(input.trim()));
    }

    #[test]
    fn a_zone_name_with_one_edit_is_a_zone_exactly_when_the_database_knows_it(input in edited_zone_name()) {
        match Timezone::parse(&input) {
            Ok(zone) => prop_assert_eq!(zone.name(), input.trim()),
            Err(err) => {
                prop_assert!(!zone_names().contains(input.trim()));
                // The refusal quotes at most 64 characters of what was sent.
                let template = "'' is not a time zone in the IANA database (expected a name such as America/New_York)";
                prop_assert!(err.0.chars().count() <= template.chars().count() + 64, "{}", err);
            }
        }
    }

    #[test]
    fn every_zone_name_round_trips_through_parse_and_display_even_padded(
        name in zone_name(), before in padding(), after in padding(),
    ) {
        let zone = Timezone::parse(&format!("{before}{name}{after}")).unwrap();
        prop_assert_eq!(zone.name(), name);
        prop_assert_eq!(Timezone::parse(&zone.to_string()).unwrap(), zone);
    }

    // --- PersonName::parse (2,000 cases each) ---

    #[test]
    fn any_string_is_a_name_exactly_when_trimmed_it_has_1_to_100_chars_and_no_controls(input in any::<String>()) {
        let trimmed = input.trim();
        let valid = (1..=100).contains(&trimmed.chars().count())
            && !trimmed.chars().any(char::is_control);
        match PersonName::parse(&input) {
            Ok(name) => {
                prop_assert!(valid);
                prop_assert_eq!(name.as_str(), trimmed);
            }
            Err(_) => prop_assert!(!valid),
        }
    }

    #[test]
    fn a_valid_name_round_trips_verbatim_through_parse_and_display(
        name in "[^\\p{C}\\s][^\\p{C}]{0,98}[^\\p{C}\\s]|[^\\p{C}\\s]", before in padding(), after in padding(),
    ) {
        let parsed = PersonName::parse(&format!("{before}{name}{after}")).unwrap();
        prop_assert_eq!(parsed.as_str(), name.as_str());
        prop_assert_eq!(PersonName::parse(&parsed.to_string()).unwrap(), parsed);
    }

    #[test]
    fn a_name_with_a_control_character_or_over_100_chars_is_refused(
        name in "[^\\p{C}\\s]{1,100}", at in any::<prop::sample::Index>(), control in inner_control(), extra in "[a-z]{1,50}",
    ) {
        let mut chars: Vec<char> = name.chars().collect();
        chars.insert(at.index(chars.len() + 1), control);
        let with_control: String = chars.into_iter().collect();
        prop_assert!(PersonName::parse(&with_control).is_err());
        let too_long = format!("{}{extra}", "n".repeat(100));
        prop_assert!(PersonName::parse(&too_long).is_err());
        let longer = format!("{name}{}", "n".repeat(101 - name.chars().count()));
        prop_assert!(PersonName::parse(&longer).is_err());
    }

    // --- Email::parse and Location::parse, the other person fields (2,000 cases each) ---

    #[test]
    fn any_string_is_parsed_or_refused_as_an_address_and_a_location_without_panicking(input in any::<String>()) {
        if let Ok(email) = Email::parse(&input) {
            prop_assert_eq!(email.as_str(), input.trim());
            prop_assert!(email.as_str().contains('@'));
        }
        if let Ok(location) = Location::parse(&input) {
            prop_assert_eq!(location.as_str(), input.trim());
        }
    }

    #[test]
    fn an_address_shaped_string_is_parsed_or_refused_without_panicking(input in "[a-zA-Z0-9.@+_-]{0,30}") {
        if let Ok(email) = Email::parse(&input) {
            prop_assert_eq!(email.as_str(), input.as_str());
            prop_assert_eq!(input.matches('@').count(), 1);
        }
    }

    #[test]
    fn a_plausible_address_round_trips(
        local in "[a-z0-9](?:[a-z0-9+_-]{0,20}[a-z0-9])?",
        labels in proptest::collection::vec("[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?", 2..4),
        before in padding(), after in padding(),
    ) {
        let address = format!("{local}@{}", labels.join("."));
        let email = Email::parse(&format!("{before}{address}{after}")).unwrap();
        prop_assert_eq!(email.as_str(), address.as_str());
        prop_assert_eq!(Email::parse(&email.to_string()).unwrap(), email);
    }

    // --- OccasionDate::parse, `YYYY-MM-DD` (2,000 cases each) ---

    #[test]
    fn any_string_is_parsed_or_refused_as_a_date_without_panicking(input in any::<String>()) {
        if let Ok(date) = OccasionDate::parse(&input, today()) {
            prop_assert_eq!(date.date().format("%Y-%m-%d").to_string(), input);
        }
    }

    #[test]
    fn a_date_shaped_string_is_accepted_exactly_when_it_is_a_real_date_from_1900_to_today(
        year in 0u32..10_000, month in 0u32..100, day in 0u32..100,
    ) {
        let input = format!("{year:04}-{month:02}-{day:02}");
        let oracle = NaiveDate::from_ymd_opt(year as i32, month, day)
            .filter(|date| (earliest_date()..=today()).contains(date));
        prop_assert_eq!(OccasionDate::parse(&input, today()).ok().map(|d| d.date()), oracle);
    }

    #[test]
    fn every_date_from_1900_to_today_round_trips_and_tomorrow_is_refused(
        offset in 0i64..=(today() - earliest_date()).num_days(),
    ) {
        let date = earliest_date() + Duration::days(offset);
        let input = date.format("%Y-%m-%d").to_string();
        let parsed = OccasionDate::parse(&input, today()).unwrap();
        prop_assert_eq!(parsed.date(), date);
        prop_assert_eq!(parsed.date().format("%Y-%m-%d").to_string(), input.as_str());
        // Seen from the day before, the same date is in the future.
        prop_assert!(OccasionDate::parse(&input, date - Duration::days(1)).is_err());
    }

    #[test]
    fn a_valid_date_in_another_shape_is_refused(
        offset in 0i64..=(today() - earliest_date()).num_days(),
        shape in prop_oneof![
            Just("%Y-%-m-%-d"), Just("%Y%m%d"), Just("%d-%m-%Y"), Just("%Y/%m/%d"),
            Just(" %Y-%m-%d"), Just("%Y-%m-%d "), Just("%Y-%m-%dT00:00"), Just("+%Y-%m-%d"),
        ],
    ) {
        let date = earliest_date() + Duration::days(offset);
        let input = date.format(shape).to_string();
        prop_assume!(input != date.format("%Y-%m-%d").to_string());
        prop_assert!(OccasionDate::parse(&input, today()).is_err(), "{}", input);
    }
}
