/*
 * census_data — the fixed parts of the demo hospital (see census.h).
 *
 * Names and prices are plausible for a Chinese county-level general
 * hospital, not taken from any real one. Codes of the hospital's own
 * dictionaries (drugs XY..., allergens GM..., fee categories, routes,
 * frequencies) are local, as a Chinese HIS's are; diagnoses are ICD-10.
 * Changing a table changes the census every test sees: the integration
 * tests pin the counts and the rare names.
 */
#include "census.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *const census_hospital_name = "演示市第一人民医院";

const struct census_ward census_wards[] = {
	{ "ward-1", "内科一病区", "内科一病区护士站", CENSUS_MEDICAL, 32, 30, 2,
	  { "周建国", "吴晓梅" } },
	{ "ward-2", "内科二病区", "内科二病区护士站", CENSUS_MEDICAL, 32, 29, 2,
	  { "郑立新", "何丽华" } },
	/* Full: one patient lies on an extra bed (加1床). */
	{ "ward-3", "外科一病区", "外科一病区护士站", CENSUS_SURGICAL, 30, 31, 2,
	  { "冯志强", "陈海燕" } },
	{ "ward-4", "外科二病区", "外科二病区护士站", CENSUS_SURGICAL, 32, 30, 2,
	  { "许文斌", "高雅琴" } },
};
const size_t census_n_wards = N(census_wards);

/* The departments of Lifeline's plan (schemas/sql/002_departments.sql). */
const struct census_dept census_depts[] = {
	{ "leadership", "应急领导小组" },
	{ "info-centre", "信息中心" },
	{ "outpatient-registration", "门诊挂号" },
	{ "outpatient-billing", "门诊收费" },
	{ "admission", "住院登记处" },
	{ "outpatient-doctors", "门诊医生" },
	{ "pharmacy", "药房" },
	{ "inpatient-doctors", "住院医生" },
	{ "ward-1", "内科一病区护士站" },
	{ "ward-2", "内科二病区护士站" },
	{ "ward-3", "外科一病区护士站" },
	{ "ward-4", "外科二病区护士站" },
	{ "theatre", "手术室" },
	{ "lab", "检验科" },
	{ "imaging", "影像科" },
	{ "medtech-other", "其他医技科室" },
	{ "finance", "财务科（出院结算）" },
	{ "insurance", "医保办" },
	{ "outpatient-office", "门诊部" },
	{ "medical-affairs", "医务科" },
	{ "nursing", "护理部" },
	{ "hospital-office", "院办" },
	{ "general-services", "总务科" },
};
const size_t census_n_depts = N(census_depts);

const struct census_payer census_payers[] = {
	{ "org-payer-ybj", "演示市医疗保障局" },
	{ "org-payer-xnh", "演示县新型农村合作医疗管理中心" },
	{ "org-payer-gf", "演示市公费医疗管理办公室" },
};
const size_t census_n_payers = N(census_payers);

const struct census_fee census_fees[] = {
	{ "01", "自费", NULL, NULL, 20 },
	{ "02", "医保", "YB", &census_payers[0], 50 },
	{ "03", "新农合", "NH", &census_payers[1], 24 },
	{ "04", "公费", "GF", &census_payers[2], 6 },
};
const size_t census_n_fees = N(census_fees);

const struct census_route census_routes[] = {
	{ "po", "口服" },
	{ "iv", "静脉注射" },
	{ "ivgtt", "静脉滴注" },
	{ "im", "肌内注射" },
	{ "ih", "皮下注射" },
	{ "inh", "雾化吸入" },
	{ "sl", "舌下含服" },
};
const size_t census_n_routes = N(census_routes);

/* The wards' administration times (给药时间) for each frequency. */
const struct census_freq census_freqs[] = {
	{ "qd", "每日一次", 1, 1, "d", 1, { "08:00:00" } },
	{ "bid", "每日两次", 2, 1, "d", 2, { "08:00:00", "16:00:00" } },
	{ "tid", "每日三次", 3, 1, "d", 3, { "08:00:00", "12:00:00", "16:00:00" } },
	{ "qid", "每日四次", 4, 1, "d", 4, { "08:00:00", "12:00:00", "16:00:00", "20:00:00" } },
	{ "q8h", "每8小时一次", 1, 8, "h", 3, { "00:00:00", "08:00:00", "16:00:00" } },
	{ "q12h", "每12小时一次", 1, 12, "h", 2, { "08:00:00", "20:00:00" } },
	{ "qn", "每晚一次", 1, 1, "d", 1, { "20:00:00" } },
	{ "prn", "必要时", 0, 0, NULL, 0, { NULL } },
};
const size_t census_n_freqs = N(census_freqs);

#define MED CENSUS_MEDICAL
#define SURG CENSUS_SURGICAL
#define BOTH (CENSUS_MEDICAL | CENSUS_SURGICAL)
#define PEN CENSUS_PENICILLIN
#define CEPH CENSUS_CEPHALOSPORIN
#define NSAID CENSUS_NSAID

/* code, name, form, strength, strength unit, unit, price (fen), dose, dose unit,
 * route, frequencies, classes, wards. */
const struct census_drug census_drugs[] = {
	{ "XY001", "阿司匹林肠溶片", "片剂", 100, "mg", "片", 15, 100, "mg", "po", { "qd" }, NSAID, MED },
	{ "XY002", "苯磺酸氨氯地平片", "片剂", 5, "mg", "片", 82, 5, "mg", "po", { "qd" }, 0, BOTH },
	{ "XY003", "盐酸二甲双胍片", "片剂", 0.5, "g", "片", 12, 0.5, "g", "po", { "bid", "tid" }, 0, BOTH },
	{ "XY004", "阿托伐他汀钙片", "片剂", 20, "mg", "片", 126, 20, "mg", "po", { "qn" }, 0, MED },
	{ "XY005", "硫酸氢氯吡格雷片", "片剂", 75, "mg", "片", 285, 75, "mg", "po", { "qd" }, 0, MED },
	{ "XY006", "呋塞米注射液", "注射液", 20, "mg", "支", 62, 20, "mg", "iv", { "qd", "bid" }, 0, MED },
	{ "XY007", "螺内酯片", "片剂", 20, "mg", "片", 9, 20, "mg", "po", { "qd", "bid" }, 0, MED },
	{ "XY008", "酒石酸美托洛尔片", "片剂", 25, "mg", "片", 21, 25, "mg", "po", { "bid" }, 0, MED },
	{ "XY009", "门冬胰岛素注射液", "注射液", 300, "IU", "支", 6850, 6, "IU", "ih", { "tid" }, 0, BOTH },
	{ "XY010", "注射用头孢曲松钠", "注射用粉针", 1, "g", "瓶", 356, 2, "g", "ivgtt", { "qd" }, CEPH, MED },
	{ "XY011", "左氧氟沙星氯化钠注射液", "注射液", 0.5, "g", "瓶", 865, 0.5, "g", "ivgtt", { "qd" }, 0, MED },
	{ "XY012", "阿莫西林胶囊", "胶囊", 0.25, "g", "粒", 21, 0.5, "g", "po", { "tid" }, PEN, MED },
	{ "XY013", "盐酸氨溴索注射液", "注射液", 15, "mg", "支", 148, 30, "mg", "iv", { "bid" }, 0, MED },
	{ "XY014", "奥美拉唑肠溶胶囊", "胶囊", 20, "mg", "粒", 58, 20, "mg", "po", { "qd", "bid" }, 0, BOTH },
	{ "XY015", "注射用泮托拉唑钠", "注射用粉针", 40, "mg", "瓶", 1200, 40, "mg", "iv", { "qd", "bid" }, 0, MED },
	{ "XY016", "吸入用布地奈德混悬液", "混悬液", 1, "mg", "支", 785, 1, "mg", "inh", { "bid" }, 0, MED },
	{ "XY017", "硝酸甘油片", "片剂", 0.5, "mg", "片", 10, 0.5, "mg", "sl", { "prn" }, 0, MED },
	{ "XY018", "低分子量肝素钙注射液", "注射液", 4100, "IU", "支", 2500, 4100, "IU", "ih", { "q12h", "qd" }, 0, MED },
	{ "XY019", "华法林钠片", "片剂", 2.5, "mg", "片", 40, 2.5, "mg", "po", { "qn" }, 0, MED },
	{ "XY020", "氯化钾缓释片", "缓释片", 0.5, "g", "片", 15, 1, "g", "po", { "bid", "tid" }, 0, BOTH },
	{ "XY021", "单硝酸异山梨酯缓释片", "缓释片", 40, "mg", "片", 110, 40, "mg", "po", { "qd" }, 0, MED },
	{ "XY022", "缬沙坦胶囊", "胶囊", 80, "mg", "粒", 160, 80, "mg", "po", { "qd" }, 0, BOTH },
	{ "XY023", "注射用哌拉西林钠他唑巴坦钠", "注射用粉针", 4.5, "g", "瓶", 2800, 4.5, "g", "ivgtt", { "q8h" }, PEN, MED },
	{ "XY024", "多索茶碱注射液", "注射液", 0.1, "g", "支", 550, 0.2, "g", "ivgtt", { "qd" }, 0, MED },
	{ "XY025", "甲钴胺片", "片剂", 0.5, "mg", "片", 70, 0.5, "mg", "po", { "tid" }, 0, BOTH },
	{ "XY026", "地塞米松磷酸钠注射液", "注射液", 5, "mg", "支", 50, 5, "mg", "iv", { "qd" }, 0, MED },
	{ "XY027", "注射用头孢唑林钠", "注射用粉针", 1, "g", "瓶", 220, 1, "g", "ivgtt", { "q8h", "bid" }, CEPH, SURG },
	{ "XY028", "甲硝唑氯化钠注射液", "注射液", 0.5, "g", "瓶", 250, 0.5, "g", "ivgtt", { "q8h", "bid" }, 0, SURG },
	{ "XY029", "注射用帕瑞昔布钠", "注射用粉针", 40, "mg", "瓶", 3800, 40, "mg", "iv", { "q12h" }, NSAID, SURG },
	{ "XY030", "盐酸曲马多缓释片", "缓释片", 0.1, "g", "片", 180, 0.1, "g", "po", { "q12h", "prn" }, 0, SURG },
	{ "XY031", "盐酸哌替啶注射液", "注射液", 50, "mg", "支", 450, 50, "mg", "im", { "prn" }, 0, SURG },
	{ "XY032", "氨甲环酸注射液", "注射液", 0.5, "g", "支", 320, 1, "g", "ivgtt", { "qd", "bid" }, 0, SURG },
	{ "XY033", "布洛芬缓释胶囊", "胶囊", 0.3, "g", "粒", 60, 0.3, "g", "po", { "bid", "prn" }, NSAID, SURG },
	{ "XY034", "盐酸昂丹司琼注射液", "注射液", 8, "mg", "支", 600, 8, "mg", "iv", { "prn", "q12h" }, 0, SURG },
	{ "XY035", "乳果糖口服溶液", "口服溶液", 100, "mL", "瓶", 3600, 15, "mL", "po", { "tid" }, 0, BOTH },
	{ "XY036", "注射用艾司奥美拉唑钠", "注射用粉针", 40, "mg", "瓶", 1800, 40, "mg", "iv", { "qd", "bid" }, 0, SURG },
	{ "XY037", "复方氯化钠注射液", "注射液", 500, "mL", "瓶", 230, 500, "mL", "ivgtt", { "qd" }, 0, SURG },
	{ "XY038", "注射用头孢呋辛钠", "注射用粉针", 0.75, "g", "瓶", 480, 1.5, "g", "ivgtt", { "bid" }, CEPH, SURG },
	{ "XY039", "依诺肝素钠注射液", "注射液", 4000, "IU", "支", 3000, 4000, "IU", "ih", { "qd" }, 0, SURG },
	{ "XY040", "碳酸钙D3片", "片剂", 600, "mg", "片", 50, 600, "mg", "po", { "qd" }, 0, SURG },
	{ "XY041", "人血白蛋白", "注射液", 10, "g", "瓶", 38000, 10, "g", "ivgtt", { "qd" }, 0, SURG },
	{ "XY042", "盐酸利多卡因注射液", "注射液", 0.1, "g", "支", 60, 0.1, "g", "ih", { "prn" }, 0, SURG },
	{ "XY043", "复方磺胺甲噁唑片", "片剂", 0.48, "g", "片", 8, 0.96, "g", "po", { "bid" },
	  CENSUS_SULFONAMIDE, MED },
	{ "XY044", "蒙脱石散", "散剂", 3, "g", "袋", 95, 3, "g", "po", { "tid" }, 0, BOTH },
};
const size_t census_n_drugs = N(census_drugs);

const struct census_diagnosis census_diagnoses[] = {
	{ "I10", "原发性高血压", MED, true, { "XY002", "XY022", "XY008" } },
	{ "E11.9", "2型糖尿病", MED, true, { "XY003", "XY009", "XY025" } },
	{ "J18.9", "肺炎", MED, false, { "XY010", "XY011", "XY013", "XY012" } },
	{ "I50.9", "心力衰竭", MED, false, { "XY006", "XY007", "XY008" } },
	{ "J44.1", "慢性阻塞性肺疾病伴急性加重", MED, false, { "XY016", "XY024", "XY023", "XY026" } },
	{ "I63.9", "脑梗死", MED, false, { "XY001", "XY004", "XY005" } },
	{ "I25.1", "动脉粥样硬化性心脏病", MED, false, { "XY001", "XY004", "XY021", "XY017" } },
	{ "I48.9", "心房颤动", MED, false, { "XY019", "XY008", "XY018" } },
	{ "K92.2", "上消化道出血", MED, false, { "XY015", "XY014" } },
	{ "J45.9", "支气管哮喘", MED, false, { "XY016", "XY026", "XY024" } },
	{ "N39.0", "泌尿道感染", MED, false, { "XY043", "XY011" } },
	{ "E78.5", "高脂血症", 0, true, { "XY004" } },
	{ "E87.6", "低钾血症", 0, true, { "XY020" } },
	{ "K35.8", "急性阑尾炎", SURG, false, { "XY027", "XY028", "XY029" } },
	{ "K80.2", "胆囊结石", SURG, false, { "XY038", "XY036", "XY029" } },
	{ "K81.0", "急性胆囊炎", SURG, false, { "XY038", "XY028", "XY036" } },
	{ "K40.9", "腹股沟疝", SURG, false, { "XY030", "XY033" } },
	{ "C16.9", "胃恶性肿瘤", SURG, false, { "XY036", "XY041", "XY034", "XY031" } },
	{ "C18.9", "结肠恶性肿瘤", SURG, false, { "XY028", "XY038", "XY034", "XY041" } },
	{ "K56.7", "肠梗阻", SURG, false, { "XY036", "XY037", "XY028" } },
	{ "S72.0", "股骨颈骨折", SURG, false, { "XY039", "XY029", "XY040", "XY032" } },
	{ "S82.2", "胫骨骨干骨折", SURG, false, { "XY039", "XY033", "XY032" } },
	{ "M51.2", "腰椎间盘突出", SURG, false, { "XY033", "XY025", "XY030" } },
	{ "N20.0", "肾结石", SURG, false, { "XY033", "XY027", "XY042" } },
};
const size_t census_n_diagnoses = N(census_diagnoses);

const struct census_allergen census_allergens[] = {
	/* Penicillin allergy rules out cephalosporins too: the cautious ward rule. */
	{ "GM01", "青霉素", "medication", "high", "皮疹", PEN | CEPH, 40 },
	{ "GM02", "头孢菌素类", "medication", "low", "荨麻疹", CEPH, 15 },
	{ "GM03", "磺胺类药物", "medication", "low", "皮疹", CENSUS_SULFONAMIDE, 12 },
	{ "GM04", "阿司匹林", "medication", "high", "支气管痉挛", NSAID, 10 },
	{ "GM05", "碘造影剂", "medication", "high", "喉头水肿", 0, 8 },
	{ "GM06", "海鲜", "food", "low", "荨麻疹", 0, 10 },
	{ "GM07", "花粉", "environment", "low", "过敏性鼻炎", 0, 5 },
};
const size_t census_n_allergens = N(census_allergens);

/*
 * Names a form must get right. 𠮷 (U+20BB7) lies outside the Basic
 * Multilingual Plane and outside WenQuanYi Zen Hei; 鿍 (U+9FCD) is in the
 * BMP but also missing from that font (so a renderer must ask the font,
 * not the code point); 䶮 (U+4DAE, CJK Extension A) and 犇 淼 昇 堃 喆 垚
 * are uncommon but in the font. Two men named 张伟 share ward-2, as
 * namesakes do; 阿依古丽·买买提 is a Uyghur name with its middle dot.
 */
const struct census_named census_named[] = {
	{ 0, 3, "王", "𠮷", NULL, CENSUS_MALE },
	{ 0, 12, "张", "犇", NULL, CENSUS_MALE },
	{ 0, 20, "欧阳", "淼", NULL, CENSUS_FEMALE },
	{ 1, 5, "周", "𠮷娜", NULL, CENSUS_FEMALE },
	{ 1, 8, "李", "淼", NULL, CENSUS_FEMALE },
	{ 1, 16, "张", "伟", NULL, CENSUS_MALE },
	{ 1, 21, "买买提", "阿依古丽", "阿依古丽·买买提", CENSUS_FEMALE },
	{ 1, 27, "张", "伟", NULL, CENSUS_MALE },
	{ 2, 2, "陈", "𠮷祥", NULL, CENSUS_MALE },
	{ 2, 9, "赵", "昇", NULL, CENSUS_MALE },
	{ 2, 31, "司马", "堃", NULL, CENSUS_MALE },
	{ 3, 6, "刘", "䶮", NULL, CENSUS_MALE },
	{ 3, 14, "韦", "鿍", NULL, CENSUS_MALE },
	{ 3, 20, "孙", "喆", NULL, CENSUS_MALE },
	{ 3, 25, "黄", "垚", NULL, CENSUS_FEMALE },
};
const size_t census_n_named = N(census_named);

const char *const census_surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱",
	"胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯",
	"邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜",
	"叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭",
	"陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "方", "白", "邹", "孟", "熊",
	"秦", "邱", "江", "尹", "薛", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾",
};
const size_t census_n_surnames = N(census_surnames);

const char *const census_given_male[] = {
	"伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "平", "刚", "辉", "鹏", "华",
	"飞", "鑫", "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "旭", "宁", "龙", "林",
	"洋", "国", "建", "文", "志", "海", "东", "峰", "亮", "成", "德", "福",
};
const size_t census_n_given_male = N(census_given_male);

const char *const census_given_female[] = {
	"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "桂", "英", "丹", "萍",
	"红", "玉", "兰", "燕", "洁", "琳", "婷", "雪", "慧", "颖", "倩", "梅", "琴", "云",
	"莉", "蓉", "欣", "怡", "佳", "凤",
};
const size_t census_n_given_female = N(census_given_female);
