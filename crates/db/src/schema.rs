// @generated automatically by Diesel CLI.

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        name -> Text,
        prefix -> Text,
        key_sha256 -> Bytea,
        scopes -> Array<Nullable<Text>>,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    delivery_attempts (id) {
        id -> Int8,
        occurrence_id -> Uuid,
        attempt -> Int4,
        started_at -> Timestamptz,
        duration_ms -> Int4,
        outcome -> Text,
        http_status -> Nullable<Int4>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    occurrences (id) {
        id -> Uuid,
        user_id -> Uuid,
        kind -> Text,
        local_date -> Date,
        send_at -> Timestamptz,
        deadline_at -> Timestamptz,
        due_at -> Timestamptz,
        timezone -> Text,
        send_rule -> Text,
        status -> Text,
        status_reason -> Nullable<Text>,
        attempts -> Int4,
        claim_seq -> Int4,
        lease_until -> Nullable<Timestamptz>,
        message -> Nullable<Text>,
        email -> Nullable<Text>,
        delivered_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        first_name -> Text,
        last_name -> Text,
        email -> Text,
        timezone -> Text,
        birthday -> Nullable<Date>,
        anniversary -> Nullable<Date>,
        location -> Nullable<Text>,
        materialised_until -> Timestamptz,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(delivery_attempts -> occurrences (occurrence_id));
diesel::joinable!(occurrences -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(api_keys, delivery_attempts, occurrences, users,);
