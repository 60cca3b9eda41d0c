-- One row per message: a user's occasion on one local date. Its id is the message id and the
-- Idempotency-Key the e-mail service sees.
CREATE TABLE occurrences (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    kind text NOT NULL CHECK (kind ~ '^[a-z_]{1,32}$'),
    local_date date NOT NULL,
    -- The intended instant (09:00 local) and the end of its catch-up window.
    send_at timestamptz NOT NULL,
    deadline_at timestamptz NOT NULL CHECK (deadline_at >= send_at),
    -- When the scheduler may next claim it: send_at at first, the next retry after a failure.
    due_at timestamptz NOT NULL,
    timezone text NOT NULL,
    send_rule text NOT NULL,
    status text NOT NULL CHECK (status IN (
        'scheduled', 'queued', 'sending', 'retrying',
        'delivered', 'failed', 'expired', 'cancelled', 'skipped')),
    status_reason text,
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- Bumped by every claim; a broker message carries the value it was published with, so a
    -- stale or duplicated message can never move the row.
    claim_seq integer NOT NULL DEFAULT 0,
    -- While queued or sending: when the claim is considered abandoned and may be re-claimed.
    lease_until timestamptz,
    -- The text and address actually sent (snapshotted at delivery; redacted on user delete).
    message text,
    email text,
    delivered_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT occurrences_once_per_local_date UNIQUE (user_id, kind, local_date)
);

-- The hot claim path: only rows waiting to be sent, in due order. Kept small on purpose.
CREATE INDEX occurrences_due_idx ON occurrences (due_at)
    WHERE status IN ('scheduled', 'retrying');

-- Leases to reap when a scheduler or worker died holding them.
CREATE INDEX occurrences_lease_idx ON occurrences (lease_until)
    WHERE status IN ('queued', 'sending');

-- Operator queries by status and time.
CREATE INDEX occurrences_status_send_at_idx ON occurrences (status, send_at);

-- Every call to the e-mail service, for audit and for counting duplicates.
CREATE TABLE delivery_attempts (
    id bigserial PRIMARY KEY,
    occurrence_id uuid NOT NULL REFERENCES occurrences (id),
    attempt integer NOT NULL CHECK (attempt >= 1),
    started_at timestamptz NOT NULL,
    duration_ms integer NOT NULL CHECK (duration_ms >= 0),
    -- delivered | retryable | permanent | timeout | connect
    outcome text NOT NULL,
    http_status integer,
    error text
);

CREATE INDEX delivery_attempts_occurrence_idx ON delivery_attempts (occurrence_id);
