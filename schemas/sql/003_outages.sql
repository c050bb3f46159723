-- 003: outages, their timeline, problem reports, and the last known state of
-- each monitored target.

CREATE TABLE outages (
    id              bigserial PRIMARY KEY,
    status          text NOT NULL CHECK (status IN ('suspected', 'confirmed', 'manual', 'recovering',
                                                    'resolved', 'reviewed', 'dismissed')),
    level           text NOT NULL CHECK (level IN ('1', '2', '3', 'other')),
    proposed_level  text NOT NULL CHECK (proposed_level IN ('1', '2', '3', 'other')),
    drill           boolean NOT NULL DEFAULT false,
    time_scale      double precision NOT NULL DEFAULT 1 CHECK (time_scale > 0),
    -- The breakpoint: when the first failure was seen. Every threshold counts from it.
    breakpoint      timestamptz NOT NULL,
    detected_at     timestamptz NOT NULL,
    confirmed_at    timestamptz,
    manual_start_at timestamptz,
    recovering_at   timestamptz,
    resolved_at     timestamptz,
    reviewed_at     timestamptz,
    reason          text,
    opened_by       text NOT NULL,
    targets         text[] NOT NULL DEFAULT '{}',
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- At most one real (non-drill) outage is open at a time, whatever the number
-- of lifelined instances: the database, not the process, guarantees it.
CREATE UNIQUE INDEX outages_one_open ON outages ((true))
    WHERE status IN ('suspected', 'confirmed', 'manual', 'recovering') AND NOT drill;
CREATE INDEX outages_status_idx ON outages (status);

-- The timeline: every state change, level change, report and recovery step.
CREATE TABLE outage_events (
    id         bigserial PRIMARY KEY,
    outage_id  bigint NOT NULL REFERENCES outages (id),
    at         timestamptz NOT NULL,
    kind       text NOT NULL,
    actor      text NOT NULL,
    detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX outage_events_outage_idx ON outage_events (outage_id, at, id);

CREATE TABLE problem_reports (
    id          bigserial PRIMARY KEY,
    outage_id   bigint REFERENCES outages (id),
    at          timestamptz NOT NULL,
    reporter    text NOT NULL,
    department  text REFERENCES departments (code),
    kind        text NOT NULL CHECK (kind IN ('slow', 'cannot_save', 'cannot_login', 'network',
                                              'program_error', 'operator_error', 'other')),
    text        text NOT NULL
);
CREATE INDEX problem_reports_outage_idx ON problem_reports (outage_id);

CREATE TABLE target_states (
    name        text PRIMARY KEY,
    state       text NOT NULL CHECK (state IN ('unknown', 'up', 'suspect', 'down')),
    since       timestamptz NOT NULL,
    breakpoint  timestamptz,
    affected_by text,
    flapping    boolean NOT NULL DEFAULT false,
    last_error  text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
