//! Figures for the api's JSON summary (`GET /api/v1/metrics`): how many occurrences are in
//! each status, by kind. One aggregate over the table; the backlog count lives with dispatch
//! ([`super::dispatch::count_due_unsent`]) and the promise checks with [`super::reconcile`].

use diesel::{
    sql_types::{BigInt, Text},
    QueryResult, QueryableByName,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct StatusKindCount {
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Occurrence rows per (status, kind); combinations with no rows are absent.
pub async fn count_by_status_and_kind(
    conn: &mut AsyncPgConnection,
) -> QueryResult<Vec<StatusKindCount>> {
    diesel::sql_query(
        "SELECT status, kind, count(*) AS count
         FROM occurrences
         GROUP BY status, kind
         ORDER BY status, kind",
    )
    .load(conn)
    .await
}
