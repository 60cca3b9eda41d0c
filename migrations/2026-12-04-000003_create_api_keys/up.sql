-- API keys for the api. Only a SHA-256 digest of each key is kept: the key itself is shown
-- once, when it is minted (`greetings-api keys create`). Keys are 256 random bits, so a fast
-- digest is enough; a slow password hash would only add latency to every request.
CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    -- The key's first characters, so an operator can tell keys apart in a listing.
    prefix text NOT NULL,
    key_sha256 bytea NOT NULL UNIQUE CHECK (octet_length(key_sha256) = 32),
    scopes text[] NOT NULL CHECK (cardinality(scopes) >= 1),
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
