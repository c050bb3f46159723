-- 005: the outbox (issue 4, channels): every message Lifeline sends is first a
-- row here; the leader's delivery worker claims due rows with FOR UPDATE SKIP
-- LOCKED, sends them, and records the outcome. dedup_key is UNIQUE so that
-- queueing the same delivery twice is harmless.

CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    notice_id       bigint,
    department      text,
    channel         text NOT NULL CHECK (channel IN ('email', 'webhook', 'wecom', 'dingtalk', 'sms')),
    address         text NOT NULL CHECK (length(address) BETWEEN 1 AND 512),
    subject         text,
    body            text,
    payload         jsonb,
    drill           boolean NOT NULL DEFAULT false,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    claimed_by      text,
    claimed_until   timestamptz,
    dedup_key       text NOT NULL UNIQUE
);
-- What the worker scans at every tick: due rows, and claims whose lease ran out.
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_claimed_idx ON outbox (claimed_until) WHERE status = 'sending';
CREATE INDEX outbox_department_idx ON outbox (department, id);
