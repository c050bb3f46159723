-- 004: who a department is (issue 4): its head, its contacts (e-mail, phone,
-- webhooks), and when it last checked them. Members are the users whose
-- users.department is the code, plus the contacts whose role is 'member'.
-- The contacts seeded here belong to the fictional demo hospital.

ALTER TABLE departments
    ADD COLUMN head_user_id         bigint REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN head_name            text CHECK (length(head_name) BETWEEN 1 AND 128),
    ADD COLUMN updated_at           timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN contacts_verified_at timestamptz;

CREATE TABLE department_contacts (
    id          bigserial PRIMARY KEY,
    department  text NOT NULL REFERENCES departments (code) ON UPDATE CASCADE ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('email', 'phone', 'webhook', 'wecom', 'dingtalk', 'sms')),
    address     text NOT NULL CHECK (length(address) BETWEEN 1 AND 512),
    name        text CHECK (length(name) BETWEEN 1 AND 128),
    role        text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'head', 'deputy', 'group')),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- One address reaches a department once per channel; an import upserts on it.
    UNIQUE (department, kind, address)
);
CREATE INDEX department_contacts_role_idx ON department_contacts (department, role) WHERE active;

-- Every department has a group mailbox.
INSERT INTO department_contacts (department, kind, address, name, role)
SELECT code, 'email', code || '@demo-hospital.local', name_zh, 'group' FROM departments;

-- The heads the plan names: the information-centre director (§2, level 2) and
-- the leadership group's convener; a duty phone for the departments of the
-- first tier.
UPDATE departments SET head_name = '王磊（信息中心主任）' WHERE code = 'info-centre';
UPDATE departments SET head_name = '李明（副院长，应急领导小组组长）' WHERE code = 'leadership';

INSERT INTO department_contacts (department, kind, address, name, role) VALUES
    ('info-centre', 'email', 'director.info@demo-hospital.local', '王磊（信息中心主任）', 'head'),
    ('info-centre', 'phone', '+86-10-5555-0100', '王磊（信息中心主任）', 'head'),
    ('info-centre', 'phone', '+86-10-5555-0101', '信息中心值班电话', 'group'),
    ('leadership', 'email', 'vp.li@demo-hospital.local', '李明（副院长）', 'head'),
    ('leadership', 'phone', '+86-10-5555-0001', '李明（副院长）', 'head');

INSERT INTO department_contacts (department, kind, address, name, role)
SELECT code, 'phone', '+86-10-5555-' || lpad((200 + row_number() OVER (ORDER BY code))::text, 4, '0'),
       name_zh || '值班电话', 'group'
FROM departments WHERE tier = '30m';
