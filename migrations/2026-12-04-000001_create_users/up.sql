-- People who receive messages. Rows are soft-deleted so the delivery history keeps its owner.
CREATE TABLE users (
    id uuid PRIMARY KEY,
    first_name text NOT NULL CHECK (char_length(first_name) BETWEEN 1 AND 100),
    last_name text NOT NULL CHECK (char_length(last_name) BETWEEN 1 AND 100),
    email text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
    timezone text NOT NULL,
    birthday date,
    anniversary date,
    location text,
    -- Occurrences exist for every send instant up to here; the scheduler's materialiser moves
    -- it forward in batches.
    materialised_until timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz
);

-- E-mail addresses are unique among live users, ignoring case.
CREATE UNIQUE INDEX users_live_email_key ON users (lower(email)) WHERE deleted_at IS NULL;

-- The materialiser's batch scan: live users whose horizon needs extending.
CREATE INDEX users_materialise_idx ON users (materialised_until) WHERE deleted_at IS NULL;
