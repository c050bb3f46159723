-- 002: the departments of the hospital's emergency plan (§2, §5, §6), with
-- the tier that decides when each switches to paper. Editable later through
-- the API; these are the demo hospital's defaults.

INSERT INTO departments (code, name_zh, name_en, tier) VALUES
    ('leadership',              '应急领导小组',     'Emergency leadership group',      'command'),
    ('info-centre',             '信息中心',         'Information centre',              'command'),
    ('outpatient-registration', '门诊挂号',         'Outpatient registration',         '30m'),
    ('outpatient-billing',      '门诊收费',         'Outpatient billing',              '30m'),
    ('admission',               '住院登记处',       'Inpatient admission',             '30m'),
    ('outpatient-doctors',      '门诊医生',         'Outpatient doctors',              '30m'),
    ('pharmacy',                '药房',             'Pharmacy',                        '30m'),
    ('inpatient-doctors',       '住院医生',         'Inpatient doctors',               '6h'),
    ('ward-1',                  '内科一病区护士站', 'Medical ward 1 nurse station',    '6h'),
    ('ward-2',                  '内科二病区护士站', 'Medical ward 2 nurse station',    '6h'),
    ('ward-3',                  '外科一病区护士站', 'Surgical ward 1 nurse station',   '6h'),
    ('ward-4',                  '外科二病区护士站', 'Surgical ward 2 nurse station',   '6h'),
    ('theatre',                 '手术室',           'Operating theatres',              '6h'),
    ('lab',                     '检验科',           'Laboratory (LIS)',                '6h'),
    ('imaging',                 '影像科',           'Imaging (PACS)',                  '6h'),
    ('medtech-other',           '其他医技科室',     'Other medical-technology depts',  '6h'),
    ('finance',                 '财务科（出院结算）', 'Finance / discharge settlement', '24h'),
    ('insurance',               '医保办',           'Medical-insurance office',        '24h'),
    ('outpatient-office',       '门诊部',           'Outpatient office',               '24h'),
    ('medical-affairs',         '医务科',           'Medical affairs',                 '24h'),
    ('nursing',                 '护理部',           'Nursing department',              '24h'),
    ('hospital-office',         '院办',             'Hospital office',                 '24h'),
    ('general-services',        '总务科',           'General services',                '24h');
