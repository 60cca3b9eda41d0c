//! The message contract between scheduler and workers, versioned by a `v` tag. A consumer
//! ignores fields it does not know, so a newer producer can add fields without breaking an
//! older worker; a change that breaks meaning gets a new version variant.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "v")]
pub enum DeliveryMessage {
    #[serde(rename = "1", rename_all = "camelCase")]
    V1 {
        occurrence_id: Uuid,
        /// The claim this message was published under; any other claim makes it stale.
        claim_seq: i32,
        kind: String,
        /// The intended send instant (for lateness metrics).
        send_at: DateTime<Utc>,
    },
}

/// Why bytes are not a delivery message: the kind of problem and where. It never quotes the
/// payload (serde's own message would, e.g. `invalid type: string "ada@example.com"`): a
/// foreign message may carry anything, personal data included, and this text gets logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a delivery message: {problem} at line {line}, column {column}")]
pub struct DecodeError {
    problem: &'static str,
    line: usize,
    column: usize,
}

impl From<serde_json::Error> for DecodeError {
    fn from(err: serde_json::Error) -> Self {
        use serde_json::error::Category;
        let problem = match err.classify() {
            Category::Syntax => "not valid JSON",
            Category::Eof => "JSON cut short",
            Category::Data => "JSON of an unknown version or shape",
            Category::Io => "unreadable input",
        };
        Self {
            problem,
            line: err.line(),
            column: err.column(),
        }
    }
}

impl DeliveryMessage {
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a delivery message always serialises")
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Ok(serde_json::from_slice(bytes)?)
    }

    pub fn occurrence_id(&self) -> Uuid {
        match self {
            Self::V1 { occurrence_id, .. } => *occurrence_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v1_message_round_trips_and_unknown_fields_are_ignored() {
        let message = DeliveryMessage::V1 {
            occurrence_id: Uuid::nil(),
            claim_seq: 3,
            kind: "birthday".into(),
            send_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        };
        assert_eq!(DeliveryMessage::decode(&message.encode()).unwrap(), message);
        let newer = br#"{"v":"1","occurrenceId":"00000000-0000-0000-0000-000000000000","claimSeq":3,"kind":"birthday","sendAt":"2027-01-15T08:00:00Z","priority":5}"#;
        assert!(DeliveryMessage::decode(newer).is_ok());
    }

    #[test]
    fn a_refusal_says_what_is_wrong_without_quoting_the_payload() {
        let foreign = br#"{"v":"1","occurrenceId":"ada@example.com","claimSeq":"Ada Lovelace"}"#;
        let err = DeliveryMessage::decode(foreign).unwrap_err().to_string();
        assert!(err.contains("unknown version or shape"), "{err}");
        assert!(!err.contains("ada@") && !err.contains("Lovelace"), "{err}");
        let err = DeliveryMessage::decode(br#"{"v":"Ada Lovelace"}"#)
            .unwrap_err()
            .to_string();
        assert!(!err.contains("Lovelace"), "{err}");
        let err = DeliveryMessage::decode(b"{\"v\":").unwrap_err().to_string();
        assert!(err.contains("cut short"), "{err}");
    }

    #[test]
    fn malformed_or_unknown_version_messages_are_refused() {
        assert!(DeliveryMessage::decode(b"not json").is_err());
        assert!(DeliveryMessage::decode(br#"{"v":"9","occurrenceId":"x"}"#).is_err());
        assert!(DeliveryMessage::decode(br#"{"v":"1"}"#).is_err());
    }
}
