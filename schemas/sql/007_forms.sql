-- 007: paper forms (issue 5): census snapshots taken from the HIS while it is
-- up, print jobs, and the print register — every serial printed on a sheet,
-- who printed it, when, in which outage, for which patient, and whether it
-- was voided.

CREATE TABLE census_snapshots (
    id          bigserial PRIMARY KEY,
    taken_at    timestamptz NOT NULL,
    source      text NOT NULL,
    -- A snapshot is stored whole or not at all; only complete ones are used.
    complete    boolean NOT NULL DEFAULT true,
    patients    int NOT NULL DEFAULT 0,
    -- {"hospital", "snapshot_time", "wards": {"ward-3": [patient...]}, "price_list": [...]}
    data        jsonb NOT NULL
);
CREATE INDEX census_snapshots_taken_idx ON census_snapshots (taken_at DESC) WHERE complete;

CREATE TABLE print_jobs (
    id           bigserial PRIMARY KEY,
    department   text NOT NULL REFERENCES departments (code) ON UPDATE CASCADE,
    outage_id    bigint REFERENCES outages (id),
    snapshot_id  bigint REFERENCES census_snapshots (id),
    requested_by text NOT NULL,
    created_at   timestamptz NOT NULL,
    items        jsonb NOT NULL,
    pages        int NOT NULL,
    status       text NOT NULL DEFAULT 'reserved' CHECK (status IN ('reserved', 'printed', 'failed')),
    error        text,
    handwrite    jsonb NOT NULL DEFAULT '[]'
);

-- Serials: "LL" + 7 digits + "-" + the number mod 97 (2 digits), so that a
-- mistyped digit or two swapped neighbours are caught when it is typed back.
CREATE SEQUENCE form_serial_seq;

CREATE TABLE form_serials (
    serial       text PRIMARY KEY,
    print_job_id bigint NOT NULL REFERENCES print_jobs (id),
    form         text NOT NULL,
    department   text NOT NULL REFERENCES departments (code) ON UPDATE CASCADE,
    patient      text,
    page         int NOT NULL,
    copy_label   text,
    outage_id    bigint REFERENCES outages (id),
    issued_by    text NOT NULL,
    issued_at    timestamptz NOT NULL,
    voided_at    timestamptz,
    voided_by    text,
    void_reason  text CHECK (length(void_reason) BETWEEN 1 AND 500)
);
CREATE INDEX form_serials_department_idx ON form_serials (department, issued_at);
CREATE INDEX form_serials_outage_idx ON form_serials (outage_id);
CREATE INDEX form_serials_job_idx ON form_serials (print_job_id, page);

-- Temporary outpatient and inpatient numbers (临时病历号段) for patients
-- registered on paper: each desk reserves a block, so that two desks never hand
-- out the same number; the blocks are recorded for the merge after recovery.
CREATE TABLE temp_number_counters (
    kind   text PRIMARY KEY CHECK (kind IN ('outpatient', 'inpatient')),
    prefix text NOT NULL,
    next   bigint NOT NULL CHECK (next >= 1)
);
INSERT INTO temp_number_counters (kind, prefix, next) VALUES ('outpatient', 'LSMZ', 1), ('inpatient', 'LSZY', 1);

CREATE TABLE temp_number_ranges (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL REFERENCES temp_number_counters (kind),
    department  text NOT NULL REFERENCES departments (code) ON UPDATE CASCADE,
    desk        text NOT NULL CHECK (length(desk) BETWEEN 1 AND 64),
    prefix      text NOT NULL,
    first       bigint NOT NULL,
    last        bigint NOT NULL CHECK (last >= first),
    digits      int NOT NULL DEFAULT 6,
    outage_id   bigint REFERENCES outages (id),
    reserved_by text NOT NULL,
    reserved_at timestamptz NOT NULL
);
CREATE INDEX temp_number_ranges_department_idx ON temp_number_ranges (department, id);
