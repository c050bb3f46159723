-- 001: departments, users, sessions, the audit log.
-- Applied by lifelined at start, in one transaction with the others.

CREATE TABLE departments (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    name_zh     text NOT NULL,
    name_en     text NOT NULL,
    tier        text CHECK (tier IN ('30m', '6h', '24h', 'command')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9._-]{1,64}$'),
    display_name  text,
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'it', 'leader', 'nurse', 'doctor',
                                               'pharmacist', 'cashier', 'medtech', 'viewer')),
    department    text REFERENCES departments (code) ON UPDATE CASCADE,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Bearer tokens, stored only as their SHA-256.
CREATE TABLE sessions (
    token_hash  text PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Who did what, when, to which object, and how it ended. Append-only.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint,
    actor       text,
    action      text NOT NULL,
    object_type text,
    object_id   text,
    outcome     text NOT NULL CHECK (outcome IN ('ok', 'denied', 'invalid', 'conflict', 'error')),
    status      integer NOT NULL,
    request_id  text,
    detail      jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
