//! Property tests of the message contract's decoder, the first code a queue message from
//! anywhere reaches: arbitrary bytes, arbitrary JSON and damaged copies of valid messages are
//! decoded or refused, never a panic; valid messages round-trip; a refusal never quotes the
//! payload (it gets logged).
//!
//! Each property runs `CASES` (2,000) generated cases.

use chrono::{DateTime, Utc};
use greetings_messaging::DeliveryMessage;
use proptest::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

/// Cases per property; quoted in the module doc, keep the two in step.
const CASES: u32 = 2_000;

/// Any instant RFC 3339 can write: years 0001 to 9999, nanosecond precision.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (-62_135_596_800i64..=253_402_300_799, 0u32..1_000_000_000)
        .prop_map(|(secs, nanos)| DateTime::from_timestamp(secs, nanos).unwrap())
}

fn message() -> impl Strategy<Value = DeliveryMessage> {
    (any::<u128>(), any::<i32>(), any::<String>(), instant()).prop_map(
        |(id, claim_seq, kind, send_at)| DeliveryMessage::V1 {
            occurrence_id: Uuid::from_u128(id),
            claim_seq,
            kind,
            send_at,
        },
    )
}

/// Arbitrary JSON documents, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        Just(Value::from("1")),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("v".to_owned()),
                    Just("occurrenceId".to_owned()),
                    Just("claimSeq".to_owned()),
                    Just("kind".to_owned()),
                    Just("sendAt".to_owned()),
                    any::<String>(),
                ],
                inner,
                0..8
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A damage to a byte string: truncation, flipped bits, a byte inserted, or a range removed.
#[derive(Debug, Clone)]
enum Damage {
    Truncate(prop::sample::Index),
    FlipBits(Vec<(prop::sample::Index, u8)>),
    Insert(prop::sample::Index, u8),
    Remove(prop::sample::Index, prop::sample::Index),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Damage::Truncate),
        proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4)
            .prop_map(Damage::FlipBits),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(at, b)| Damage::Insert(at, b)),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b)| Damage::Remove(a, b)),
    ]
}

fn apply(damage: &Damage, mut bytes: Vec<u8>) -> Vec<u8> {
    match damage {
        Damage::Truncate(at) => bytes.truncate(at.index(bytes.len())),
        Damage::FlipBits(flips) => {
            for (at, mask) in flips {
                let i = at.index(bytes.len());
                bytes[i] ^= mask;
            }
        }
        Damage::Insert(at, byte) => bytes.insert(at.index(bytes.len() + 1), *byte),
        Damage::Remove(a, b) => {
            let (a, b) = (a.index(bytes.len()), b.index(bytes.len()));
            bytes.drain(a.min(b)..=a.max(b));
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn arbitrary_bytes_are_decoded_or_refused_without_panicking(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        if let Ok(message) = DeliveryMessage::decode(&bytes) {
            prop_assert_eq!(DeliveryMessage::decode(&message.encode()).unwrap(), message);
        }
    }

    #[test]
    fn arbitrary_json_is_decoded_or_refused_without_panicking(value in json_value()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        if let Ok(message) = DeliveryMessage::decode(&bytes) {
            prop_assert_eq!(&value["v"], "1");
            prop_assert_eq!(DeliveryMessage::decode(&message.encode()).unwrap(), message);
        }
    }

    #[test]
    fn every_valid_message_round_trips(message in message()) {
        prop_assert_eq!(DeliveryMessage::decode(&message.encode()).unwrap(), message);
    }

    #[test]
    fn every_strict_prefix_of_a_valid_message_is_refused(
        message in message(), at in any::<prop::sample::Index>(),
    ) {
        let bytes = message.encode();
        let prefix = &bytes[..at.index(bytes.len())];
        prop_assert!(DeliveryMessage::decode(prefix).is_err());
    }

    #[test]
    fn a_damaged_valid_message_is_decoded_or_refused_without_panicking(
        message in message(), damage in damage(),
    ) {
        let bytes = apply(&damage, message.encode());
        if let Ok(decoded) = DeliveryMessage::decode(&bytes) {
            // Whatever survived the damage is a message that re-encodes to itself.
            prop_assert_eq!(DeliveryMessage::decode(&decoded.encode()).unwrap(), decoded);
        }
    }

    #[test]
    fn a_message_of_any_other_version_is_refused(
        message in message(), version in any::<String>().prop_filter("not v1", |v| v != "1"),
    ) {
        let mut value = serde_json::to_value(&message).unwrap();
        value["v"] = json!(version);
        prop_assert!(DeliveryMessage::decode(&serde_json::to_vec(&value).unwrap()).is_err());
        // Not a variant index either.
        for number in [json!(0), json!(1)] {
            value["v"] = number;
            prop_assert!(DeliveryMessage::decode(&serde_json::to_vec(&value).unwrap()).is_err());
        }
        value.as_object_mut().unwrap().remove("v");
        prop_assert!(DeliveryMessage::decode(&serde_json::to_vec(&value).unwrap()).is_err());
    }

    #[test]
    fn a_refusal_never_quotes_the_payload(
        message in message(),
        secret in "[A-Za-z]{8,30}",
        field in prop_oneof![Just("v"), Just("occurrenceId"), Just("claimSeq"), Just("sendAt")],
    ) {
        let mut value = serde_json::to_value(&message).unwrap();
        value[field] = json!(secret);
        let err = DeliveryMessage::decode(&serde_json::to_vec(&value).unwrap()).unwrap_err();
        prop_assert!(!err.to_string().contains(&secret), "{}", err);
    }

    #[test]
    fn deeply_nested_json_is_refused_without_exhausting_the_stack(depth in 0usize..20_000) {
        let bytes = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        prop_assert!(DeliveryMessage::decode(bytes.as_bytes()).is_err());
        let bytes = format!("{}{}", r#"{"v":"1","kind":"#.repeat(depth), "}".repeat(depth));
        prop_assert!(DeliveryMessage::decode(bytes.as_bytes()).is_err());
    }
}
