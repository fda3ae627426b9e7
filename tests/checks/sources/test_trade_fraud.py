"""Trade-fraud rules on inquiry texts of the kinds exporters receive, in English and Chinese."""

from __future__ import annotations

import pytest

from checks.engine import CheckContext
from checks.models import Report, Section, Severity, Status, Subject
from checks.request import CheckRequest, parse
from checks.sources.trade_fraud import TradeFraudAnalyzer, trade_fraud_findings

EN = CheckContext.for_lang("en")
ZH = CheckContext.for_lang("zh")


def codes(request: CheckRequest, ctx: CheckContext = EN) -> list[str]:
    return [f.code for f in trade_fraud_findings(request, ctx)]


BANK_CHANGE_TEXTS = [
    "Dear supplier,\nPlease note we have changed our bank account due to an audit. Kindly send the invoice again.\nRegards,\nAhmed",
    "Kindly remit the balance to our new bank account below, the old one is no longer in use.",
    "Our bank details have been changed, do not pay to the old account.",
    "Our account is under audit, please use the account of our sister company in Hong Kong.",
    "您好，我们公司更换银行账户了，请把货款付到新的收款账户。",
    "由于年度审计，原账户被冻结，请勿再付款至旧账户。",
    "我司银行信息已变更，请以此为准。",
]
INNOCENT_TEXTS = [
    "We are a new account for your company and would like a quotation for 2 x 40HQ of PVC pipes.",
    "Please open a new account for us on your website so we can order samples.",
    "Payment by T/T 30% deposit to your bank account, balance against copy of B/L.",
    "请报价 2 个 40 尺高柜，付款方式 30% 预付。",
]


@pytest.mark.parametrize("text", BANK_CHANGE_TEXTS)
def test_bank_change_requests(text: str) -> None:
    request = CheckRequest(company="Al Noor Trading", raw_text=text, pasted=True)
    findings = trade_fraud_findings(request, EN)
    assert [f.code for f in findings] == ["fraud.bank_change"]
    assert findings[0].status is Status.FLAG and findings[0].severity is Severity.HIGH
    assert findings[0].section is Section.RISK
    assert findings[0].data["words"]


@pytest.mark.parametrize("text", INNOCENT_TEXTS)
def test_ordinary_messages_raise_nothing(text: str) -> None:
    assert codes(CheckRequest(company="Al Noor Trading", raw_text=text, pasted=True, email="buyer@gmail.com",
                              country="AE")) == []


def test_bank_change_in_the_note_field() -> None:
    request = parse('ACME Trading LLC country=AE note="buyer says they changed our bank to a new one in Turkey"')
    assert "fraud.bank_change" in codes(request)


def test_bank_in_another_country() -> None:
    request = parse("ACME Trading LLC country=AE bank=\"Ziraat Bankasi\" bank_country=TR")
    findings = trade_fraud_findings(request, ZH)
    assert [f.code for f in findings] == ["fraud.bank_country_mismatch"]
    assert findings[0].data == {"country": "AE", "bank_country": "TR", "bank": "Ziraat Bankasi",
                                "bank_country_from": "bank_country"}
    assert findings[0].title == "银行在土耳其，买家却在阿拉伯联合酋长国"
    assert codes(parse("ACME country=AE bank_country=AE")) == []
    assert codes(parse("ACME bank_country=TR")) == []  # nothing claimed to compare with


def test_bank_country_read_from_the_iban_wins_over_the_stated_one() -> None:
    # the buyer says the bank is in the Emirates, but the IBAN is Turkish
    request = parse('ACME Trading LLC country=AE bank="Ziraat Bankasi TR33 0006 1005 1978 6457 8413 26" bank_country=AE')
    findings = trade_fraud_findings(request, EN)
    assert [f.code for f in findings] == ["fraud.bank_country_mismatch"]
    assert findings[0].data["bank_country"] == "TR" and findings[0].data["bank_country_from"] == "iban"
    swift = parse('ACME Trading LLC country=AE bank="Emirates NBD, SWIFT: EBILAEAD"')
    assert codes(swift) == []
    assert codes(parse('ACME Trading LLC country=SA bank="SWIFT code EBILAEAD"')) == ["fraud.bank_country_mismatch"]


URGENT_SAMPLE = ("Dear Sir,\nWe are Siemens AG, a Fortune 500 company. We urgently need samples of your cable "
                 "delivered by tomorrow; please send via DHL collect.\nJohn, Procurement")


def test_urgent_sample_from_free_mail_claiming_a_large_company() -> None:
    request = CheckRequest(company="Siemens AG", email="siemens.procurement@gmail.com", raw_text=URGENT_SAMPLE,
                           pasted=True)
    findings = trade_fraud_findings(request, EN)
    assert [f.code for f in findings] == ["fraud.urgent_sample_free_mail"]
    assert findings[0].data["provider"] == "gmail.com"
    assert "siemens.com" in findings[0].data["official_domains"]


def test_urgent_sample_in_chinese_claiming_size() -> None:
    text = "您好，我们是世界500强企业，急需样品，请尽快寄出。"
    request = CheckRequest(company="环球实业集团", email="huanqiu@163.com", raw_text=text, pasted=True)
    findings = trade_fraud_findings(request, ZH)
    assert [f.code for f in findings] == ["fraud.urgent_sample_free_mail"]
    assert "163.com" in findings[0].detail


@pytest.mark.parametrize("email,text", [
    ("procurement@siemens.com", URGENT_SAMPLE),  # the company's own domain
    ("siemens.procurement@gmail.com", "We are Siemens AG. Please send samples of your cable."),  # no urgency
    ("ali.trading@gmail.com", "We urgently need samples of your cable."),  # no large-company claim
])
def test_urgent_sample_needs_all_three_signs(email: str, text: str) -> None:
    company = "Siemens AG" if "siemens" in email else "Ali Trading"
    assert codes(CheckRequest(company=company, email=email, raw_text=text, pasted=True)) == []


def test_embargoed_buyer_with_transit_elsewhere() -> None:
    findings = trade_fraud_findings(parse("Sunrise Textiles country=IR transit=AE"), EN)
    assert [f.code for f in findings] == ["fraud.embargo_transit"]
    assert findings[0].status is Status.FAIL and findings[0].severity is Severity.CRITICAL
    assert findings[0].data == {"country": "IR", "transit_country": "AE"}
    assert codes(parse("Sunrise Textiles country=IR")) == []  # the country source reports the embargo itself
    assert codes(parse("Sunrise Textiles country=AE transit=OM")) == []


def test_message_naming_an_embargoed_destination() -> None:
    text = "Please quote CIF Jebel Ali. The goods will be re-exported to Bandar Abbas, our end user is in Iran."
    findings = trade_fraud_findings(CheckRequest(company="Gulf Star FZE", country="AE", raw_text=text), EN)
    assert [f.code for f in findings] == ["fraud.embargo_transit"]
    assert findings[0].data["mentioned"] == ["IR"]
    zh = trade_fraud_findings(CheckRequest(company="x", country="AE", raw_text="货物最终运往朝鲜南浦"), ZH)
    assert zh[0].data["mentioned"] == ["KP"] and "朝鲜" in zh[0].title


def test_names_in_fields_are_not_messages() -> None:
    # the key=value form: "New Bank" in a name is no bank-change request, but an embargoed bank is still seen
    assert codes(parse('New Bank Trading LLC country=AE bank="New Bank of Asia" bank_country=AE')) == []
    assert codes(parse("Urgent Samples Fortune 500 Ltd email=x@gmail.com country=AE")) == []
    assert codes(parse('Gulf Star FZE country=AE bank="Bank Melli Iran" bank_country=AE')) == ["fraud.embargo_transit"]


def test_pasted_inquiry_through_the_parser() -> None:
    text = ("Dear Sir,\nWe have changed our bank account, please find the new bank details attached.\n"
            "Best regards,\nAhmed Hassan\nGulf Star General Trading LLC\nahmed.gulfstar@gmail.com\n"
            "Tel: +971 50 123 4567\nDubai, UAE")
    request = parse(text)
    assert request.pasted
    assert codes(request) == ["fraud.bank_change"]


def test_analyzer_adds_to_the_report() -> None:
    request = parse("ACME country=AE bank_country=HK")
    report = Report(subject=Subject(name="ACME"))
    TradeFraudAnalyzer().analyze(request, report, EN)
    assert [f.code for f in report.sections.risk] == ["fraud.bank_country_mismatch"]
