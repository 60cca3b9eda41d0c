//! Calendar rules: worked examples for the tricky days, and property tests over every zone.

use chrono::{Datelike, Timelike};
use proptest::prelude::*;

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn zone(name: &str) -> Timezone {
    Timezone::parse(name).unwrap()
}

fn nine() -> NaiveTime {
    NaiveTime::from_hms_opt(9, 0, 0).unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

#[test]
fn nine_local_is_found_in_zones_from_utc_minus_12_to_utc_plus_14() {
    let day = date(2026, 7, 1);
    let cases = [
        ("Etc/GMT+12", "2026-07-01T21:00:00Z"),
        ("Pacific/Honolulu", "2026-07-01T19:00:00Z"),
        ("America/New_York", "2026-07-01T13:00:00Z"),
        ("UTC", "2026-07-01T09:00:00Z"),
        ("Asia/Kolkata", "2026-07-01T03:30:00Z"),
        ("Australia/Melbourne", "2026-06-30T23:00:00Z"),
        ("Pacific/Kiritimati", "2026-06-30T19:00:00Z"),
    ];
    for (name, expected) in cases {
        let (at, rule) = send_instant(day, nine(), zone(name).tz());
        assert_eq!(at, utc(expected), "{name}");
        assert_eq!(rule, TimeRule::AsIs);
    }
}

#[test]
fn a_send_time_inside_a_dst_gap_moves_to_the_first_instant_after_it() {
    // Cuba skips 00:00-01:00; a 00:30 send time is the interesting case for a gap, and
    // kind-independent send_instant lets us ask for it directly.
    let half_past_midnight = NaiveTime::from_hms_opt(0, 30, 0).unwrap();
    let (at, rule) = send_instant(
        date(2026, 3, 8),
        half_past_midnight,
        zone("America/Havana").tz(),
    );
    assert_eq!(rule, TimeRule::DstGap);
    let local = at.with_timezone(&zone("America/Havana").tz());
    assert_eq!(
        (local.date_naive(), local.hour(), local.minute()),
        (date(2026, 3, 8), 1, 0)
    );
}

#[test]
fn a_send_time_that_happens_twice_uses_the_earlier_instant() {
    let half_past_one = NaiveTime::from_hms_opt(1, 30, 0).unwrap();
    let (at, rule) = send_instant(
        date(2026, 11, 1),
        half_past_one,
        zone("America/New_York").tz(),
    );
    assert_eq!(rule, TimeRule::DstOverlapEarlier);
    // Still on EDT (UTC-4), not EST.
    assert_eq!(at, utc("2026-11-01T05:30:00Z"));
}

#[test]
fn nine_on_a_dst_change_day_is_nine_local_not_an_hour_off() {
    let (at, _) = send_instant(date(2026, 3, 8), nine(), zone("America/New_York").tz());
    assert_eq!(at, utc("2026-03-08T13:00:00Z"));
    let (at, _) = send_instant(date(2026, 10, 4), nine(), zone("Australia/Melbourne").tz());
    assert_eq!(at, utc("2026-10-03T22:00:00Z"));
}

#[test]
fn a_day_a_zone_skipped_entirely_sends_at_the_start_of_the_next_day() {
    let apia = zone("Pacific/Apia");
    let (at, rule) = send_instant(date(2011, 12, 30), nine(), apia.tz());
    assert_eq!(rule, TimeRule::DstGap);
    let local = at.with_timezone(&apia.tz());
    assert_eq!(
        local.naive_local(),
        date(2011, 12, 31).and_hms_opt(0, 0, 0).unwrap()
    );
}

#[test]
fn feb_29_follows_the_policy_in_non_leap_years_and_is_itself_in_leap_years() {
    let anchor = date(2000, 2, 29);
    assert_eq!(
        local_date_in_year(anchor, 2028, Feb29Policy::Feb28),
        (date(2028, 2, 29), DateRule::AsIs)
    );
    assert_eq!(
        local_date_in_year(anchor, 2027, Feb29Policy::Feb28),
        (date(2027, 2, 28), DateRule::Feb29ToFeb28)
    );
    assert_eq!(
        local_date_in_year(anchor, 2027, Feb29Policy::Mar1),
        (date(2027, 3, 1), DateRule::Feb29ToMar1)
    );
    assert_eq!(
        local_date_in_year(anchor, 2027, Feb29Policy::Skip),
        (date(2027, 2, 28), DateRule::Feb29Skipped)
    );
    assert_eq!(
        local_date_in_year(anchor, 2028, Feb29Policy::Skip),
        (date(2028, 2, 29), DateRule::AsIs)
    );
}

#[test]
fn planning_a_window_yields_the_occurrences_inside_it_in_order() {
    let planned = plan_occurrences(
        OccasionKind::Birthday,
        date(1990, 12, 4),
        zone("Australia/Melbourne"),
        Feb29Policy::Feb28,
        utc("2025-01-01T00:00:00Z"),
        utc("2028-01-01T00:00:00Z"),
    );
    let dates: Vec<NaiveDate> = planned.iter().map(|p| p.local_date).collect();
    assert_eq!(
        dates,
        vec![date(2025, 12, 4), date(2026, 12, 4), date(2027, 12, 4)]
    );
    assert_eq!(planned[1].send_at, utc("2026-12-03T22:00:00Z"));
}

#[test]
fn an_occasion_does_not_recur_in_its_own_year() {
    let planned = plan_occurrences(
        OccasionKind::Anniversary,
        date(2026, 1, 10),
        zone("UTC"),
        Feb29Policy::Feb28,
        utc("2026-01-01T00:00:00Z"),
        utc("2027-12-31T00:00:00Z"),
    );
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0].local_date, date(2027, 1, 10));
}

#[test]
fn the_next_occurrence_is_found_beyond_any_horizon() {
    let next = next_occurrence(
        OccasionKind::Birthday,
        date(2000, 2, 29),
        zone("UTC"),
        Feb29Policy::Skip,
        utc("2026-12-04T00:00:00Z"),
    );
    assert_eq!(next.local_date, date(2027, 2, 28));
    assert!(next.skipped_by_policy());
}

/// The property every send instant must satisfy in its own zone.
fn assert_lands_on_its_local_date(planned: &PlannedOccurrence, tz: Tz) {
    let local = planned.send_at.with_timezone(&tz).naive_local();
    let target = planned.local_date.and_time(planned.kind.send_time());
    match planned.rule.time {
        TimeRule::AsIs | TimeRule::DstOverlapEarlier => {
            assert_eq!(local, target, "{} in {tz}", planned.send_at);
            if planned.rule.time == TimeRule::DstOverlapEarlier {
                let earlier_same_local = tz.from_local_datetime(&target).earliest().unwrap();
                assert_eq!(planned.send_at, earlier_same_local.with_timezone(&Utc));
            }
        }
        TimeRule::DstGap => {
            // After the wanted time, and the second before it was still before the gap.
            assert!(local > target, "{local} vs {target} in {tz}");
            let before = (planned.send_at - Duration::seconds(1))
                .with_timezone(&tz)
                .naive_local();
            assert!(before < target, "{before} vs {target} in {tz}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn every_zone_and_decade_sends_once_a_year_at_nine_local_on_the_right_day(
        zone_index in 0..chrono_tz::TZ_VARIANTS.len(),
        anchor_days in 0i64..(365 * 60),
        start_days in 0i64..(365 * 10),
        policy in prop_oneof![Just(Feb29Policy::Feb28), Just(Feb29Policy::Mar1), Just(Feb29Policy::Skip)],
        kind in prop_oneof![Just(OccasionKind::Birthday), Just(OccasionKind::Anniversary)],
    ) {
        let zone = Timezone::all().nth(zone_index).unwrap();
        let anchor = date(1960, 1, 1) + Duration::days(anchor_days);
        let after = utc("2026-01-01T00:00:00Z") + Duration::days(start_days);
        let until = after + Duration::days(365 * 10);
        let planned = plan_occurrences(kind, anchor, zone, policy, after, until);

        // Ten years of window hold ten occurrences, give or take the one straddling an edge.
        prop_assert!((9..=11).contains(&planned.len()), "{} occurrences", planned.len());
        let mut years: Vec<i32> = planned.iter().map(|p| p.local_date.year()).collect();
        years.dedup();
        prop_assert_eq!(years.len(), planned.len(), "one occurrence per local year");
        for pair in planned.windows(2) {
            prop_assert!(pair[0].send_at < pair[1].send_at);
        }
        for occurrence in &planned {
            prop_assert!(occurrence.send_at > after && occurrence.send_at <= until);
            let expected = local_date_in_year(anchor, occurrence.local_date.year(), policy).0;
            prop_assert_eq!(occurrence.local_date, expected);
            assert_lands_on_its_local_date(occurrence, zone.tz());
        }
    }
}

#[test]
fn every_zone_sends_at_nine_local_on_every_day_of_a_dst_rich_year() {
    // Exhaustive over zones (not sampled): each zone, the first of every month and the days
    // around the usual DST switches of 2026.
    let days: Vec<NaiveDate> = (1..=12)
        .map(|m| date(2026, m, 1))
        .chain([
            date(2026, 3, 8),
            date(2026, 3, 29),
            date(2026, 4, 5),
            date(2026, 10, 4),
            date(2026, 10, 25),
            date(2026, 11, 1),
        ])
        .collect();
    for zone in Timezone::all() {
        for day in &days {
            let (send_at, rule) = send_instant(*day, nine(), zone.tz());
            let planned = PlannedOccurrence {
                kind: OccasionKind::Birthday,
                local_date: *day,
                send_at,
                rule: SendRule {
                    date: DateRule::AsIs,
                    time: rule,
                },
            };
            assert_lands_on_its_local_date(&planned, zone.tz());
        }
    }
}
