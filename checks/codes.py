"""Every finding code in one place, with its section and meaning in English and Chinese.

Codes are stable: scripts, the database and the risk policy refer to them. Adding a code is one
line in `CODES`; `python -m checks.codes > docs/CODES.md` regenerates the document (a test fails when
it is out of date, and when the policy or a source uses a code not listed here).
"""

from __future__ import annotations

import sys
from typing import NamedTuple


class Code(NamedTuple):
    section: str  # verification | profile | history | risk
    en: str
    zh: str


V, P, H, R = "verification", "profile", "history", "risk"

CODES: dict[str, Code] = {
    # --- email (offline source `email`, DNS source `dns_email`, consistency analyzer)
    "email.valid": Code(V, "Well-formed address on a domain that is neither free nor disposable mail", "邮箱格式正确，且不是免费或一次性邮箱"),
    "email.invalid": Code(V, "The address is not a valid email address", "邮箱地址格式无效"),
    "email.free_mail": Code(V, "Address at a free webmail provider (gmail.com, qq.com, 163.com ...)", "免费邮箱（gmail.com、qq.com、163.com 等）"),
    "email.disposable": Code(V, "Address at a throw-away (disposable) mail service", "一次性（临时）邮箱"),
    "email.role_address": Code(V, "Shared role mailbox (info@, sales@ ...), not a named person", "部门公用邮箱（info@、sales@ 等），非具名个人"),
    "email.free_mail_for_company": Code(V, "A company writes from a free-mail address", "公司却使用免费邮箱联系"),
    "email.domain_missing": Code(V, "The email domain does not exist in DNS", "邮箱域名在 DNS 中不存在"),
    "email.no_mx": Code(V, "The email domain cannot receive mail (no MX record)", "邮箱域名无法收信（无 MX 记录）"),
    "email.no_spf": Code(V, "No SPF record: the domain is easy to spoof", "无 SPF 记录：域名易被冒用"),
    "email.spf_permissive": Code(V, "SPF allows any sender (+all / ?all)", "SPF 允许任何发件人（+all / ?all）"),
    "email.no_dmarc": Code(V, "No DMARC record: the domain is easy to spoof", "无 DMARC 记录：域名易被冒用"),
    "email.dns": Code(V, "Mail DNS summary (MX, SPF, DMARC)", "邮件 DNS 概况（MX、SPF、DMARC）"),
    # --- phone (offline source `phone`)
    "phone.valid": Code(V, "Valid number in the claimed country", "号码有效，且属于所称国家"),
    "phone.invalid": Code(V, "The phone number is not a valid number", "电话号码无效"),
    "phone.country_mismatch": Code(V, "The number belongs to another country than the claimed one", "号码所属国家与所称国家不符"),
    "phone.voip": Code(V, "Internet (VoIP) number: anyone can get one anywhere", "网络电话（VoIP）号码：任何人随处可申请"),
    "phone.needs_prefix": Code(V, "National number without country code and no country to read it with", "号码无国际区号，且未给出国家，无法判断"),
    # --- identifiers (offline source `identifiers`, VIES, GLEIF)
    "id.valid_checksum": Code(V, "The identifier passes its official check (check digit / format rules)", "识别号通过官方校验（校验位或格式规则）"),
    "id.invalid_checksum": Code(V, "The identifier fails its check digit: mistyped or invented", "识别号校验位错误：输错或编造"),
    "id.invalid_format": Code(V, "The identifier has the wrong length or format for its country", "识别号长度或格式与其国家不符"),
    "id.format_only": Code(V, "No check digit is published for this identifier: only its format was checked", "该识别号无公开校验算法：仅检查了格式"),
    "id.unchecked": Code(V, "The identifier could not be checked (unknown country or type)", "无法校验该识别号（国家或类型未知）"),
    "id.country_mismatch": Code(V, "The VAT number's country prefix differs from the claimed country", "增值税号的国家前缀与所称国家不符"),
    "vat.valid": Code(V, "VIES confirms the EU VAT number is registered", "VIES 确认该欧盟增值税号已登记"),
    "vat.invalid": Code(V, "VIES says the EU VAT number is not registered", "VIES 显示该欧盟增值税号未登记"),
    "vat.malformed": Code(V, "VIES rejected the VAT number as malformed", "VIES 认为该增值税号格式错误"),
    "vat.unknown": Code(V, "VIES could not answer for this member state now", "VIES 暂时无法查询该成员国"),
    "lei.found": Code(V, "The LEI is registered with GLEIF", "LEI 已在 GLEIF 登记"),
    "lei.match": Code(V, "GLEIF has an LEI record for this company name", "GLEIF 有与该公司名称相符的 LEI 记录"),
    "lei.malformed": Code(V, "The LEI is malformed", "LEI 格式错误"),
    "lei.not_found": Code(V, "GLEIF has no record of this LEI", "GLEIF 无此 LEI 记录"),
    "lei.none_for_name": Code(V, "GLEIF has no LEI for this company name", "GLEIF 无该公司名称的 LEI"),
    "lei.lapsed": Code(V, "The LEI has lapsed (not renewed)", "LEI 已失效（未续期）"),
    "lei.retired": Code(V, "The LEI was retired or merged", "LEI 已注销或合并"),
    "lei.entity_inactive": Code(V, "GLEIF marks the entity inactive", "GLEIF 标记该实体为非活跃"),
    "lei.country_mismatch": Code(V, "The LEI's legal address is in another country than the claimed one", "LEI 注册地址所在国与所称国家不符"),
    # --- company registries
    "company.registered": Code(V, "Found in the official company register", "在官方公司登记处查到"),
    "company.not_found": Code(V, "Not found in the official company register", "官方公司登记处查无此公司"),
    "company.not_in_register": Code(V, "The register for this country is not covered", "未覆盖该国家的公司登记处"),
    "company.dissolved": Code(V, "The company is dissolved", "该公司已解散"),
    "company.insolvency": Code(V, "The company has insolvency history", "该公司有破产/清算记录"),
    "company.accounts_overdue": Code(V, "The company's annual accounts are overdue", "该公司年度账目逾期未报"),
    "company.young": Code(V, "The company was incorporated recently", "该公司成立时间很短"),
    "company.person_not_officer": Code(V, "The named contact is not an officer of the company", "所称联系人不是该公司的高管"),
    "registry.name_mismatch": Code(V, "The registered name differs from the claimed name", "登记名称与所称名称不符"),
    "sec.registrant": Code(P, "SEC EDGAR registrant record", "SEC EDGAR 申报主体记录"),
    "sec.not_listed": Code(P, "No SEC EDGAR registrant of that name", "SEC EDGAR 无该名称的申报主体"),
    "wikidata.company": Code(P, "Wikidata entry for the company", "该公司的 Wikidata 条目"),
    # --- domains and websites
    "domain.matches_claim": Code(V, "The domain is the claimed company's official domain", "域名是所称公司的官方域名"),
    "domain.lookalike": Code(V, "The domain imitates a well-known company's domain", "域名仿冒知名公司域名"),
    "domain.lookalike_name": Code(V, "The domain is a look-alike of the claimed company's own name (a typo, glyphs, a hyphen, the dot dropped)", "域名仿冒所称公司自身名称（错拼、形近字符、连字符、漏点）"),
    "domain.lure_word": Code(V, "The domain is the company's name plus a lure word (payments, billing, official, group ...)", "域名是公司名称加诱饵词（payments、billing、official、group 等）"),
    "domain.unusual_tld": Code(V, "The domain uses an ending companies rarely use for their own site (.top, .xyz, .ws ...)", "域名使用公司很少用于官网的后缀（.top、.xyz、.ws 等）"),
    "domain.unconfirmed": Code(V, "The domain is spelled from the claimed name but is not among the company's known domains", "域名由所称名称拼成，但不在该公司已知域名中"),
    "domain.younger_than_company": Code(V, "The domain was registered recently, but the company is decades old", "域名刚注册不久，而该公司已成立数十年"),
    "domain.other_company": Code(V, "The domain belongs to another company", "域名属于另一家公司"),
    "domain.not_official": Code(V, "A well-known company writes from a domain that is not one of its own", "知名公司却使用非其官方域名的邮箱"),
    "domain.mismatch": Code(V, "The email and website domains do not match the company", "邮箱与网站域名和公司不符"),
    "domain.age": Code(V, "Domain registration date", "域名注册日期"),
    "domain.age_unknown": Code(V, "The domain's age could not be found", "无法查到域名注册时间"),
    "domain.young": Code(V, "The domain was registered recently", "域名注册时间很短"),
    "domain.unregistered": Code(V, "The domain is not registered", "域名未注册"),
    "domain.parked": Code(V, "The domain is parked or for sale", "域名处于停放或待售状态"),
    "website.summary": Code(V, "What the website shows (title, HTTPS)", "网站概况（标题、HTTPS）"),
    "website.refused": Code(V, "The website address was refused (unsafe or private address)", "网站地址被拒绝（不安全或内网地址）"),
    "website.parked": Code(V, "The website is a parking or for-sale page", "网站是停放或待售页面"),
    "website.no_https": Code(V, "The website has no HTTPS", "网站不支持 HTTPS"),
    "website.redirected": Code(V, "The website redirects to another domain", "网站跳转到其他域名"),
    "website.official_links": Code(V, "The website points to a domain spelled as the company's name",
                                   "网站指向与公司名称拼写一致的域名"),
    "website.name_found": Code(V, "The company name appears on the website", "网站上出现了该公司名称"),
    "website.name_missing": Code(V, "The company name does not appear on the website", "网站上未出现该公司名称"),
    "website.country_missing": Code(V, "Nothing on the website points to the claimed country", "网站上没有指向所称国家的信息"),
    "website.email_listed": Code(V, "The inquiry's email address is listed on the website", "询盘邮箱出现在网站上"),
    "website.email_not_listed": Code(V, "The website lists other addresses, not the inquiry's", "网站列出的邮箱不含询盘邮箱"),
    "website.phone_listed": Code(V, "The inquiry's phone number is listed on the website", "询盘电话出现在网站上"),
    "website.phone_not_listed": Code(V, "The website lists other numbers, not the inquiry's", "网站列出的电话不含询盘电话"),
    # --- profile (profile analyzer: one per fact)
    "profile.legal_name": Code(P, "Legal name, as the registries give it", "法定名称（来自登记机构）"),
    "profile.status": Code(P, "Registration status", "登记状态"),
    "profile.founded": Code(P, "Founding or incorporation date", "成立日期"),
    "profile.address": Code(P, "Registered address", "注册地址"),
    "profile.employees": Code(P, "Number of employees", "员工人数"),
    "profile.parent": Code(P, "Direct parent company", "直接母公司"),
    "profile.ultimate_parent": Code(P, "Ultimate parent company", "最终母公司"),
    "profile.registry_id": Code(P, "Registry identifier", "登记编号"),
    "profile.industry": Code(P, "Industry", "行业"),
    # --- history (the team's own records)
    "history.previous_checks": Code(H, "Earlier checks of this buyer", "此前对该买家的检查"),
    "history.rejected": Code(H, "A manager rejected this buyer before", "经理曾拒绝该买家"),
    "history.approval_expired": Code(H, "The last approval has expired", "上次审批已过期"),
    "history.approved": Code(H, "A manager approved this buyer", "经理已批准该买家"),
    "history.pending_approval": Code(H, "An approval request is waiting", "审批请求待处理"),
    "history.note": Code(H, "A note the team left on the case", "团队在背调单中的备注"),
    "history.cleared_match": Code(H, "A sanctions match a manager cleared as not this buyer", "经理确认不是该买家的制裁名单匹配"),
    "history.trade_summary": Code(H, "Summary of recorded trade with this buyer", "与该买家的交易记录概况"),
    "history.trade_overdue": Code(H, "An overdue payment on record", "有逾期付款记录"),
    "history.trade_dispute": Code(H, "A trade dispute on record", "有贸易纠纷记录"),
    # --- risk: sanctions, country, media, fraud
    "sanctions.hit": Code(R, "Name matches an entry on a sanctions list", "名称与制裁名单条目相符"),
    "sanctions.possible": Code(R, "Name possibly matches a listed party: not confirmed, settle it before quoting",
                               "名称与制裁名单条目疑似匹配：尚未确认，报价前须核实"),
    "sanctions.clear": Code(R, "No match on the sanctions lists", "制裁名单中无匹配"),
    "country.embargoed": Code(R, "Country under a comprehensive embargo (e.g. OFAC: Cuba, Iran, North Korea)", "全面禁运国家（如 OFAC：古巴、伊朗、朝鲜）"),
    "country.high_risk": Code(R, "FATF 'call for action' jurisdiction (black list)", "FATF“呼吁采取行动”司法管辖区（黑名单）"),
    "country.sectoral_sanctions": Code(R, "Country under broad, not comprehensive, sanctions programmes", "受广泛（非全面）制裁项目约束的国家"),
    "country.monitored": Code(R, "FATF increased monitoring (grey list) or EU high-risk third country", "FATF 加强监控（灰名单）或欧盟高风险第三国"),
    "country.notes": Code(P, "The buyer's local time, working week, coming public holidays, languages and etiquette", "买家当地时间、工作周、近期公共假日、书写语言与礼仪"),
    "country.clear": Code(R, "Country on none of the bundled country lists", "国家不在内置的国家风险名单上"),
    "media.adverse": Code(R, "News articles with risk words about the company", "有关该公司的负面新闻"),
    "media.none": Code(R, "No adverse news found", "未发现负面新闻"),
    "fraud.bank_change": Code(R, "The message asks to use a new or changed bank account", "消息要求使用新的或更换的银行账户"),
    "fraud.bank_country_mismatch": Code(R, "The bank is in another country than the buyer", "银行所在国与买家所在国不同"),
    "fraud.urgent_sample_free_mail": Code(R, "Urgent sample request from free mail in the name of a large company", "以大公司名义、用免费邮箱紧急索要样品"),
    "fraud.embargo_transit": Code(R, "Embargoed destination routed through another country", "禁运目的地经第三国转运"),
    # --- trade remedies (offline source `trade_remedies`)
    "trade_remedy.measure": Code(R, "The buyer's country has anti-dumping, countervailing or safeguard measures in force on these goods from this origin", "买方国家对该原产地的此类货物有现行反倾销、反补贴或保障措施"),
    "trade_remedy.possible": Code(R, "A trade-remedy measure may cover these goods (matched by name, a broader code or an unstated origin)", "可能有贸易救济措施涵盖这些货物（按名称、较宽泛的编码或未注明的原产地匹配）"),
    "trade_remedy.investigation": Code(R, "A trade-remedy investigation on these goods is under way in the buyer's country", "买方国家正在对此类货物进行贸易救济调查"),
    "trade_remedy.transhipment": Code(R, "Goods routed via a third country to a buyer whose country has measures on them (circumvention question)", "货物经第三国转运至对其征收贸易救济税的买方国家（涉嫌规避）"),
    "trade_remedy.coverage": Code(R, "Which trade-remedy data was checked and how old it is (or: not checked)", "检查了哪些贸易救济数据及其时效（或：未检查）"),
}


def meaning(code: str, lang: str = "en") -> str:
    info = CODES.get(code)
    if info is None:
        return code
    return info.zh if lang == "zh" else info.en


SECTION_TITLES = {V: "Verification · 核实", P: "Profile · 概况", H: "History · 往来记录", R: "Risk · 风险"}


def render_markdown() -> str:
    """docs/CODES.md: every code by section, in both languages."""
    lines = [
        "# Finding codes",
        "",
        "Generated from `checks/codes.py` by `python -m checks.codes > docs/CODES.md`; do not edit by hand.",
        "Codes are stable: the database, scripts and `checks/policy.yml` refer to them.",
        "",
    ]
    for section, title in SECTION_TITLES.items():
        rows = sorted((code, info) for code, info in CODES.items() if info.section == section)
        if not rows:
            continue
        lines += [f"## {title}", "", "| code | meaning | 含义 |", "|---|---|---|"]
        lines += [f"| `{code}` | {info.en} | {info.zh} |" for code, info in rows]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - a generator script
    sys.stdout.write(render_markdown())
