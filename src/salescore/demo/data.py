"""The demo tenant's world as data: organisation, scales, industries, markets, foreign countries.

The companies and cases follow the two source articles (`seeds/`): industrial filter media in
绍兴, precision moulds in 东莞, a medical-device distributor, smart warehousing in 常州, FMCG
distributors, a 杭州 beauty chain with stores. Names are generated, never real companies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TENANT_NAME = "演示公司 salescore demo"
PASSWORD = "salescore-demo"
EMAIL_DOMAIN = "demo.salescore.dev"
ADMIN_EMAIL = f"admin@{EMAIL_DOMAIN}"
DOCS_URL = "http://127.0.0.1:8000/docs"

STAGES = ("初谈", "报价", "样机测试", "终审", "签约")
CNY_PER_UNIT = {"CNY": 1.0, "USD": 7.2, "EUR": 7.8, "THB": 0.2, "MYR": 1.55}


@dataclass(frozen=True)
class Scale:
    customers: int
    follow_ups: int
    deals: int
    reps_per_team: int
    store_reps: int


SCALES = {
    "S": Scale(customers=200, follow_ups=4_000, deals=300, reps_per_team=4, store_reps=3),
    "M": Scale(customers=100_000, follow_ups=1_000_000, deals=200_000, reps_per_team=40, store_reps=20),
    "L": Scale(customers=200_000, follow_ups=2_000_000, deals=400_000, reps_per_team=60, store_reps=30),
}


@dataclass(frozen=True)
class Market:
    industry: str
    weight: int
    cities: tuple[str, ...]


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    name: str
    region: str
    kind: str
    manager: str
    weight: int  # share of the tenant's customers
    markets: tuple[Market, ...]
    # Named reps first (the article's 张磊 sends many proposals and closes none).
    named_reps: tuple[str, ...] = ()


TEAMS = (
    TeamSpec("huadong", "华东", "华东", "sales", "王海涛", 34, (
        Market("工业滤材", 35, ("绍兴", "杭州", "宁波", "湖州", "嘉兴", "苏州", "无锡")),
        Market("智能仓储", 25, ("常州", "南京", "无锡", "上海", "苏州", "合肥")),
        Market("医疗器械", 20, ("杭州", "宁波", "温州", "金华", "台州")),
        Market("快消", 20, ("上海", "杭州", "南京", "合肥", "徐州")),
    ), named_reps=("张磊",)),
    TeamSpec("huanan", "华南", "华南", "sales", "李志强", 30, (
        Market("精密模具", 50, ("东莞", "深圳", "佛山", "中山", "惠州")),
        Market("快消", 20, ("广州", "深圳", "南宁", "厦门", "海口")),
        Market("医疗器械", 15, ("广州", "深圳", "汕头")),
        Market("智能仓储", 15, ("广州", "佛山", "东莞")),
    )),
    TeamSpec("xinan", "西南", "西南", "sales", "刘洋", 24, (
        Market("医疗器械", 40, ("成都", "重庆", "昆明", "贵阳", "绵阳")),
        Market("快消", 30, ("成都", "重庆", "昆明", "贵阳", "南充")),
        Market("智能仓储", 15, ("成都", "重庆")),
        Market("工业滤材", 15, ("攀枝花", "宜宾", "遵义")),
    )),
    TeamSpec("store", "杭州门店", "华东", "store", "赵丽", 12, (
        Market("美妆零售", 100, ("杭州",)),
    )),
)

DIRECTOR = ("陈建国", "director")
ADMIN_NAME = "周敏"
STAFF = (  # (name, department, email local part)
    ("孙志刚", "tech", "tech"),
    ("吴晓峰", "tech", "tech2"),
    ("郑雨桐", "product", "product"),
    ("钱佩玲", "finance", "finance"),
)


@dataclass(frozen=True)
class Industry:
    name: str
    company_words: tuple[str, ...]
    products: tuple[str, ...]
    competitors: tuple[str, ...]
    tags: tuple[str, ...]
    deal_range: tuple[int, int]  # CNY
    purchase_range: tuple[int, int]  # CNY per year
    channels: tuple[tuple[str, int], ...]
    titles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    core_needs: tuple[str, ...] = ()  # ≤ 15 characters (proposal_sent.core_need)


_B2B_CHANNELS = (
    ("call", 30), ("wechat", 25), ("visit", 20), ("meeting", 10), ("email", 8), ("demo", 5), ("other", 2),
)

INDUSTRIES = {
    i.name: i
    for i in (
        Industry(
            "工业滤材", ("化纤", "热电", "水泥", "钢铁", "环保科技", "印染", "化工", "玻璃"),
            ("PTFE覆膜滤袋", "袋式除尘滤袋", "折叠滤芯", "熔喷滤材", "针刺毡滤料", "高温玻纤滤料"),
            ("颇尔", "东丽", "3M", "江苏同行", "安徽低价厂家"),
            ("超低排放改造", "年度框架", "环保督查", "高温工况", "老客户"),
            (60_000, 900_000), (200_000, 5_000_000), _B2B_CHANNELS,
            {"technical": ("设备部经理", "环保主管", "工艺工程师"), "procurement": ("采购经理", "采购主管"),
             "finance": ("财务经理",), "executive": ("总经理", "生产副总"), "user": ("车间主任",),
             "other": ("总经理助理",)},
            ("延长滤袋寿命", "降低排放浓度", "降低更换成本", "缩短停机时间", "满足超低排放"),
        ),
        Industry(
            "精密模具", ("汽车零部件", "新能源科技", "电子", "精密塑胶", "家电", "五金制品"),
            ("注塑模具", "压铸模具", "冲压模具", "电池壳体模具", "双色模具"),
            ("宁波模具厂", "台资模具厂", "昆山同行", "日系模具商"),
            ("新能源", "新设工厂", "3C电子", "汽车配套", "出口"),
            (150_000, 3_500_000), (300_000, 12_000_000), _B2B_CHANNELS,
            {"technical": ("模具工程师", "研发经理", "技术总监"), "procurement": ("采购经理", "供应链经理"),
             "finance": ("财务总监",), "executive": ("总经理", "厂长"), "user": ("注塑车间主任",),
             "other": ("项目助理",)},
            ("缩短试模周期", "提高模具寿命", "降低单件成本", "保证尺寸精度", "快速交付T1"),
        ),
        Industry(
            "医疗器械", ("医疗器械", "医药", "医疗科技", "生物科技", "医疗设备"),
            ("多参数监护仪", "彩色超声诊断仪", "电子内窥镜", "输液泵", "呼吸机"),
            ("迈瑞", "飞利浦", "GE医疗", "开立", "本地代理商"),
            ("三甲医院", "县域医共体", "设备更新", "集采", "临床试用"),
            (120_000, 2_800_000), (300_000, 8_000_000),
            (("visit", 35), ("call", 25), ("wechat", 20), ("meeting", 10), ("demo", 6), ("email", 4)),
            {"technical": ("设备科主任", "临床工程师"), "procurement": ("采购科科长", "招采办主任"),
             "finance": ("财务处处长",), "executive": ("副院长", "院长"), "user": ("科室主任", "护士长"),
             "other": ("院办秘书",)},
            ("通过院内初筛", "临床试用达标", "售后响应及时", "符合集采价格", "科室培训到位"),
        ),
        Industry(
            "智能仓储", ("物流", "供应链", "电商", "医药物流", "冷链", "电器"),
            ("四向穿梭车系统", "堆垛机立体库", "WMS仓储管理系统", "AGV搬运机器人", "箱式输送线"),
            ("德马泰克", "今天国际", "昆船", "海康机器人", "本地集成商"),
            ("自动化改造", "双十一", "立体库", "医药GSP", "政府补贴"),
            (400_000, 9_000_000), (500_000, 20_000_000),
            (("meeting", 25), ("visit", 25), ("call", 20), ("wechat", 15), ("email", 10), ("demo", 5)),
            {"technical": ("信息部经理", "物流总监", "仓储经理"), "procurement": ("采购总监",),
             "finance": ("财务总监", "CFO"), "executive": ("总经理", "董事长"), "user": ("仓库主管",),
             "other": ("项目秘书",)},
            ("提升存储密度", "降低人工成本", "对接现有ERP", "旺季前上线", "提高出库效率"),
        ),
        Industry(
            "快消", ("商贸", "食品", "贸易", "商行", "连锁超市", "副食品"),
            ("饮料", "休闲食品", "乳制品", "日化洗护", "调味品"),
            ("康师傅", "统一", "娃哈哈", "区域品牌"),
            ("一级经销商", "二批商", "商超渠道", "餐饮渠道", "返点敏感"),
            (20_000, 600_000), (100_000, 6_000_000),
            (("wechat", 40), ("call", 30), ("visit", 25), ("other", 5)),
            {"technical": ("运营经理",), "procurement": ("采购经理", "老板娘"), "finance": ("会计",),
             "executive": ("老板", "总经理"), "user": ("业务主管", "仓管"), "other": ("店长",)},
            ("提高返点比例", "陈列费用支持", "稳定供货", "动销支持", "账期延长"),
        ),
        Industry(
            "美妆零售", ("科技", "网络", "文化传媒", "教育科技"),
            ("精华液", "面膜礼盒", "防晒霜", "彩妆套装", "会员储值卡"),
            ("丝芙兰", "屈臣氏", "直播间低价", "海外代购"),
            ("VIP会员", "敏感肌", "生日月", "直播引流", "团购"),
            (300, 20_000), (1_000, 60_000),
            (("wechat", 50), ("visit", 30), ("call", 10), ("demo", 10)),
            {"user": ("本人",), "procurement": ("行政主管",), "finance": ("财务",), "executive": ("总经理",),
             "other": ("助理",)},
            ("敏感肌修护", "美白淡斑", "节日礼盒", "员工福利采购"),
        ),
    )
}


@dataclass(frozen=True)
class Country:
    name: str
    region: str
    weight: int
    cities: tuple[str, ...]
    currency: str
    brands: tuple[str, ...]
    pattern: str  # {brand} {word}
    people: tuple[str, ...]


# Share of a team's customers abroad (export business of 华南 and 华东).
FOREIGN_SHARE = {"huanan": 0.12, "huadong": 0.06}
FOREIGN_CHANNELS = (("email", 35), ("meeting", 25), ("wechat", 15), ("call", 15), ("visit", 10))
FOREIGN_WORDS = {
    "工业滤材": "Filtration", "精密模具": "Precision Mould", "智能仓储": "Logistics",
    "医疗器械": "Medical", "快消": "Trading",
}
COUNTRIES = (
    Country("越南", "东南亚", 30, ("胡志明市", "河内", "海防", "北宁"), "USD",
            ("Minh Phat", "Hoa Binh", "Thanh Cong", "An Phu", "Duc Thanh"), "{brand} {word} JSC",
            ("Nguyen Van An", "Tran Thi Mai", "Le Minh Duc", "Pham Thu Ha")),
    Country("泰国", "东南亚", 25, ("曼谷", "春武里", "罗勇"), "THB",
            ("Siam Kasem", "Chai Charoen", "Rattana", "Sombat"), "{brand} {word} Co., Ltd.",
            ("Somchai Wongsa", "Niran Chaiyo", "Kanya Srisuk")),
    Country("印度尼西亚", "东南亚", 20, ("雅加达", "泗水", "勿加泗"), "USD",
            ("Sinar Jaya", "Maju Bersama", "Karya Abadi", "Mitra Sejati"), "PT {brand} {word}",
            ("Budi Santoso", "Siti Rahayu", "Agus Wijaya")),
    Country("马来西亚", "东南亚", 15, ("吉隆坡", "槟城", "新山"), "MYR",
            ("Gemilang", "Sri Murni", "Bintang Timur"), "{brand} {word} Sdn. Bhd.",
            ("Ahmad Faizal", "Tan Wei Ming", "Nurul Huda")),
    Country("德国", "欧洲", 10, ("斯图加特", "慕尼黑"), "EUR",
            ("Schwarzwald", "Neckartal", "Isar"), "{brand} {word} GmbH",
            ("Klaus Weber", "Anna Schmidt", "Jonas Keller")),
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超霞平刚英华建国志红斌辉鹏宇浩凯婷雪琳晨欣怡佳颖涵思远博文航俊峰燕兰东梅宏新嘉诚"
BRAND_FIRST = "恒华宏鑫盛达兴隆泰安瑞丰永康利嘉合源顺通明远诚德新天博创中金凯宝昌海鸿万卓锦科亿祥辉"
BRAND_SECOND = "达华盛泰源丰鑫通隆兴昌宇辉腾越发信益宏邦瑞美成凯正和润晟业洲"
COMPANY_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")

LIFECYCLES = (("lead", 30), ("prospect", 35), ("customer", 28), ("lost", 7))
SOURCES = (("展会", 20), ("转介绍", 20), ("官网询盘", 15), ("电话陌拜", 15), ("招投标", 10),
           ("老客户复购", 10), ("线上广告", 10))
FOREIGN_SOURCES = (("阿里巴巴国际站", 40), ("海外展会", 35), ("转介绍", 25))
STORE_SOURCES = (("到店", 40), ("小红书", 20), ("抖音直播", 20), ("老会员推荐", 20))
GENERIC_TAGS = ("重点客户", "价格敏感", "决策链长", "展会线索", "转介绍", "回款慢")
LOST_REASONS = ("价格", "竞品", "预算取消", "交付周期", "技术不匹配", "决策延期")
# What a rep says → the tenant's loss-reason code (postmortem/defaults.py).
LOST_REASON_CODES = {"价格": "price", "竞品": "competitor", "预算取消": "budget", "交付周期": "other",
                     "技术不匹配": "product_fit", "决策延期": "timing"}
ROLE_WEIGHTS = (("technical", 30), ("procurement", 28), ("executive", 15), ("finance", 12),
                ("user", 10), ("other", 5))
