//! Planning: turning users' dates into occurrence rows, set-based.
//!
//! - The api calls [`sync_user_occurrences`] in the transaction that creates or edits a user,
//!   and [`cancel_pending_for_user`] in the one that deletes it.
//! - The scheduler's materialiser calls [`materialise_batch`] to extend every user's horizon,
//!   a batch of users per statement, never one round trip per user.
//!
//! Rows are keyed by (user, kind, local date), so planning twice is harmless, and a zone change
//! on the day itself reschedules the one row for that date instead of making a second one.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::{
    prelude::*,
    sql_types::{Array, Date, Nullable, Text, Timestamptz, Uuid as SqlUuid},
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use greetings_domain::{calendar, Feb29Policy, OccasionKind, PlannedOccurrence, Timezone};
use uuid::Uuid;

use crate::users::{self, UserFields, UserRow};

/// The planning rules a deployment chose.
#[derive(Debug, Clone, Copy)]
pub struct PlanningPolicy {
    pub feb29: Feb29Policy,
    /// How long after its send time an occurrence may still be sent (default 48 h).
    pub catch_up: Duration,
    /// How far ahead occurrences exist as rows.
    pub horizon: Duration,
}

/// `[planning]` in the api's and the scheduler's config (they must agree).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct PlanningSettings {
    pub feb29_policy: String,
    pub catch_up_hours: i64,
    pub horizon_hours: i64,
}

impl PlanningSettings {
    pub fn policy(&self) -> anyhow::Result<PlanningPolicy> {
        let feb29 = Feb29Policy::parse(&self.feb29_policy)
            .map_err(|err| anyhow::anyhow!("planning.feb29_policy {err}"))?;
        if !(1..=24 * 30).contains(&self.catch_up_hours) {
            anyhow::bail!("planning.catch_up_hours must be between 1 and 720");
        }
        // Rows must exist a full day ahead of the widest UTC offsets.
        if !(30..=24 * 366).contains(&self.horizon_hours) {
            anyhow::bail!("planning.horizon_hours must be between 30 and 8784");
        }
        Ok(PlanningPolicy {
            feb29,
            catch_up: Duration::hours(self.catch_up_hours),
            horizon: Duration::hours(self.horizon_hours),
        })
    }
}

const REASON_CREATED_LATE: &str = "send time had passed when the user or date was created";
const REASON_FEB29_SKIP: &str = "Feb 29 policy is skip in a non-leap year";
const REASON_CHANGED: &str = "the date or time zone changed";
pub const REASON_USER_DELETED: &str = "the user was deleted";

/// The user's date for an occasion kind (the registry's link to the users table).
pub fn occasion_date(user: &UserRow, kind: OccasionKind) -> Option<NaiveDate> {
    match kind {
        OccasionKind::Birthday => user.birthday,
        OccasionKind::Anniversary => user.anniversary,
    }
}

/// Every occurrence of every occasion of `user` with a send instant in `(after, until]`.
pub fn plan_user(
    user: &UserRow,
    feb29: Feb29Policy,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<PlannedOccurrence> {
    // The api validated the zone; a row edited by hand to an unknown zone plans nothing.
    let Ok(zone) = Timezone::parse(&user.timezone) else {
        return Vec::new();
    };
    OccasionKind::ALL
        .into_iter()
        .filter_map(|kind| occasion_date(user, kind).map(|anchor| (kind, anchor)))
        .flat_map(|(kind, anchor)| {
            calendar::plan_occurrences(kind, anchor, zone, feb29, after, until)
        })
        .collect()
}

/// Rows to insert, as parallel arrays for one `unnest` statement.
#[derive(Debug, Default)]
struct NewRows {
    ids: Vec<Uuid>,
    user_ids: Vec<Uuid>,
    kinds: Vec<String>,
    local_dates: Vec<NaiveDate>,
    send_ats: Vec<DateTime<Utc>>,
    deadlines: Vec<DateTime<Utc>>,
    timezones: Vec<String>,
    rules: Vec<String>,
    statuses: Vec<String>,
    reasons: Vec<Option<String>>,
}

impl NewRows {
    /// `late_status` is what a row whose send time already passed becomes: `skipped` when the
    /// system is learning of the date now, `scheduled` when it is catching up on a gap.
    fn push(
        &mut self,
        user: &UserRow,
        planned: &PlannedOccurrence,
        policy: &PlanningPolicy,
        now: DateTime<Utc>,
        late_status: &str,
    ) {
        let (status, reason) = if planned.skipped_by_policy() {
            ("skipped", Some(REASON_FEB29_SKIP))
        } else if planned.send_at <= now && late_status == "skipped" {
            ("skipped", Some(REASON_CREATED_LATE))
        } else {
            ("scheduled", None)
        };
        self.ids.push(Uuid::now_v7());
        self.user_ids.push(user.id);
        self.kinds.push(planned.kind.as_str().to_owned());
        self.local_dates.push(planned.local_date);
        self.send_ats.push(planned.send_at);
        self.deadlines.push(planned.send_at + policy.catch_up);
        self.timezones.push(user.timezone.clone());
        self.rules.push(planned.rule.label());
        self.statuses.push(status.to_owned());
        self.reasons.push(reason.map(str::to_owned));
    }

    fn len(&self) -> usize {
        self.ids.len()
    }
}

const INSERT_ROWS: &str = "
INSERT INTO occurrences (id, user_id, kind, local_date, send_at, deadline_at, due_at, timezone,
                         send_rule, status, status_reason, created_at, updated_at)
SELECT id, user_id, kind, local_date, send_at, deadline_at, send_at, timezone,
       send_rule, status, reason, $11, $11
FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     AS t(id, user_id, kind, local_date, send_at, deadline_at, timezone, send_rule, status, reason)
ON CONFLICT (user_id, kind, local_date) DO ";

/// On a user edit: pending rows follow the new plan; a cancelled row comes back to life with
/// the status a brand-new row would have; sent or finished rows are never touched.
const UPSERT_PENDING: &str = "UPDATE SET
    send_at = EXCLUDED.send_at,
    deadline_at = EXCLUDED.deadline_at,
    due_at = CASE WHEN occurrences.status = 'retrying' THEN occurrences.due_at ELSE EXCLUDED.due_at END,
    timezone = EXCLUDED.timezone,
    send_rule = EXCLUDED.send_rule,
    status = CASE WHEN occurrences.status = 'cancelled' THEN EXCLUDED.status ELSE occurrences.status END,
    status_reason = CASE WHEN occurrences.status = 'cancelled' THEN EXCLUDED.status_reason ELSE occurrences.status_reason END,
    updated_at = EXCLUDED.updated_at
WHERE occurrences.status IN ('scheduled', 'queued', 'retrying', 'cancelled')";

async fn write_rows(
    conn: &mut AsyncPgConnection,
    rows: NewRows,
    now: DateTime<Utc>,
    on_conflict: &str,
) -> QueryResult<usize> {
    if rows.len() == 0 {
        return Ok(0);
    }
    diesel::sql_query(format!("{INSERT_ROWS}{on_conflict}"))
        .bind::<Array<SqlUuid>, _>(rows.ids)
        .bind::<Array<SqlUuid>, _>(rows.user_ids)
        .bind::<Array<Text>, _>(rows.kinds)
        .bind::<Array<Date>, _>(rows.local_dates)
        .bind::<Array<Timestamptz>, _>(rows.send_ats)
        .bind::<Array<Timestamptz>, _>(rows.deadlines)
        .bind::<Array<Text>, _>(rows.timezones)
        .bind::<Array<Text>, _>(rows.rules)
        .bind::<Array<Text>, _>(rows.statuses)
        .bind::<Array<Nullable<Text>>, _>(rows.reasons)
        .bind::<Timestamptz, _>(now)
        .execute(conn)
        .await
}

/// Inserts a new user (`id`, created `now`) and its occurrences up to the horizon. Most new
/// users have no occasion inside the horizon: for them this is one autocommitted INSERT, with
/// no BEGIN and COMMIT round trips; otherwise both writes share one transaction.
pub async fn insert_user_with_occurrences(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    fields: &UserFields,
    policy: &PlanningPolicy,
    now: DateTime<Utc>,
) -> QueryResult<UserRow> {
    let materialised_until = now + policy.horizon;
    let user = UserRow::new(id, fields.clone(), materialised_until, now);
    let planned = plan_user(
        &user,
        policy.feb29,
        now - policy.catch_up,
        materialised_until,
    );
    if planned.is_empty() {
        return users::insert_user(conn, id, fields, materialised_until, now).await;
    }
    conn.transaction(async |conn| {
        let user = users::insert_user(conn, id, fields, materialised_until, now).await?;
        write_planned(conn, &user, &planned, policy, now, "NOTHING").await?;
        Ok(user)
    })
    .await
}

/// Brings an edited user's occurrences in line with its current dates and zone, for send
/// instants in `(now - catch_up, materialised_until]`: pending rows no longer planned are
/// cancelled, the rest rescheduled or created. Run it in the transaction of the user write.
pub async fn sync_user_occurrences(
    conn: &mut AsyncPgConnection,
    user: &UserRow,
    policy: &PlanningPolicy,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let planned = plan_user(
        user,
        policy.feb29,
        now - policy.catch_up,
        user.materialised_until,
    );
    let kinds: Vec<String> = planned.iter().map(|p| p.kind.as_str().to_owned()).collect();
    let dates: Vec<NaiveDate> = planned.iter().map(|p| p.local_date).collect();
    diesel::sql_query(
        "UPDATE occurrences
         SET status = 'cancelled', status_reason = $4, lease_until = NULL, updated_at = $5
         WHERE user_id = $1
           AND status IN ('scheduled', 'queued', 'retrying')
           AND (kind, local_date) NOT IN (SELECT * FROM unnest($2::text[], $3::date[]))",
    )
    .bind::<SqlUuid, _>(user.id)
    .bind::<Array<Text>, _>(kinds)
    .bind::<Array<Date>, _>(dates)
    .bind::<Text, _>(REASON_CHANGED)
    .bind::<Timestamptz, _>(now)
    .execute(conn)
    .await?;
    write_planned(conn, user, &planned, policy, now, UPSERT_PENDING).await
}

/// Writes planned rows for a user whose dates are known as of `now`: rows whose send time has
/// passed are `skipped` (the system learnt of them too late), the rest `scheduled`.
async fn write_planned(
    conn: &mut AsyncPgConnection,
    user: &UserRow,
    planned: &[PlannedOccurrence],
    policy: &PlanningPolicy,
    now: DateTime<Utc>,
    on_conflict: &str,
) -> QueryResult<()> {
    let mut rows = NewRows::default();
    for occurrence in planned {
        rows.push(user, occurrence, policy, now, "skipped");
    }
    write_rows(conn, rows, now, on_conflict).await?;
    Ok(())
}

/// Cancels every occurrence of the user that has not been handed to the e-mail service.
pub async fn cancel_pending_for_user(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    use crate::schema::occurrences::dsl as o;
    diesel::update(
        o::occurrences
            .filter(o::user_id.eq(user_id))
            .filter(o::status.eq_any(["scheduled", "queued", "retrying"])),
    )
    .set((
        o::status.eq("cancelled"),
        o::status_reason.eq(reason),
        o::lease_until.eq(None::<DateTime<Utc>>),
        o::updated_at.eq(now),
    ))
    .execute(conn)
    .await
}

/// What one materialiser batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaterialisedBatch {
    pub users: usize,
    pub occurrences: usize,
}

/// Extends the horizon of up to `batch_size` users whose rows end within half a horizon:
/// plans `(materialised_until, now + horizon]` for each, inserts the rows in one statement and
/// advances their watermark. Rows whose time passed while nobody materialised them (downtime)
/// are `scheduled`, so they are caught up or expired by the dispatcher. Users locked by a
/// concurrent edit are skipped and picked up by the next batch. Run it inside a transaction.
pub async fn materialise_batch(
    conn: &mut AsyncPgConnection,
    policy: &PlanningPolicy,
    now: DateTime<Utc>,
    batch_size: i64,
) -> QueryResult<MaterialisedBatch> {
    use crate::schema::users::dsl as u;
    let target = now + policy.horizon;
    // Refreshing at half the horizon touches each user about twice per horizon, not per tick.
    let refresh_before = now + policy.horizon / 2;
    let users: Vec<UserRow> = u::users
        .filter(u::deleted_at.is_null())
        .filter(u::materialised_until.lt(refresh_before))
        .order(u::materialised_until.asc())
        .limit(batch_size)
        .for_update()
        .skip_locked()
        .select(UserRow::as_select())
        .load(conn)
        .await?;
    if users.is_empty() {
        return Ok(MaterialisedBatch::default());
    }
    let mut rows = NewRows::default();
    for user in &users {
        for occurrence in plan_user(user, policy.feb29, user.materialised_until, target) {
            rows.push(user, &occurrence, policy, now, "scheduled");
        }
    }
    let occurrences = write_rows(conn, rows, now, "NOTHING").await?;
    let ids: Vec<Uuid> = users.iter().map(|user| user.id).collect();
    diesel::update(u::users.filter(u::id.eq_any(&ids)))
        .set(u::materialised_until.eq(target))
        .execute(conn)
        .await?;
    Ok(MaterialisedBatch {
        users: users.len(),
        occurrences,
    })
}
