//! Request and response bodies of the users API, and their conversion into domain types.
//!
//! Bodies are first read as loose JSON (`UserBody`) so that every field problem — wrong
//! type, missing, unknown, invalid value — is reported at once with its field name, instead of
//! stopping at serde's first error.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use greetings_db::users::{UserFields, UserRow};
use greetings_domain::{Email, Location, OccasionDate, PersonName, Timezone};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    problem::{ApiError, FieldError},
    vocabulary::TimezoneName,
};

/// A user body as sent by the client. `None` = field absent; `Some(Value::Null)` = explicit
/// null (which clears an optional field in a PATCH).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserBody {
    #[serde(default, deserialize_with = "present")]
    first_name: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    last_name: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    email: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    timezone: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    birthday: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    anniversary: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    location: Option<Value>,
    #[serde(flatten)]
    unknown: BTreeMap<String, Value>,
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// Collects field errors while converting.
struct Checker {
    errors: Vec<FieldError>,
    today: NaiveDate,
}

impl Checker {
    fn string<'a>(&mut self, field: &str, value: &'a Value) -> Option<&'a str> {
        match value {
            Value::String(s) => Some(s),
            _ => {
                self.errors.push(FieldError::new(field, "must be a string"));
                None
            }
        }
    }

    fn required<T>(
        &mut self,
        field: &str,
        value: Option<&Value>,
        parse: impl Fn(&str) -> Result<T, greetings_domain::ParseError>,
    ) -> Option<T> {
        match value {
            None => {
                self.errors.push(FieldError::new(field, "is required"));
                None
            }
            Some(Value::Null) => {
                self.errors.push(FieldError::new(field, "must not be null"));
                None
            }
            Some(value) => {
                let s = self.string(field, value)?;
                parse(s)
                    .map_err(|err| self.errors.push(FieldError::new(field, err.0)))
                    .ok()
            }
        }
    }

    /// `Ok(None)` for absent or null; `Err(())` when invalid (already recorded).
    fn optional<T>(
        &mut self,
        field: &str,
        value: Option<&Value>,
        parse: impl Fn(&str) -> Result<T, greetings_domain::ParseError>,
    ) -> Result<Option<T>, ()> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(value) => {
                let s = self.string(field, value).ok_or(())?;
                parse(s)
                    .map(Some)
                    .map_err(|err| self.errors.push(FieldError::new(field, err.0)))
            }
        }
    }

    fn date(&mut self, field: &str, value: Option<&Value>) -> Result<Option<NaiveDate>, ()> {
        let today = self.today;
        self.optional(field, value, |s| {
            OccasionDate::parse(s, today).map(|d| d.date())
        })
    }
}

impl UserBody {
    /// A complete user (POST and PUT): required fields must be present.
    pub fn into_fields(self, now: DateTime<Utc>) -> Result<UserFields, ApiError> {
        self.merge_onto(None, now)
    }

    /// PATCH: absent fields keep `current`'s values, `null` clears optional ones.
    pub fn patch(self, current: &UserRow, now: DateTime<Utc>) -> Result<UserFields, ApiError> {
        self.merge_onto(Some(current), now)
    }

    fn merge_onto(
        self,
        current: Option<&UserRow>,
        now: DateTime<Utc>,
    ) -> Result<UserFields, ApiError> {
        // A date is "in the future" only once it has begun in the earliest zone (UTC+14).
        let today = (now + Duration::hours(14)).date_naive();
        let mut check = Checker {
            errors: Vec::new(),
            today,
        };
        for field in self.unknown.keys() {
            check
                .errors
                .push(FieldError::new(field, "is not a known field"));
        }
        let keep =
            |value: Option<Value>, existing: Option<String>| value.or(existing.map(Value::String));
        let keep_date = |value: Option<Value>, existing: Option<NaiveDate>| {
            value.or(existing.map(|d| Value::String(d.to_string())))
        };
        let first_name = keep(self.first_name, current.map(|u| u.first_name.clone()));
        let last_name = keep(self.last_name, current.map(|u| u.last_name.clone()));
        let email = keep(self.email, current.map(|u| u.email.clone()));
        let timezone = keep(self.timezone, current.map(|u| u.timezone.clone()));
        let birthday = keep_date(self.birthday, current.and_then(|u| u.birthday));
        let anniversary = keep_date(self.anniversary, current.and_then(|u| u.anniversary));
        let location = keep(self.location, current.and_then(|u| u.location.clone()));

        let first_name = check.required("firstName", first_name.as_ref(), PersonName::parse);
        let last_name = check.required("lastName", last_name.as_ref(), PersonName::parse);
        let email = check.required("email", email.as_ref(), Email::parse);
        let timezone = check.required("timezone", timezone.as_ref(), Timezone::parse);
        let birthday = check.date("birthday", birthday.as_ref());
        let anniversary = check.date("anniversary", anniversary.as_ref());
        let location = check.optional("location", location.as_ref(), Location::parse);
        match (
            first_name,
            last_name,
            email,
            timezone,
            birthday,
            anniversary,
            location,
        ) {
            (
                Some(first),
                Some(last),
                Some(email),
                Some(zone),
                Ok(birthday),
                Ok(anniversary),
                Ok(location),
            ) if check.errors.is_empty() => Ok(UserFields {
                first_name: first.as_str().to_owned(),
                last_name: last.as_str().to_owned(),
                email: email.as_str().to_owned(),
                timezone: zone.name().to_owned(),
                birthday,
                anniversary,
                location: location
                    .map(|l| l.as_str().to_owned())
                    .filter(|l| !l.is_empty()),
            }),
            _ => Err(ApiError::Validation(check.errors)),
        }
    }
}

/// A user as sent to `POST` and `PUT` (documentation of the body `UserBody` reads).
#[allow(dead_code)] // read by the OpenAPI document only
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserIn {
    /// 1-100 characters after trimming, no control characters.
    #[schema(example = "Ada", min_length = 1, max_length = 100)]
    first_name: String,
    #[schema(example = "Lovelace", min_length = 1, max_length = 100)]
    last_name: String,
    /// Unique among live users, ignoring case.
    #[schema(example = "ada@example.com", format = Email, max_length = 254)]
    email: String,
    #[schema(value_type = TimezoneName)]
    timezone: String,
    /// `YYYY-MM-DD`, a real date, on or after 1900-01-01, not in the future.
    #[schema(value_type = Option<String>, format = Date, example = "1990-12-10")]
    birthday: Option<NaiveDate>,
    /// `YYYY-MM-DD`, like `birthday`.
    #[schema(value_type = Option<String>, format = Date)]
    anniversary: Option<NaiveDate>,
    /// Free text, at most 200 characters after trimming, no control characters.
    #[schema(max_length = 200)]
    location: Option<String>,
}

/// A partial user for `PATCH`: absent fields are kept; `null` clears an optional one (and is
/// refused for the others).
#[allow(dead_code)] // read by the OpenAPI document only
#[derive(utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserPatch {
    #[schema(value_type = String, required = false, min_length = 1, max_length = 100)]
    first_name: Option<String>,
    #[schema(value_type = String, required = false, min_length = 1, max_length = 100)]
    last_name: Option<String>,
    #[schema(value_type = String, required = false, format = Email, max_length = 254)]
    email: Option<String>,
    #[schema(value_type = TimezoneName, required = false)]
    timezone: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    birthday: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    anniversary: Option<NaiveDate>,
    #[schema(max_length = 200)]
    location: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserOut {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub timezone: String,
    // Optional values are always sent, as `null` when unset: required and nullable.
    #[schema(required = true)]
    pub birthday: Option<NaiveDate>,
    #[schema(required = true)]
    pub anniversary: Option<NaiveDate>,
    #[schema(required = true)]
    pub location: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for UserOut {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            first_name: row.first_name,
            last_name: row.last_name,
            email: row.email,
            timezone: row.timezone,
            birthday: row.birthday,
            anniversary: row.anniversary,
            location: row.location,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A cursor page, as every list endpoint returns it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Parses a path id; a non-UUID is a 400, not a 404.
pub fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw)
        .map_err(|_| ApiError::InvalidParameter(FieldError::new("id", "must be a UUID")))
}

/// Validates a page size (`limit`, default 50, at most 200).
pub fn page_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(50),
        Some(n) if (1..=200).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::InvalidParameter(FieldError::new(
            "limit",
            "must be between 1 and 200",
        ))),
    }
}
