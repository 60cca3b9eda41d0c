//! Users: the people messages are for. Rows are soft-deleted (`deleted_at`), so "live" means
//! `deleted_at IS NULL` everywhere below.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::schema::users;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct UserRow {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub timezone: String,
    pub birthday: Option<NaiveDate>,
    pub anniversary: Option<NaiveDate>,
    pub location: Option<String>,
    pub materialised_until: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The fields a client controls, already validated by the domain types at the edge. Used for
/// both insert and full replacement (absent optionals are written as NULL).
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserFields {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub timezone: String,
    pub birthday: Option<NaiveDate>,
    pub anniversary: Option<NaiveDate>,
    pub location: Option<String>,
}

impl UserRow {
    /// The row a new user will have once inserted.
    pub fn new(
        id: Uuid,
        fields: UserFields,
        materialised_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            first_name: fields.first_name,
            last_name: fields.last_name,
            email: fields.email,
            timezone: fields.timezone,
            birthday: fields.birthday,
            anniversary: fields.anniversary,
            location: fields.location,
            materialised_until,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        }
    }

    pub fn fields(&self) -> UserFields {
        UserFields {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            timezone: self.timezone.clone(),
            birthday: self.birthday,
            anniversary: self.anniversary,
            location: self.location.clone(),
        }
    }
}

pub async fn insert_user(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    fields: &UserFields,
    materialised_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<UserRow> {
    diesel::insert_into(users::table)
        .values((
            users::id.eq(id),
            users::first_name.eq(&fields.first_name),
            users::last_name.eq(&fields.last_name),
            users::email.eq(&fields.email),
            users::timezone.eq(&fields.timezone),
            users::birthday.eq(fields.birthday),
            users::anniversary.eq(fields.anniversary),
            users::location.eq(&fields.location),
            users::materialised_until.eq(materialised_until),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_live_user(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::id.eq(id))
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The same, locking the row until the surrounding transaction ends (edits serialise).
pub async fn lock_live_user(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::id.eq(id))
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// One page of live users in id order (ids are UUIDv7, so roughly creation order), starting
/// after `after`.
pub async fn list_live_users(
    conn: &mut AsyncPgConnection,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .order(users::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(users::id.gt(after));
    }
    query.load(conn).await
}

pub async fn replace_user(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    fields: &UserFields,
    materialised_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<UserRow> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            fields,
            users::materialised_until.eq(materialised_until),
            users::updated_at.eq(now),
        ))
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await
}

/// What a deleted user's names become (the columns are NOT NULL, 1–100 characters).
pub const REDACTED_NAME: &str = "redacted";

/// What a deleted user's address becomes: unique per user, in the reserved `.invalid` domain,
/// so it can never be mailed. Deleted rows are outside the live-address unique index anyway.
pub fn redacted_email(id: Uuid) -> String {
    format!("redacted+{}@invalid", id.simple())
}

/// Marks a live user deleted and forgets who they were: names, address, location and dates
/// are replaced by placeholders or NULL (nothing reads a deleted user's fields; the worker
/// sends only to live users). The row stays as the owner of the delivery history. False when
/// there was no such live user.
pub async fn soft_delete_user(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let rows = diesel::update(
        users::table
            .filter(users::id.eq(id))
            .filter(users::deleted_at.is_null()),
    )
    .set((
        users::deleted_at.eq(now),
        users::updated_at.eq(now),
        users::first_name.eq(REDACTED_NAME),
        users::last_name.eq(REDACTED_NAME),
        users::email.eq(redacted_email(id)),
        users::location.eq(None::<String>),
        users::birthday.eq(None::<NaiveDate>),
        users::anniversary.eq(None::<NaiveDate>),
    ))
    .execute(conn)
    .await?;
    Ok(rows == 1)
}
