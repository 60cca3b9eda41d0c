//! The closed vocabularies the API speaks — time zone names, occasion kinds, occurrence
//! statuses — as OpenAPI string enums built from the domain's own lists, so the document lists
//! exactly what the parsers accept and cannot drift from them. Documentation only: requests are
//! still parsed by the domain types (`Timezone::parse`, ...), which report bad values by field.

use std::borrow::Cow;

use greetings_domain::{OccasionKind, OccurrenceStatus, Timezone};
use utoipa::openapi::{schema::Type, ObjectBuilder, RefOr, Schema};

fn string_enum<'a>(values: impl IntoIterator<Item = &'a str>, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .description(Some(description))
        .into()
}

/// The `Timezone` schema: every zone name of the bundled IANA database.
pub struct TimezoneName;

impl utoipa::PartialSchema for TimezoneName {
    fn schema() -> RefOr<Schema> {
        string_enum(
            Timezone::all().map(|zone| zone.name()),
            "An IANA time zone name, e.g. `Europe/London`.",
        )
    }
}

impl utoipa::ToSchema for TimezoneName {
    fn name() -> Cow<'static, str> {
        "Timezone".into()
    }
}

/// The `OccasionKind` schema.
pub struct KindName;

impl utoipa::PartialSchema for KindName {
    fn schema() -> RefOr<Schema> {
        string_enum(
            OccasionKind::ALL.into_iter().map(OccasionKind::as_str),
            "What a message celebrates.",
        )
    }
}

impl utoipa::ToSchema for KindName {
    fn name() -> Cow<'static, str> {
        "OccasionKind".into()
    }
}

/// The `OccurrenceStatus` schema.
pub struct StatusName;

impl utoipa::PartialSchema for StatusName {
    fn schema() -> RefOr<Schema> {
        string_enum(
            OccurrenceStatus::ALL
                .into_iter()
                .map(|status| status.as_str()),
            "Where a message is in its life (docs/architecture.md).",
        )
    }
}

impl utoipa::ToSchema for StatusName {
    fn name() -> Cow<'static, str> {
        "OccurrenceStatus".into()
    }
}
