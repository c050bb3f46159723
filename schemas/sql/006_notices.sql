-- 006: the notice plan (issue 4). A notice is one message to one department
-- at one moment of one outage ("switch to paper", "stand by", "resume"...).
-- The leader's planner writes the notices an outage needs; its sender takes
-- each through its steps (sent, repeated, escalated to the head, escalated
-- to the leadership group) by claiming it with FOR UPDATE SKIP LOCKED and
-- committing the step together with the step's outbox rows, so that a crash
-- at any moment neither loses nor repeats a step.

-- What each department prints when it goes to paper, and which backfill
-- records it is expected to enter after recovery (form and record-type codes
-- of the forms and backfill issues).
ALTER TABLE departments
    ADD COLUMN forms    text[] NOT NULL DEFAULT '{breakpoint-record}',
    ADD COLUMN backfill text[] NOT NULL DEFAULT '{}';

UPDATE departments SET forms = '{registration-log,invoice-register,breakpoint-record}',
    backfill = '{outpatient_registration,manual_invoice}' WHERE code = 'outpatient-registration';
UPDATE departments SET forms = '{invoice-register,price-list,breakpoint-record}',
    backfill = '{outpatient_prescription,manual_invoice}' WHERE code = 'outpatient-billing';
UPDATE departments SET forms = '{admission-register,invoice-register,breakpoint-record}',
    backfill = '{admission,manual_invoice}' WHERE code = 'admission';
UPDATE departments SET forms = '{outpatient-prescription,lab-request,breakpoint-record}',
    backfill = '{exam_request}' WHERE code = 'outpatient-doctors';
UPDATE departments SET forms = '{price-list,breakpoint-record}',
    backfill = '{dispense}' WHERE code = 'pharmacy';
UPDATE departments SET forms = '{order-sheet,lab-request,breakpoint-record}',
    backfill = '{inpatient_order}' WHERE code = 'inpatient-doctors';
UPDATE departments SET forms = '{ward-census,mar,order-sheet,drug-requisition,fee-record,lab-request,breakpoint-record}',
    backfill = '{drug_requisition,fee_execution}' WHERE code LIKE 'ward-%';
UPDATE departments SET forms = '{drug-requisition,fee-record,breakpoint-record}',
    backfill = '{drug_requisition,fee_execution}' WHERE code = 'theatre';
UPDATE departments SET forms = '{lab-request,fee-record,breakpoint-record}',
    backfill = '{exam_request,exam_fee}' WHERE code IN ('lab', 'imaging', 'medtech-other');
UPDATE departments SET forms = '{discharge-settlement,invoice-register,breakpoint-record}',
    backfill = '{discharge_settlement,manual_invoice}' WHERE code = 'finance';

CREATE TABLE notices (
    id              bigserial PRIMARY KEY,
    outage_id       bigint NOT NULL REFERENCES outages (id),
    department      text NOT NULL REFERENCES departments (code) ON UPDATE CASCADE,
    -- level-1 | level-2 | level-3 | level-other | paper-30m | paper-6h | paper-24h |
    -- manual-start | resume | review
    moment          text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('alert', 'log', 'paper', 'manual', 'resume', 'review')),
    -- department: everyone's contacts; head: the head's (the group's when
    -- there is no head contact); log: in the application only.
    audience        text NOT NULL CHECK (audience IN ('department', 'head', 'log')),
    drill           boolean NOT NULL,
    wants_ack       boolean NOT NULL,
    due_at          timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'planned'
                    CHECK (status IN ('planned', 'open', 'sent', 'acknowledged', 'closed', 'cancelled')),
    -- 0 planned, 1 sent, 2 repeated, 3 escalated to the head, 4 escalated to
    -- the leadership group.
    step            int NOT NULL DEFAULT 0 CHECK (step BETWEEN 0 AND 4),
    next_at         timestamptz,
    claimed_by      text,
    claimed_until   timestamptz,
    -- The unified manual start time the text named (NULL: not announced yet).
    manual_start_at timestamptz,
    subject_zh      text,
    body_zh         text,
    subject_en      text,
    body_en         text,
    sent_at         timestamptz,
    repeated_at     timestamptz,
    escalated_head_at       timestamptz,
    escalated_leadership_at timestamptz,
    acked_at        timestamptz,
    acked_by        text,
    ack_note        text CHECK (length(ack_note) <= 1000),
    ack_via         text CHECK (ack_via IN ('web', 'cli', 'api', 'link')),
    closed_at       timestamptz,
    closed_reason   text,
    created_at      timestamptz NOT NULL,
    -- The plan makes each notice once: replanning finds it here.
    UNIQUE (outage_id, moment, department)
);
CREATE INDEX notices_next_idx ON notices (next_at) WHERE status IN ('planned', 'open');
CREATE INDEX notices_department_idx ON notices (department, id);
CREATE INDEX notices_outage_idx ON notices (outage_id, id);

-- Every step of every notice, for the fault report.
CREATE TABLE notice_events (
    id         bigserial PRIMARY KEY,
    notice_id  bigint NOT NULL REFERENCES notices (id),
    at         timestamptz NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('planned', 'sent', 'repeated', 'escalated_head',
                                             'escalated_leadership', 'acknowledged', 'closed',
                                             'cancelled', 'replanned')),
    actor      text NOT NULL,
    detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX notice_events_notice_idx ON notice_events (notice_id, id);

-- One-time acknowledgement links: every message that wants an answer carries
-- its own; only the SHA-256 of the token is kept.
CREATE TABLE notice_links (
    token_hash  text PRIMARY KEY,
    notice_id   bigint NOT NULL REFERENCES notices (id),
    address     text NOT NULL,
    created_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX notice_links_notice_idx ON notice_links (notice_id);
CREATE INDEX outbox_notice_idx ON outbox (notice_id) WHERE notice_id IS NOT NULL;
