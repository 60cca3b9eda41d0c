//! What the simulator received: every well-formed request with the status it was answered,
//! and the running counts behind `GET /stats` (duplicates per idempotency key among them).
//!
//! One `std::sync::Mutex` guards it all; every operation is short and none is held across an
//! await. Stored messages are capped (`record.max_messages`); past the cap new messages are
//! only counted as dropped, while the counts stay exact. The set of delivered idempotency keys
//! is not capped: duplicate detection must see every key.

use std::{
    collections::{BTreeMap, HashSet},
    sync::{Mutex, MutexGuard},
};

use chrono::{DateTime, Utc};
use serde::Serialize;

/// How many keys `duplicateKeys` lists at most.
const DUPLICATE_KEYS_LISTED: usize = 100;

/// One request as received, with the status it was answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub email: String,
    pub message: String,
    pub idempotency_key: Option<String>,
    pub status: u16,
    pub received_at: DateTime<Utc>,
}

impl Record {
    fn delivered(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The counts of `GET /stats`.
///
/// `delivered = distinctKeys + duplicates + withoutKey` always holds: every 2xx answer either
/// carried no key, carried a key seen delivered for the first time, or repeated one.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Well-formed requests received.
    pub received: u64,
    /// Answers per HTTP status.
    pub by_status: BTreeMap<u16, u64>,
    /// 2xx answers.
    pub delivered: u64,
    /// Distinct idempotency keys among 2xx answers.
    pub distinct_keys: u64,
    /// 2xx answers whose key had already had a 2xx answer.
    pub duplicates: u64,
    /// Keys that were delivered more than once (the first 100).
    pub duplicate_keys: Vec<String>,
    /// 2xx answers to requests without an idempotency key.
    pub without_key: u64,
    /// Requests refused because their body was not `{"email", "message"}` JSON.
    pub malformed: u64,
    /// Messages kept for `GET /messages`.
    pub stored: u64,
    /// Messages not kept because `record.max_messages` was reached.
    pub dropped: u64,
}

/// Which stored messages `GET /messages` wants.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub email: Option<String>,
    pub key: Option<String>,
    pub limit: usize,
}

impl Filter {
    fn matches(&self, record: &Record) -> bool {
        self.email
            .as_ref()
            .is_none_or(|email| *email == record.email)
            && self
                .key
                .as_ref()
                .is_none_or(|key| record.idempotency_key.as_ref() == Some(key))
    }
}

/// The answer to recording one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// A 2xx for a key that had already had one.
    pub duplicate: bool,
}

/// The in-memory store.
#[derive(Debug)]
pub struct Records {
    max_messages: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    messages: Vec<Record>,
    stats: Stats,
    delivered_keys: HashSet<String>,
}

impl Records {
    pub fn new(max_messages: usize) -> Self {
        Self {
            max_messages,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Counts `record` and keeps it while there is room.
    pub fn record(&self, record: Record) -> Recorded {
        let mut inner = self.lock();
        let Inner {
            messages,
            stats,
            delivered_keys,
        } = &mut *inner;
        stats.received += 1;
        *stats.by_status.entry(record.status).or_default() += 1;
        let mut duplicate = false;
        if record.delivered() {
            stats.delivered += 1;
            match &record.idempotency_key {
                None => stats.without_key += 1,
                Some(key) if delivered_keys.contains(key) => {
                    duplicate = true;
                    stats.duplicates += 1;
                    if stats.duplicate_keys.len() < DUPLICATE_KEYS_LISTED
                        && !stats.duplicate_keys.contains(key)
                    {
                        stats.duplicate_keys.push(key.clone());
                    }
                }
                Some(key) => {
                    delivered_keys.insert(key.clone());
                    stats.distinct_keys += 1;
                }
            }
        }
        if messages.len() < self.max_messages {
            messages.push(record);
            stats.stored += 1;
        } else {
            stats.dropped += 1;
        }
        Recorded { duplicate }
    }

    /// Counts a request whose body could not be read.
    pub fn record_malformed(&self) {
        self.lock().stats.malformed += 1;
    }

    pub fn stats(&self) -> Stats {
        self.lock().stats.clone()
    }

    /// The stored messages that match, oldest first.
    pub fn messages(&self, filter: &Filter) -> Vec<Record> {
        self.lock()
            .messages
            .iter()
            .filter(|record| filter.matches(record))
            .take(filter.limit)
            .cloned()
            .collect()
    }

    /// Forgets every message, count and key.
    pub fn reset(&self) {
        *self.lock() = Inner::default();
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the counts half-updated in a way that
        // matters to a simulator; keep serving.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(email: &str, key: Option<&str>, status: u16) -> Record {
        Record {
            email: email.into(),
            message: format!("Hey, {email}"),
            idempotency_key: key.map(Into::into),
            status,
            received_at: Utc::now(),
        }
    }

    #[test]
    fn a_second_delivery_of_a_key_is_a_duplicate() {
        let records = Records::new(10);
        assert!(!records.record(request("a@x.io", Some("k1"), 200)).duplicate);
        assert!(records.record(request("a@x.io", Some("k1"), 200)).duplicate);
        assert!(records.record(request("a@x.io", Some("k1"), 200)).duplicate);
        let stats = records.stats();
        assert_eq!(stats.duplicates, 2);
        assert_eq!(stats.distinct_keys, 1);
        assert_eq!(stats.duplicate_keys, vec!["k1".to_string()]);
    }

    #[test]
    fn failed_attempts_before_a_delivery_are_not_duplicates() {
        let records = Records::new(10);
        records.record(request("a@x.io", Some("k1"), 503));
        records.record(request("a@x.io", Some("k1"), 429));
        assert!(!records.record(request("a@x.io", Some("k1"), 200)).duplicate);
        let stats = records.stats();
        assert_eq!(stats.received, 3);
        assert_eq!(stats.delivered, 1);
        assert_eq!(stats.duplicates, 0);
        assert_eq!(
            stats.by_status,
            BTreeMap::from([(200, 1), (429, 1), (503, 1)])
        );
    }

    #[test]
    fn every_delivery_is_a_first_key_a_duplicate_or_keyless() {
        let records = Records::new(10);
        for (key, status) in [
            (Some("a"), 200),
            (Some("a"), 200),
            (None, 200),
            (Some("b"), 500),
            (Some("b"), 200),
            (None, 400),
        ] {
            records.record(request("a@x.io", key, status));
        }
        let stats = records.stats();
        assert_eq!(stats.delivered, 4);
        assert_eq!(
            stats.delivered,
            stats.distinct_keys + stats.duplicates + stats.without_key
        );
        assert_eq!(stats.without_key, 1);
    }

    #[test]
    fn at_most_a_hundred_duplicate_keys_are_listed() {
        let records = Records::new(0);
        for n in 0..150 {
            let key = format!("k{n}");
            records.record(request("a@x.io", Some(&key), 200));
            records.record(request("a@x.io", Some(&key), 200));
        }
        let stats = records.stats();
        assert_eq!(stats.duplicates, 150);
        assert_eq!(stats.duplicate_keys.len(), 100);
    }

    #[test]
    fn past_the_cap_messages_are_dropped_but_still_counted() {
        let records = Records::new(2);
        for n in 0..5 {
            records.record(request(&format!("{n}@x.io"), None, 200));
        }
        let stats = records.stats();
        assert_eq!((stats.received, stats.stored, stats.dropped), (5, 2, 3));
        let all = Filter {
            limit: 100,
            ..Filter::default()
        };
        let emails: Vec<_> = records
            .messages(&all)
            .into_iter()
            .map(|r| r.email)
            .collect();
        assert_eq!(emails, ["0@x.io", "1@x.io"]);
    }

    #[test]
    fn messages_are_filtered_by_email_and_key_and_limited() {
        let records = Records::new(10);
        records.record(request("a@x.io", Some("k1"), 200));
        records.record(request("b@x.io", Some("k2"), 200));
        records.record(request("a@x.io", Some("k3"), 500));
        records.record(request("a@x.io", None, 200));
        let by_email = Filter {
            email: Some("a@x.io".into()),
            limit: 10,
            ..Filter::default()
        };
        assert_eq!(records.messages(&by_email).len(), 3);
        let by_key = Filter {
            key: Some("k2".into()),
            limit: 10,
            ..Filter::default()
        };
        assert_eq!(records.messages(&by_key)[0].email, "b@x.io");
        let limited = Filter {
            limit: 2,
            ..by_email
        };
        let keys: Vec<_> = records
            .messages(&limited)
            .into_iter()
            .map(|r| r.idempotency_key)
            .collect();
        assert_eq!(keys, [Some("k1".to_string()), Some("k3".to_string())]);
    }

    #[test]
    fn reset_forgets_messages_counts_and_keys() {
        let records = Records::new(10);
        records.record(request("a@x.io", Some("k1"), 200));
        records.record_malformed();
        records.reset();
        assert_eq!(records.stats(), Stats::default());
        assert!(!records.record(request("a@x.io", Some("k1"), 200)).duplicate);
    }
}
