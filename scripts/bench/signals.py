"""Benchmark: `POST /api/v1/signals/detect`, 2,000 characters against 200 patterns, over HTTP (SPEC §9, §15).

One `salescore serve` subprocess (single uvicorn worker, embedded runtime) on a random 127.0.0.1 port, on a
scratch SQLite file (default) or a scratch PostgreSQL database (`--backend postgres`). A tenant is signed up
through its API, an admin publishes a configuration of 40 signals × 5 patterns (180 phrases, 20 regular
expressions, 8 exclusions, a playbook each) with `PUT /api/v1/signals`, and a rep calls detect with
deterministic 2,000-character Chinese sales notes (a new text for every request), over keep-alive HTTP
with httpx (or `--client raw`). The baseline is the same route on the same server with a one-character
text, its JSON body padded with whitespace to the same byte size: the same middleware, bearer-token auth,
configuration-version query, validation and response model, without the matching. Sequential requests
(one in flight, as one rep typing), the two variants interleaved in blocks of 10; p50/p95/p99 of each and
their ratios (target p99 ≤ 20 ms). Then the matcher alone in this process (`Matcher.find` on the same
texts, `time.perf_counter`), split into its steps.

    .venv/bin/python scripts/bench/signals.py [--requests 2000] [--rounds 4] [--backend sqlite|postgres]

SQLite needs nothing; `--backend postgres` needs PostgreSQL (trust auth for `postgres`) on 127.0.0.1:5432.
The scratch file or database is removed at the end, also on errors and Ctrl-C. About a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import secrets
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import harness as h  # scripts/bench/harness.py, beside this script
import httpx

sys.path.insert(0, str(h.ROOT / "src"))
from salescore.signal.matcher import Matcher, _resolve, normalize  # noqa: E402

HEADING = "Signal detection"
TARGET_MS = 20.0
TEXT_CHARS = 2000
PATH = "/api/v1/signals/detect"
BLOCK = 10  # requests per variant before switching to the other

# --- the configuration: 40 signals × 5 patterns ----------------------------------------------------

# code, label, patterns (a pattern with regex syntax is a regular expression), exclusions, and for a
# regex a string it matches (the texts' true hits).
SIGNALS: list[tuple[str, str, list[str], list[str], str]] = [
    ("budget_not_approved", "预算未批", ["预算还没批", "预算未批", "还没立项", "预算没下来", r"预算.{0,3}没(批|下来)"],
     [], "预算一直没下来"),
    ("waiting_for_leader", "等领导", ["等领导出差回来", "领导不在", "等老板定", "等领导定",
                                   r"等(领导|老板).{0,2}(拍板|决定|回来)"], [], "等老板最后拍板"),
    ("delivery_cycle_concern", "交付周期", ["交付周期", "多久能交货", "什么时候到货", "交期太长", "多久能到货"], [], ""),
    ("price_objection", "价格异议", ["太贵", "价格高", "能不能便宜", "再降点", r"(价格|报价).{0,4}(偏高|太高)"],
     ["不太贵", "价格高不高"], "报价比预期偏高"),
    ("competitor_mentioned", "竞品", ["竞品", "别家", "友商", "其他厂家", "对手报价"], ["没有别家", "不看别家"], ""),
    ("payment_terms", "付款条件", ["账期太短", "要求月结", "先货后款", "预付款比例", r"账期.{0,3}\d+天"],
     [], "账期要求１２０天"),
    ("contract_review", "合同审核", ["合同在法务", "法务还在审", "合同条款有异议", "盖章流程", "合同还没回"], [], ""),
    ("tech_concern", "技术疑虑", ["参数不达标", "技术指标", "耐温不够", "兼容性问题",
                               r"(耐温|耐压|精度).{0,4}(不够|不达标|达不到)"], [], "精度还是达不到"),
    ("sample_request", "样品需求", ["要样品", "先寄样", "试用装", "小批量试用", "免费试用"], [], ""),
    ("bidding", "招投标", ["走招标", "公开招标", "入围名单", "投标文件", r"(招标|投标).{0,4}(流程|公告|截止)"],
     [], "招标公告"),
    ("decision_maker_change", "人事变动", ["换了负责人", "新来的经理", "调岗了", "离职了", "对接人换了"], [], ""),
    ("quality_complaint", "质量投诉", ["质量问题", "退货", "不良率", "批次问题", r"不良率.{0,3}(偏高|超标|\d+%)"],
     ["没有质量问题"], "不良率到了３％"),
    ("service_complaint", "服务不满", ["响应太慢", "售后不及时", "没人跟进", "投诉", "服务态度"], ["没有投诉"], ""),
    ("urgency_high", "需求紧急", ["急着要", "月底前必须", "越快越好", "赶工期", r"(下周|本周|月底)之?前.{0,4}(必须|一定)"],
     ["不急着要"], "下周之前一定"),
    ("expansion_opportunity", "扩产机会", ["新建产线", "扩产", "新厂房", "二期项目", "追加采购"], [], ""),
    ("renewal_risk", "续约风险", ["不打算续", "考虑换供应商", "合同到期", "重新评估", r"(续约|续签).{0,3}(再说|再议|暂缓)"],
     [], "续签的事先暂缓"),
    ("procurement_process", "采购流程", ["走采购流程", "供应商准入", "比价", "三家报价", "采购部审批"], [], ""),
    ("roi_doubt", "ROI疑虑", ["回本周期", "投入产出", "值不值", "看不到效果", r"roi.{0,3}(多少|怎么算|太低)"],
     [], "ＲＯＩ 怎么算"),
    ("install_support", "安装调试", ["安装调试", "上门安装", "现场指导", "培训操作", "调试费用"], [], ""),
    ("spec_change", "方案变更", ["改方案", "图纸变了", "规格调整", "重新出方案", r"(图纸|方案|规格).{0,2}(又|再次)?(改|变)了"],
     [], "图纸又改了"),
    ("credit_risk", "资金紧张", ["资金紧张", "回款慢", "现金流", "拖欠货款", "延期付款"], ["现金流没问题"], ""),
    ("positive_intent", "购买意向", ["可以下单", "准备签合同", "尽快签", "走合同", r"(下周|月底|本月).{0,3}(签约|下单|签合同)"],
     [], "本月争取下单"),
    ("trial_feedback", "试用反馈", ["试用效果", "试用报告", "测试结果", "实验数据", "对比测试"], [], ""),
    ("logistics", "物流运输", ["运费谁出", "物流太慢", "包装破损", "到货破损", r"(运费|物流费).{0,3}(谁|承担|包含)"],
     [], "运费由谁承担"),
    ("certification", "资质认证", ["资质证书", "检测报告", "ISO认证", "3C认证", "环保认证"], [], ""),
    ("customization", "定制需求", ["非标定制", "定制尺寸", "特殊规格", "开模", r"定制.{0,4}(周期|费用|起订量)"],
     [], "定制的费用"),
    ("min_order", "起订量", ["起订量", "最小批量", "量太小", "零星采购", "单独发货"], [], ""),
    ("relationship", "关系维护", ["一起吃饭", "老朋友", "关系不错", "私下聊", "内部支持者"], [], ""),
    ("policy_subsidy", "政策补贴", ["政府补贴", "专项资金", "技改补助", "政策支持", r"(补贴|补助).{0,4}(申请|到位|下来)"],
     [], "补贴还没到位"),
    ("inventory", "库存", ["库存还多", "先消化库存", "库存积压", "备货", "安全库存"], [], ""),
    ("downtime", "停产检修", ["停产检修", "设备检修", "年度大修", "停线", r"(检修|大修|停产).{0,4}(结束|之后|以后)"],
     [], "大修结束之后"),
    ("energy_saving", "节能降耗", ["节能", "降耗", "能耗指标", "电费", "碳排放"], [], ""),
    ("headquarters", "总部决策", ["总部统一采购", "集团采购", "总部定", "上级公司", r"(总部|集团).{0,4}(统一|集采|审批)"],
     [], "集团要统一"),
    ("switching_cost", "替换成本", ["换起来麻烦", "磨合成本", "重新验证", "停机切换", "老设备"], [], ""),
    ("spare_parts", "备件", ["备品备件", "易损件", "耗材", "配件价格", "更换周期"], [], ""),
    ("pilot_project", "试点", ["先试点", "试点车间", "小范围试", "示范项目", r"试点.{0,3}(成功|效果|之后)"],
     [], "试点效果"),
    ("meeting_schedule", "约见", ["约个时间", "下次拜访", "面谈", "视频会议", "技术交流会"], [], ""),
    ("store_traffic", "门店客流", ["进店率", "门店人少", "周末客流", "客流少", r"客流.{0,3}(下降|下滑|减少)"],
     [], "客流明显下滑"),
    ("store_promotion", "门店促销", ["促销活动", "满减", "打折", "赠品", "会员日"], [], ""),
    ("warranty", "质保", ["质保期", "保修几年", "延保", "质保金", r"(质保|保修).{0,2}\d+年"], [], "质保 ３年"),
]

DIAGNOSES = [
    "客户提到「{label}」，先判断是真实顾虑还是推脱，再确认背后的决策人和时间点。",
    "「{label}」通常说明推进卡在客户内部的某个环节，需要找到能推动的人。",
    "出现「{label}」时不要急于让步，先弄清客户真正关心的条件。",
]
SCRIPTS = [
    "您提到的这一点我们很重视，方便说说具体是哪方面的考虑吗？",
    "我们整理了同行业客户的类似案例，您内部沟通时可以直接参考。",
    "您看我们下周安排一次简短的沟通，把这个问题当面说清楚？",
]


def signal_config() -> list[dict[str, Any]]:
    """The `signals` of the PUT body: 200 patterns (20 of them regexes) and 8 exclusions."""
    out = []
    for i, (code, label, patterns, exclude, _) in enumerate(SIGNALS):
        out.append({
            "code": code, "label": label, "patterns": patterns, "exclude": exclude, "escalation_count": 3,
            "playbook": {"diagnosis": DIAGNOSES[i % len(DIAGNOSES)].format(label=label),
                         "scripts": SCRIPTS[: 1 + i % 3]},
        })
    return out


def config_counts(signals: list[dict[str, Any]]) -> dict[str, int]:
    patterns = [p for s in signals for p in s["patterns"]]
    regexes = [p for p in patterns if any(ch in ".^$*+?{}[]\\|()" for ch in p)]
    return {"signals": len(signals), "patterns": len(patterns), "regexes": len(regexes),
            "phrases": len(patterns) - len(regexes), "exclusions": sum(len(s["exclude"]) for s in signals)}


# --- the texts ---------------------------------------------------------------------------------------

# Neutral sentences of a sales note: none of them carries a signal.
FILLERS = [
    "今天上午电话回访了采购部张经理，沟通了下季度的滤材需求。",
    "客户对上次提交的技术方案整体比较认可，细节还要再对一下。",
    "下午到现场看了两条产线，设备运行状态正常，车间主任陪同。",
    "对方提到今年产量计划比去年增加两成左右，主要是出口订单。",
    "约了技术部的李工，他负责这次选型的参数确认。",
    "客户目前用的是进口品牌，使用了五年多，整体评价还行。",
    "会上我们介绍了新一代产品的结构改进和使用寿命数据。",
    "对方的流程一般是需求部门提报，技术部确认，再由采购执行。",
    "张经理说这个项目他们内部已经讨论过两轮了。",
    "我们把上一季度的使用记录整理成表格发给了客户。",
    "客户关心产品在高湿环境下的表现，我们答应补充一份说明。",
    "仓库那边反馈包装标识需要改成中英文双语。",
    "晚上整理了拜访记录，更新了客户档案中的联系人信息。",
    "对方的生产经理姓王，之前在同行企业做过设备管理。",
    "他们的工厂在苏州工业园区，离我们的仓库大约四十公里。",
    "客户希望我们提供一份完整的产品选型手册。",
    "本次沟通时间大约一个半小时，气氛比较融洽。",
    "下周计划再约技术部一起过一遍参数表。",
    "客户的年采购额大约在三百万左右，分四个品类。",
    "我方工程师已经把现场照片和测量数据带回公司。",
    "客户提到他们明年有搬迁计划，具体时间未定。",
    "对接人微信已经加上，后续资料通过邮件同步。",
    "今天顺便去了隔壁车间的设备科，简单介绍了公司情况。",
    "客户问了一下我们在华南地区有没有服务网点。",
    "我们承诺三个工作日内给出书面答复。",
    "车间现场粉尘比较大，对过滤精度要求较高。",
    "对方说之前合作的项目整体执行得比较顺利。",
    "客户的质量部也参加了会议，提了几个关于检验标准的问题。",
    "会后把会议纪要发给了所有参会人员。",
    "周三去客户现场做了一次产品演示，反响不错。",
    "客户的信息化系统正在升级，采购订单以后走线上平台。",
    "提醒自己：下次带上新版样本册和报价单模板。",
    "对方说这个品类一直是两家供应商轮流供货。",
    "技术交流中客户提到了自动化改造的方向。",
    "我们的区域经理下个月会一起过来。",
    "（备注：客户联系人电话已更新，座机 0512-6688 7788。）",
    "今天 客户 一共 来了 三个人 ，技术、采购 和 生产 各一位。",
]
# Near misses: the start of a pattern, a regex's prefix without its ending, an exclusion, full-width
# letters and digits; none of them is a hit.
NEAR_MISSES = [
    "预算方面客户说今年的盘子已经定了，按原计划执行。",
    "领导这周都在公司，下午会一起开会。",
    "价格方面客户说不太贵，可以接受。",
    "客户说价格高不高要看整体配置，先把方案定下来。",
    "目前没有别家在跟这个项目。",
    "对方表示不看别家，只想把参数做好。",
    "之前几个批次都没有质量问题。",
    "售后这块客户说没有投诉，整体满意。",
    "客户说不急着要，按正常节奏走。",
    "财务说现金流没问题，按合同付款。",
    "交付方面按合同执行，没有特别要求。",
    "合同已经盖章寄回，原件在我这里。",
    "质保条款按公司标准执行。",
    "门店这周客流情况平稳。",
    "客户说的ＲＯＩ要等数据出来再算。",
    "订单号：ＰＯ－２０２６０３１５，数量 ３００ 件，单价按框架协议。",
    "图纸上的尺寸标注需要再核对一下。",
    "总部那边的意见下周会出来。",
    "账期按九十天走，和去年一样。",
    "检修计划还没排出来。",
    "补贴政策客户还在研究。",
    "招标这块客户说不一定需要。",
    "定制的可能性不大，标准品就能满足。",
    "试点的事情还没有定。",
    "续约的事年底再谈。",
    "下周 客户 要来 工厂 参观。",
    "运费的问题之前已经谈妥。",
    "不良品的处理流程客户已经确认。",
    "等了半小时，对方的会议才结束。",
    "规格书已经发过去了，客户在看。",
]
INTROS = ["客户提到", "张经理说", "沟通中对方表示", "李工顺口说了一句", "会上有人提出", "对方采购说"]
OUTROS = ["，需要跟进。", "，我们先记下来。", "。", "，回去再商量。", "，这点要重视。", "！"]
FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def hit_pool() -> list[str]:
    """Every phrase pattern, and one matching string per regex."""
    pool = []
    for _, _, patterns, _, sample in SIGNALS:
        pool += [p for p in patterns if not any(ch in ".^$*+?{}[]\\|()" for ch in p)]
        if sample:
            pool.append(sample)
    return pool


def make_text(rng: random.Random, pool: list[str]) -> str:
    """A 2,000-character note: neutral sentences and near misses, 3-6 true hits spread through the first
    ~90% of it (written as typed: sometimes with a space inside, or full-width letters and digits)."""
    sentences: list[str] = []
    length = 0
    while length < TEXT_CHARS + 100:
        s = rng.choice(NEAR_MISSES) if rng.random() < 0.35 else rng.choice(FILLERS)
        sentences.append(s)
        length += len(s)
    for _ in range(rng.randint(3, 6)):
        phrase = rng.choice(pool)
        if len(phrase) > 2 and rng.random() < 0.3:
            cut = rng.randint(1, len(phrase) - 1)
            phrase = phrase[:cut] + " " + phrase[cut:]
        if rng.random() < 0.5:
            phrase = "".join(FULL_WIDTH.get(ch, ch) for ch in phrase)
        sentences.insert(rng.randrange(int(len(sentences) * 0.9)), rng.choice(INTROS) + phrase + rng.choice(OUTROS))
    out = []
    for s in sentences:
        out.append(s)
        r = rng.random()
        out.append("\n" if r < 0.08 else " " if r < 0.2 else "")
    return "".join(out)[:TEXT_CHARS]


def texts(seed: int, n: int) -> list[str]:
    pool = hit_pool()
    return [make_text(random.Random(seed * 1_000_003 + i), pool) for i in range(n)]


# --- HTTP ----------------------------------------------------------------------------------------------

class Client:
    """POSTs one body after another on one keep-alive connection: an httpx.AsyncClient (`--client httpx`)
    or harness's minimal HTTP/1.1 client (`--client raw`: ~1 ms less client CPU per request here, which
    sequential latencies include)."""

    def __init__(self, kind: str, url: str, token: str) -> None:
        self.kind, self.url = kind, url
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.raw = h.RawConnection(url, b"", self.headers)
        self.httpx = httpx.AsyncClient(timeout=30) if kind == "httpx" else None

    def prepare(self, body: bytes) -> Any:
        """What `post` sends: the whole request for the raw client (built before timing), the body for httpx."""
        return h.RawConnection(self.url, body, self.headers).request if self.httpx is None else body

    async def post(self, prepared: Any) -> tuple[int, bytes]:
        if self.httpx is not None:
            r = await self.httpx.post(self.url, content=prepared, headers=self.headers)
            return r.status_code, r.content
        self.raw.request = prepared
        return await self.raw.post()

    async def close(self) -> None:
        await self.raw.close()
        if self.httpx is not None:
            await self.httpx.aclose()


def detect_body(text: str) -> bytes:
    return json.dumps({"text": text}, ensure_ascii=False).encode()


def baseline_body(char: str, size: int) -> bytes:
    """`{"text": "<one character>"}` followed by whitespace up to `size` bytes: valid JSON of the same size."""
    body = detect_body(char)
    return body + b" " * max(0, size - len(body))


@dataclass
class Series:
    seconds: list[float] = field(default_factory=list)
    server_cpu: float = 0.0  # seconds, salescore's process (SQLite runs inside it)
    pg_cpu: float = 0.0  # seconds, the PostgreSQL backends of the scratch database
    client_cpu: float = 0.0  # seconds, this process
    request_bytes: int = 0
    response_bytes: int = 0
    hits: int = 0

    def ms(self, q: float) -> float:
        return 1000 * h.percentile(self.seconds, q)

    def cpu_ms(self, which: str) -> float:
        return 1000 * getattr(self, which) / max(1, len(self.seconds))


async def timed(client: Client, prepared: list[Any], sizes: list[int], out: Series, server_pid: int,
                db: asyncpg.Connection | None, db_name: str) -> None:
    """Send the prepared requests one after another, adding latencies and CPU to `out`."""
    cpu0 = h.cpu_seconds(server_pid)
    pg0 = await h.backend_cpu(db, db_name) if db is not None else {}
    client0 = time.process_time()
    for request, size in zip(prepared, sizes, strict=True):
        t0 = time.perf_counter()
        status, body = await client.post(request)
        out.seconds.append(time.perf_counter() - t0)
        if status != 200:
            raise RuntimeError(f"{status} {body[:300].decode(errors='replace')}")
        out.request_bytes += size
        out.response_bytes += len(body)
    out.client_cpu += time.process_time() - client0
    if db is not None:
        out.pg_cpu += h.cpu_delta(pg0, await h.backend_cpu(db, db_name))
    out.server_cpu += h.cpu_seconds(server_pid) - cpu0


# --- setup through the real API ------------------------------------------------------------------------

async def setup(base: str, signals: list[dict[str, Any]]) -> tuple[str, int]:
    """Signup (an admin), the 200-pattern configuration published by the admin, a rep who logs in.
    Returns the rep's token and the configuration version."""
    password = secrets.token_urlsafe(16)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        r = await client.post("/api/v1/auth/signup", json={
            "tenant_name": "基准测试公司", "name": "管理员", "email": "admin@bench.example.com", "password": password})
        r.raise_for_status()
        admin = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = await client.put("/api/v1/signals", headers=admin,
                             json={"signals": signals, "note": "benchmark: 40 signals × 5 patterns"})
        if r.status_code != 200:
            raise RuntimeError(f"PUT /api/v1/signals: {r.status_code} {r.text[:1000]}")
        version = r.json()["version"]
        r = await client.post("/api/v1/users", headers=admin, json={
            "name": "王销售", "email": "rep@bench.example.com", "password": password, "role": "rep"})
        r.raise_for_status()
        r = await client.post("/api/v1/auth/token", data={"username": "rep@bench.example.com", "password": password})
        r.raise_for_status()
        return r.json()["access_token"], version


async def check(client: Client, matcher: Matcher, sample: list[str], version: int) -> None:
    """The server's hits for a few texts must be the in-process matcher's (same signals, offsets, text)."""
    for text in sample:
        for attempt in (1, 2):
            status, body = await client.post(client.prepare(detect_body(text)))
            if status != 200:
                raise RuntimeError(f"detect: {status} {body[:500].decode(errors='replace')}")
            answer = json.loads(body)
            got = [(x["signal"], x["start"], x["end"], x["matched"]) for x in answer["hits"]]
            want = [(x.signal, x.start, x.end, x.matched) for x in matcher.find(text)]
            if answer["config_version"] == version and got == want:
                break
            # The regex budget is wall-clock time: a stall of the machine on either side can skip regexes.
            if attempt == 2:
                raise RuntimeError(f"detect answered {got} (version {answer['config_version']}), expected {want}")
            print("answers differ (a stall?); checking that text again", file=sys.stderr)


# --- the matcher alone -----------------------------------------------------------------------------------

def _clock(fn: Callable[[Any], Any], args: list[Any], calls: int) -> list[float]:
    seconds = []
    for i in range(calls):
        arg = args[i % len(args)]
        t0 = time.perf_counter()
        fn(arg)
        seconds.append(time.perf_counter() - t0)
    return seconds


def in_process(matcher: Matcher, sample: list[str], calls: int) -> dict[str, list[float]]:
    """`Matcher.find` on the benchmark's texts, then each of its steps on the same texts."""
    folded = [normalize(t)[0] for t in sample]
    spans = [matcher._phrase_spans(f) + matcher._regex_spans(f) for f in folded]
    steps = {
        "`Matcher.find`, whole": _clock(matcher.find, sample, calls),
        "normalize (NFKC, case fold, spaces out; Python loop per character)": _clock(normalize, sample, calls),
        "phrases: one Aho-Corasick pass (180 phrases + 8 exclusions)": _clock(matcher._phrase_spans, folded, calls),
        "regexes: 20 `regex` scans with a time budget": _clock(matcher._regex_spans, folded, calls),
        "resolve exclusions and overlaps": _clock(_resolve, spans, calls),
    }
    # Not a realistic note: one short phrase over and over (a pasted table, a stuck key). Every match is
    # a hit of one signal, and resolving them compares each with all kept before it.
    for chars in (2000, 6000):
        steps[f"probe: 太贵 × {chars // 2:,} ({chars:,} characters, {chars // 2:,} hits of one signal)"] = (
            _clock(matcher.find, ["太贵" * (chars // 2)], 3 if chars > 2000 else 20))
    return steps


# --- report ------------------------------------------------------------------------------------------------

def _fmt(ms: float) -> str:
    return f"{ms:.2f}" if ms < 10 else f"{ms:.1f}"


def markdown(res: dict[str, Series], steps: dict[str, list[float]], meta: dict[str, Any]) -> str:
    c, d, b = meta["config"], res["detect"], res["baseline"]
    pg = meta["backend"] == "postgres"
    lines = [
        f"Run {meta['date']} on `{meta['machine']}` (`nproc` = {meta['nproc']}), Python {meta['python']}, "
        f"{meta['database']}; {meta['client']} client, one request in flight. Configuration version "
        f"{meta['version']}: {c['signals']} signals, {c['patterns']} patterns ({c['phrases']} phrases, "
        f"{c['regexes']} regexes), {c['exclusions']} exclusions. Texts: {TEXT_CHARS:,} characters each (seed "
        f"{meta['seed']}), a new one for every request, {meta['hits_mean']:.1f} hits on average "
        f"({meta['hits_min']}–{meta['hits_max']}). {meta['rounds']} interleaved rounds, {len(d.seconds):,} "
        f"requests per variant after {meta['warmup']} warm-up requests each; answers checked against the "
        f"in-process matcher first. Load average (1 min) {meta['load'][0]:.1f} at the start, {meta['load'][1]:.1f} "
        "after the HTTP rounds.",
        "",
        "| what | requests | p50 ms | p95 ms | p99 ms | max ms | CPU ms/req: server / "
        + ("PostgreSQL / " if pg else "") + "client |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]

    def row(label: str, s: Series) -> str:
        cpu = f"{s.cpu_ms('server_cpu'):.2f} / " + (f"{s.cpu_ms('pg_cpu'):.2f} / " if pg else "")
        return (f"| {label} | {len(s.seconds):,} | {_fmt(s.ms(0.5))} | {_fmt(s.ms(0.95))} | {_fmt(s.ms(0.99))} | "
                f"{_fmt(s.ms(1.0))} | {cpu}{s.cpu_ms('client_cpu'):.2f} |")

    n = max(1, len(d.seconds))
    lines += [
        row(f"`POST {PATH}`, {TEXT_CHARS:,} characters ({d.request_bytes / n / 1024:.1f} KB body, "
            f"{d.response_bytes / n / 1024:.1f} KB answer)", d),
        row("baseline: the same route, a one-character text padded with whitespace to the same body size "
            f"({b.response_bytes / max(1, len(b.seconds)):.0f} B answer)", b),
        f"| **ratio** detect ÷ baseline | | **{d.ms(0.5) / b.ms(0.5):.2f}×** | **{d.ms(0.95) / b.ms(0.95):.2f}×** | "
        f"**{d.ms(0.99) / b.ms(0.99):.2f}×** | | {d.cpu_ms('server_cpu') / max(1e-9, b.cpu_ms('server_cpu')):.2f}× "
        "server CPU |",
        "",
    ]
    find = steps["`Matcher.find`, whole"]
    calls = len(find)
    lines += [
        f"**The matcher alone** (in this process, `time.perf_counter` around each call, {calls:,} calls cycling "
        f"through {meta['sample']} of the same texts):",
        "",
        "| step | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for name, values in steps.items():
        lines.append(f"| {name} | {_fmt(1000 * h.percentile(values, 0.5))} | {_fmt(1000 * h.percentile(values, 0.95))}"
                     f" | {_fmt(1000 * h.percentile(values, 0.99))} |")
    p99 = d.ms(0.99)
    matching = 1000 * h.percentile(find, 0.5)
    lines += [
        "",
        f"- p99 **{_fmt(p99)} ms** for {TEXT_CHARS:,} characters against {c['patterns']} patterns (target ≤ "
        f"{TARGET_MS:.0f} ms: {'**PASS**' if p99 <= TARGET_MS else '**FAIL**'}); the baseline's p99 is "
        f"{_fmt(b.ms(0.99))} ms"
        + (f" — above the target itself without matching anything: this machine's noise, not the matcher, set "
           "this p99." if b.ms(0.99) > TARGET_MS else "."),
        f"- Where the time goes: the server process spends {d.cpu_ms('server_cpu'):.2f} ms of CPU per detect call and "
        f"{b.cpu_ms('server_cpu'):.2f} ms per baseline call"
        + (f" (PostgreSQL {d.cpu_ms('pg_cpu'):.2f} / {b.cpu_ms('pg_cpu'):.2f} ms)" if pg else " (SQLite runs inside it)")
        + f". The text adds {d.cpu_ms('server_cpu') - b.cpu_ms('server_cpu'):.2f} ms, of which the matcher is "
        f"{_fmt(matching)} ms in this process (p50); parsing and validating the body and serialising the answer "
        "take a few hundredths of a millisecond, so the rest is the same matcher running slower inside the server, "
        "and noise. The fixed part — HTTP, middleware, bearer-token auth and its user query, the "
        "configuration-version query, commit, response — is what the baseline measures, and it is most of the call.",
        f"- Regexes the server skipped (its 50 ms wall-clock budget spent, or a pattern timed out): "
        f"{meta['skipped']} log lines.",
        "",
        f"Command: `{meta['command']}`",
    ]
    return "\n".join(lines)


# --- run ---------------------------------------------------------------------------------------------------

async def run(args: argparse.Namespace, url: str, pg: tuple[str, str] | None, started: float, logdir: Path,
              servers: list[h.Server]) -> str:
    load0 = os.getloadavg()[0]
    await asyncio.to_thread(h.migrate, url)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SALESCORE_")},
        "SALESCORE_DATABASE_URL": url, "SALESCORE_LOG_LEVEL": "WARNING",
        "SALESCORE_SECRET_KEY": secrets.token_urlsafe(48), "SALESCORE_STORAGE_DIR": str(logdir / "files"),
        "SALESCORE_SWEEPER_INTERVAL_SECONDS": "3600",
    }
    port = h.free_port()
    server = h.spawn("salescore", "salescore serve", [sys.executable, "-m", "salescore.cli", "serve", "--port",
                                                      str(port)], env, port, PATH, logdir)
    servers.append(server)
    await h.wait_ready(server, "/healthz")
    signals = signal_config()
    token, version = await setup(server.base, signals)

    n_texts = args.warmup + args.requests
    corpus = texts(args.seed, n_texts)
    matcher = Matcher(signals)
    counts = [len(matcher.find(t)) for t in corpus]
    print(f"server ready, configuration v{version}, {n_texts} texts at {time.monotonic() - started:.0f}s; "
          f"hits per text {min(counts)}–{max(counts)}, mean {sum(counts) / len(counts):.1f}", file=sys.stderr)

    db = await asyncpg.connect(f"{pg[0]}/{pg[1]}") if pg else None  # PostgreSQL CPU accounting
    detect = Client(args.client, server.url, token)
    base = Client(args.client, server.url, token)
    try:
        await check(detect, matcher, corpus[:20], version)
        # Bodies and (raw client) whole requests built before timing; the baseline's body matches the size
        # of the detect body it is paired with, its character varies.
        bodies = [detect_body(t) for t in corpus]
        sizes = [len(b) for b in bodies]
        chars = "今天客户沟通方案参数样本工厂项目"
        base_bodies = [baseline_body(chars[i % len(chars)], size) for i, size in enumerate(sizes)]
        detect_req = [detect.prepare(b) for b in bodies]
        base_req = [base.prepare(b) for b in base_bodies]
        status, answer = await base.post(base_req[0])
        if status != 200 or json.loads(answer)["hits"]:
            raise RuntimeError(f"baseline: {status} {answer[:300]!r}")

        pid = server.proc.pid
        warm = Series()
        w = args.warmup
        for i in range(0, w, BLOCK):  # warm-up, interleaved too
            j = min(w, i + BLOCK)
            await timed(detect, detect_req[i:j], sizes[i:j], warm, pid, None, "")
            await timed(base, base_req[i:j], sizes[i:j], warm, pid, None, "")
        print(f"warm-up done at {time.monotonic() - started:.0f}s", file=sys.stderr)

        res = {"detect": Series(), "baseline": Series()}
        per_round = -(-args.requests // args.rounds)
        rounds = 0
        db_name = pg[1] if pg else ""
        for rnd in range(args.rounds):
            if rnd and time.monotonic() - started > args.time_limit:
                print(f"time limit: stopping after {rnd} rounds", file=sys.stderr)
                break
            lo, hi = w + rnd * per_round, min(n_texts, w + (rnd + 1) * per_round)
            # Within a round the variants alternate in blocks of BLOCK requests (the order flipping each
            # round), so a burst of noise from the rest of the machine lands on both.
            for i in range(lo, hi, BLOCK):
                j = min(hi, i + BLOCK)
                pair = [("detect", detect, detect_req), ("baseline", base, base_req)]
                for name, client, reqs in (pair if rnd % 2 == 0 else pair[::-1]):
                    await timed(client, reqs[i:j], sizes[i:j], res[name], pid, db, db_name)
            rounds += 1
            d, b = res["detect"], res["baseline"]
            print(f"round {rnd + 1} at {time.monotonic() - started:.0f}s: detect p50 {d.ms(0.5):.2f} / p99 "
                  f"{d.ms(0.99):.2f} ms, baseline p50 {b.ms(0.5):.2f} / p99 {b.ms(0.99):.2f} ms", file=sys.stderr)
        database = (f"PostgreSQL {str(await db.fetchval('SHOW server_version')).split()[0]}" if db is not None
                    else f"SQLite {sqlite3.sqlite_version}")
    finally:
        await detect.close()
        await base.close()
        if db is not None:
            await db.close()

    load = (load0, os.getloadavg()[0])
    # The matcher logs every regex it skips (its time budget is wall-clock time: a stall skips patterns).
    skipped = server.log_path.read_text(errors="replace").count("signal regex")
    sample = corpus[: args.sample]
    gc.collect()
    steps = in_process(matcher, sample, args.calls)
    for name, values in steps.items():
        print(f"  {name}: p50 {1000 * h.percentile(values, 0.5):.3f} ms, p99 {1000 * h.percentile(values, 0.99):.3f} ms",
              file=sys.stderr)
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.system()} {platform.machine()}", "nproc": os.cpu_count(),
        "python": platform.python_version(), "database": database, "backend": args.backend,
        "client": args.client, "config": config_counts(signals), "version": version, "seed": args.seed,
        "hits_mean": sum(counts) / len(counts), "hits_min": min(counts), "hits_max": max(counts),
        "rounds": rounds, "warmup": args.warmup, "skipped": skipped, "load": load, "sample": len(sample), "command": _command(args),
    }
    return markdown(res, steps, meta)


def _command(args: argparse.Namespace) -> str:
    return h.command("signals.py", args, {"backend": "sqlite", "client": "httpx", "requests": 2000, "rounds": 4,
                                          "warmup": 200, "calls": 5000, "sample": 200, "seed": 7})


async def bench(args: argparse.Namespace) -> int:
    def run_on(sc: h.Scratch) -> Awaitable[str]:  # a scratch PostgreSQL database, or a SQLite file in the log folder
        url = sc.sa_url if sc.name else f"sqlite+aiosqlite:///{sc.logdir / 'bench.db'}"
        return run(args, url, (sc.pg, sc.name) if sc.name else None, sc.started, sc.logdir, sc.servers)

    return await h.scratch_run(args, run_on, doc=f"signals-{args.backend}", heading=f"{HEADING} ({args.backend})",
                               grace=60, what="migrating", database=args.backend == "postgres")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--requests", type=int, default=2000, help="timed requests per variant (default 2000)")
    add("--rounds", type=int, default=4, help="interleaved rounds the requests are split into (default 4)")
    add("--warmup", type=int, default=200, help="warm-up requests per variant (default 200)")
    add("--backend", choices=["sqlite", "postgres"], default="sqlite",
        help="the server's database: a scratch SQLite file (default) or a scratch PostgreSQL database")
    add("--client", choices=["httpx", "raw"], default="httpx",
        help="httpx.AsyncClient (default) or harness's minimal keep-alive HTTP/1.1 client")
    add("--calls", type=int, default=5000, help="in-process Matcher.find calls, and per step (default 5000)")
    add("--sample", type=int, default=200, help="texts the in-process calls cycle through (default 200)")
    add("--seed", type=int, default=7, help="text seed (default 7)")
    add("--postgres", default="postgresql://postgres@127.0.0.1:5432",
        help="server URL without a database, for --backend postgres (a scratch database is created and dropped)")
    add("--time-limit", type=float, default=90,
        help="seconds; no round starts past it, and the run is cut 60 s later (default 90)")
    add("--no-doc", dest="write_doc", action="store_false", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    return h.run_main(bench, args)


if __name__ == "__main__":
    raise SystemExit(main())
