//! API keys: stored as SHA-256 digests with their scopes; revoking sets `revoked_at`. What a
//! key may do is decided by the api; this module only keeps the records.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::schema::api_keys;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = api_keys, check_for_backend(diesel::pg::Pg))]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<Option<String>>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKeyRow {
    pub fn scope_names(&self) -> impl Iterator<Item = &str> {
        self.scopes.iter().flatten().map(String::as_str)
    }
}

/// A key about to be stored: everything but the secret itself.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = api_keys)]
pub struct NewApiKey<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_sha256: &'a [u8],
    pub scopes: Vec<&'a str>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_key(conn: &mut AsyncPgConnection, key: &NewApiKey<'_>) -> QueryResult<()> {
    diesel::insert_into(api_keys::table)
        .values(key)
        .execute(conn)
        .await
        .map(drop)
}

/// The live (not revoked) key with this digest.
pub async fn find_live_key(
    conn: &mut AsyncPgConnection,
    key_sha256: &[u8],
) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::key_sha256.eq(key_sha256))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKeyRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn count_live_keys(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    api_keys::table
        .filter(api_keys::revoked_at.is_null())
        .count()
        .get_result(conn)
        .await
}

/// Every key, live and revoked, oldest first.
pub async fn list_keys(conn: &mut AsyncPgConnection) -> QueryResult<Vec<ApiKeyRow>> {
    api_keys::table
        .order((api_keys::created_at, api_keys::id))
        .select(ApiKeyRow::as_select())
        .load(conn)
        .await
}

/// Revokes a live key; false when there is no live key with that id.
pub async fn revoke_key(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(now))
    .execute(conn)
    .await
    .map(|updated| updated == 1)
}
