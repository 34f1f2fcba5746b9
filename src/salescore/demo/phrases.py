"""What reps write: follow-up summaries, todo titles and reminder cards, as data.

Placeholders: {customer} {contact} {title} {product} {competitor} {n} {pct} {month} {amount} {city}.
A few summaries carry the customer signals of §9 (预算还没批, 等领导出差回来, 反复询问交付周期).
"""

from __future__ import annotations

SUMMARIES = {
    "工业滤材": (
        "电话回访{contact}，除尘系统滤袋已使用{n}个月，压差偏高，计划下季度整体更换，需要{product}样品做对比测试。",
        "拜访{customer}生产部，现场查看袋式除尘器运行情况，客户关注滤袋寿命和超低排放指标（≤10mg/m³）。",
        "客户反馈目前用的是{competitor}的滤料，价格比我们低约{pct}%，但寿命只有一年左右，约下周带技术参数再谈。",
        "微信发送{product}技术参数表和第三方检测报告，{contact}已读，说要转给环保负责人。",
        "客户环保改造项目已立项，滤料部分预计{month}月招标，{title}让我们先报技术方案。",
        "与{contact}确认窑尾工况温度约{n}0℃，建议{product}，客户要求提供同类水泥厂案例。",
    ),
    "精密模具": (
        "与{contact}确认新能源电池壳体{product}的图纸版本，客户要求模具寿命≥{n}0万模次。",
        "客户新设工厂（{city}）第一批模具需求共{n}套，要求T1试模周期不超过45天。",
        "提供3D模具方案后，客户技术部提出{n}处需修改部位，已同步技术部出修改方案。",
        "客户反馈{competitor}报价低约{pct}%，但交期长，我们的优势在试模周期和售后驻厂。",
        "视频会议评审DFM报告，{title}对浇口位置和冷却水路设计无异议，等采购走流程。",
        "到{customer}试模现场，T1样件尺寸有2处超差，约定3天内修模后T2。",
    ),
    "医疗器械": (
        "拜访{customer}设备科，{contact}表示{product}需先走院内采购科初筛，要求提供临床试用申请表。",
        "与采购科沟通招标参数，客户关注售后响应时间和装机培训，竞品{competitor}也在参数范围内。",
        "科室培训预约已完成，{n}名医护参加{product}操作培训，反馈良好。",
        "院长办公会推迟，{contact}说要等领导出差回来再定。",
        "客户提到今年预算还没批，先做技术交流，{product}临床试用可以先安排。",
        "设备科评估通过，进入院长办公会决策，需补充{product}近三年同级医院装机清单。",
    ),
    "智能仓储": (
        "现场勘察{customer}仓库，层高{n}米，日均出库约{n}000单，初步建议{product}方案。",
        "客户反复询问交付周期，担心影响双十一前上线，需要项目经理给出排期。",
        "技术交流会：客户信息部关注WMS与现有SAP接口对接方式，约定下周出接口方案。",
        "发送仿真测算结果，{product}方案可提升存储密度约{pct}%，{title}比较认可。",
        "客户已签署技术协议，商务条款还在法务审核，付款条件待书面确认。",
        "{competitor}也参与了方案比选，客户倾向我们的交付经验，但价格高出{pct}%。",
    ),
    "快消": (
        "拜访{customer}，沟通{month}月铺货计划和陈列费用，客户希望加大返点。",
        "经销商反馈{product}终端动销慢，库存约{n}00箱，需要我们支持促销活动。",
        "电话确认节日备货订单，客户要求月底前到货，已协调仓库。",
        "{competitor}近期在该区域做买赠活动，客户压价{pct}%，已报备区域经理。",
        "微信收到客户回款截图，已转财务核对。",
        "二批商{contact}询问新品{product}的进货政策和首批铺货支持。",
    ),
    "美妆零售": (
        "会员到店试用{product}，对保湿效果满意，已加企业微信，约下周再来。",
        "微信回复会员关于{product}成分的咨询，推荐搭配套装，客户说考虑一下。",
        "会员生日月，发送专属优惠券，客户回复周末会到店。",
        "企业客户咨询员工福利团购，需求{n}0份礼盒，预算人均200元左右。",
        "客户反馈上次购买的{product}有点刺激，已安排换成敏感肌系列并记录。",
        "客户说{competitor}同款便宜{pct}%，解释正品保障和会员积分后客户下单。",
    ),
}

FOREIGN_SUMMARIES = (
    "与{city}客户视频会议，客户关注交期和付款方式（T/T 30%预付），要求提供英文版技术资料。",
    "客户要求报价改为美元FOB深圳价，已请财务评估汇率风险。",
    "东南亚客户要求账期60天，需财务评估，暂按信用证方式谈。",
    "邮件发送英文版技术参数和CE证书，{contact}回复下周安排工厂审核。",
    "客户反馈海运排期紧张，希望我们提前备货，分两批出货。",
)

GENERIC_SUMMARIES = (
    "电话沟通近期需求，客户暂无新的采购计划，约下月再跟进。",
    "微信发送公司介绍和同行业案例资料，{contact}回复收到。",
    "客户对接人更换，新对接人为{contact}（{title}），已重新建立联系。",
    "节前问候，顺带了解客户下半年预算安排。",
    "客户说要内部再讨论一下，暂时没有明确时间表。",
)

NEW_LEAD_SUMMARIES = (
    "首次电话触达，介绍公司和{product}，客户愿意了解，已加微信发资料。",
    "展会上交换名片，{contact}对{product}感兴趣，约定展会后回访。",
    "官网询盘回电，客户需求还比较模糊，先发产品目录。",
)

STORE_FIRST_SUMMARIES = (
    "到店咨询{product}，试用后加了微信，已登记会员资料。",
    "到店体验{product}，店员讲解使用方法，客户留下联系方式。",
    "到店挑选{product}，介绍会员权益，客户办理会员。",
)

ACTION_SUMMARIES = {
    "proposal_sent": "发送{product}方案，客户核心诉求：{core_need}。",
    "quote_submitted": "提交{product}正式报价，金额{amount}，客户需要内部比价。",
    "quote_confirmed": "客户确认报价，进入合同条款沟通。",
    "contract_push": "合同推进：当前阶段{stage}，预计{date}签约。",
    "competitor_feedback": "客户透露{competitor}也在报价，对方价格低约{pct}%。",
    "objection_handled": "处理客户{category}异议：{resolution}",
    "demo_scheduled": "预约{date}现场演示/样机测试，{contact}参加。",
    "tech_requirement_update": "客户提供了图纸和技术参数，需求基本明确。",
    "executive_visit": "陪同领导高层拜访，与客户{title}沟通长期合作和年度框架。",
    "contract_signed": "合同已签署（{amount}），交付排期已获客户邮件同意。",
    "payment_received": "收到客户回款{amount}，已上传回款截图。",
    "solution_3d_provided": "已提供3D方案并推送《客户技术确认单》，客户反馈：{response}。",
    "internal_collab": "内部协同：请{department}支持{product}技术答疑。",
}

PROPOSAL_REVISED = "根据{title}意见修改{product}方案并重新发送，客户核心诉求：{core_need}。"

# The hospital path (医疗器械): what the rep reports when the deal reaches each decision level.
HOSPITAL_STEPS = (
    "{customer}临床试用申请表已提交，采购科初筛通过，进入设备科主任评估。",
    "{product}科室培训预约已完成，设备科评估通过，提交院长办公会决策。",
)

# Daily-report items the rep ticks in the evening (每日3件事) and the one customer progress line.
REPORT_NOTES = {
    "phone_new_customer": "今天电话触达新客户{n}家，{customer}有初步意向，已加微信发资料。",
    "customer_visit": "拜访{customer}，与{contact}（{title}）沟通{product}使用情况和后续需求。",
    "internal_collab": "内部协同：请{department}支持{customer}的{product}技术答疑。",
    "executive_visit": "陪同拜访{customer}{title}，沟通年度合作计划。",
}
PROGRESS_NOTES = (
    "{customer}：{contact}反馈内部还在比选，预计下周给答复。",
    "{customer}：已约{title}下周面谈，重点沟通{product}交付周期。",
    "{customer}：客户对方案整体认可，等待采购流程。",
    "{customer}：{competitor}也在接触客户，需要尽快安排技术交流。",
    "{customer}：客户预算还没批，先保持联系，月底再跟进。",
)
COLLAB_DEPARTMENTS = (("tech", "技术部"), ("product", "产品部"), ("finance", "财务"))

OBJECTIONS = (
    ("价格", "提供TCO对比测算，说明三年综合成本更低。"),
    ("交付", "协调生产排期，承诺分批交付首批提前两周。"),
    ("技术", "安排技术部远程答疑，补充检测报告。"),
    ("竞品", "出示同行业客户案例和竞品对比表。"),
    ("决策流程", "协助客户准备立项材料和ROI测算。"),
)

TODO_TITLES = (
    "回访{customer}确认样机测试结果",
    "给{customer}发送修改后的报价单",
    "准备{customer}技术交流会资料",
    "跟进{customer}付款条件书面确认",
    "本周安排一次{customer}高层拜访",
    "确认{customer}交付排期",
)
STAFF_TODO_TITLES = {
    "tech": "《客户技术确认单》需修改部位：{customer}",
    "product": "同步{customer}最新技术需求到产品知识库",
    "finance": "核对{customer}回款截图并开票",
}

NOTIFICATIONS = (
    ("deal_warning", "报价超过24小时未确认：{deal}", "客户尚未确认报价，建议今天电话跟进。"),
    ("deal_warning", "商机已过预计签约日：{deal}", "请更新预计签约日或推进阶段。"),
    ("grade_changed", "客户升级为A级：{customer}", "本周必须安排1次高层拜访。"),
    ("no_follow_up", "A类客户超过30天未跟进：{customer}", "客户可能被回收到公海，请尽快跟进。"),
)

LOST_SUMMARY = "客户最终选择{competitor}，丢单原因：{reason}。已提交复盘证据包。"
WON_EXTRA = "交付计划已锁定，首付款条件已书面确认。"

# Key evidence (关键证据, §8) as the rep pastes it: (text, note) per node; note None leaves it empty.
EVIDENCE_TEXTS = {
    "requirement_confirmation": (
        ("{contact}邮件回复：{product}需求确认书（数量、规格、验收标准）已签字盖章，扫描件随邮件发回。", "需求确认书已签署"),
        ("客户{title}确认需求清单第{n}版：{product}的使用工况、交付范围和验收方式以此为准。", "按客户意见修改后确认"),
        ("微信截图：{contact}确认需求确认书无异议，已走完内部签字流程。", None),
    ),
    "technical_agreement": (
        ("技术协议已双方签署：{product}技术参数、样机测试结论和验收标准已写入附件。", "样机测试后签署"),
        ("{contact}邮件：技术部已会签技术协议，关键指标按测试报告执行，同意进入商务阶段。", None),
        ("收到客户盖章版技术协议（共{n}页），技术偏离表无偏离项。", "原件已交合同管理员"),
    ),
    "commercial_terms": (
        ("商务条款书面确认：合同金额{amount}，付款方式{terms}，质保{years}年。", "法务已审核"),
        ("{title}邮件确认价格与付款条件：{terms}，交期按技术协议执行。", None),
        ("采购部回传商务条款确认函：总价{amount}，{terms}。", "等待合同用印"),
    ),
    "down_payment": (
        ("财务确认首付款到账{paid}，银行回单已核对。", "财务已核销"),
        ("客户付款凭证：预付款{paid}已汇出，财务确认到账。", None),
    ),
    "delivery_plan_locked": (
        ("客户邮件同意交付排期：{month}月起分{n}批交付，安装调试与验收节点已确认。", "项目经理已排产"),
        ("交付计划会议纪要：{contact}确认到货、安装、培训时间表，双方签字。", None),
    ),
}
PAYMENT_TERMS = ("3-6-1（预付30%，发货前60%，质保金10%）", "预付30%，验收合格后付清", "预付50%，到货验收后付50%",
                 "预付20%，月结60天")
# The 常州 case: a customer pays in advance to lock the production slot while the contract is still
# being stamped — the deal is Close-Win on evidence before it is signed.
EARLY_PAYMENT_NOTE = "客户先付预付款锁定排产，合同在走用印流程"
MEMBER_DEPOSIT = ("收银系统记录：会员支付定金{paid}，门店已开具收据。", "定金")
# Evidence entered too early and taken back by the manager (revoked, never deleted).
PREMATURE_EVIDENCE = "{contact}口头表示{label}没问题，先登记，书面凭证后补。"
PREMATURE_REVOKE_REASON = "只有口头说法，未见书面凭证；待客户盖章件/到账回单后重新上传"
