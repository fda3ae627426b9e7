"""Identifier checksums on python-stdnum's own documented examples (fixtures/stdnum)."""

from __future__ import annotations

import pytest

from checks.engine import CheckContext
from checks.models import Status
from checks.request import CheckRequest, parse
from checks.sources.identifiers import (
    FORMATS,
    IdentifierSource,
    bank_country_of,
    bank_numbers,
    check_number,
    findings_for,
)

from .conftest import fixture_json

MODULES = fixture_json("stdnum", "stdnum_examples.json")["modules"]

# where each stdnum module is reached from: (claimed country, field)
ROUTES: dict[str, list[tuple[str | None, str]]] = {
    "cn.uscc": [("CN", "vat"), ("CN", "reg")], "us.ein": [("US", "vat"), ("US", "reg")],
    "in_.gstin": [("IN", "vat"), ("IN", "reg")], "in_.pan": [("IN", "vat")], "tr.vkn": [("TR", "vat"), ("TR", "reg")],
    "ru.inn": [("RU", "vat")], "ru.ogrn": [("RU", "reg")], "br.cnpj": [("BR", "vat"), ("BR", "reg")],
    "vn.mst": [("VN", "vat")], "id.npwp": [("ID", "vat")], "th.tin": [("TH", "vat")], "mx.rfc": [("MX", "vat")],
    "za.tin": [("ZA", "vat")], "kr.brn": [("KR", "vat"), ("KR", "reg")], "jp.cn": [("JP", "vat"), ("JP", "reg")],
    "tw.ubn": [("TW", "vat")], "sg.uen": [("SG", "vat"), ("SG", "reg")], "ca.bn": [("CA", "vat"), ("CA", "reg")],
    "au.abn": [("AU", "vat"), ("AU", "reg")], "il.hp": [("IL", "vat"), ("IL", "reg")], "eg.tn": [("EG", "vat")],
    "ma.ice": [("MA", "vat")], "ua.edrpou": [("UA", "vat"), ("UA", "reg")], "by.unp": [("BY", "vat")],
    "pl.nip": [("PL", "vat")], "pl.regon": [("PL", "reg")], "de.vat": [("DE", "vat")],
    "de.handelsregisternummer": [("DE", "reg")], "fr.siren": [("FR", "reg")], "fr.siret": [("FR", "reg")],
    "fr.tva": [("FR", "vat")], "it.iva": [("IT", "vat"), ("IT", "reg")], "es.cif": [("ES", "reg")],
    "ch.uid": [("CH", "reg")], "no.orgnr": [("NO", "reg")], "se.orgnr": [("SE", "reg")], "lei": [(None, "lei")],
    "cl.rut": [("CL", "vat")], "co.nit": [("CO", "vat")], "pe.ruc": [("PE", "vat")], "ar.cuit": [("AR", "vat")],
    "ec.ruc": [("EC", "vat")], "gb.vat": [("GB", "vat")], "eu.vat": [(None, "vat")],
}
# stdnum modules we do not route to on purpose: personal ids and a personal tax reference
NOT_COMPANY_NUMBERS = {"cn.ric", "gb.utr"}

# Formats of numbers stdnum does not implement, with a number of that shape for each.
FORMAT_SAMPLES = {
    "ae": ("AE", "vat", "100123456700003"), "sa": ("SA", "vat", "310122393500003"), "hk": ("HK", "reg", "12345678"),
    "kz": ("KZ", "reg", "123456789012"), "nl.kvk": ("NL", "reg", "12345678"), "my.ssm": ("MY", "reg", "201901000005"),
    "pk.ntn": ("PK", "vat", "1234567-8"), "ng.tin": ("NG", "vat", "12345678-0001"), "bd.bin": ("BD", "vat", "123456789"),
}

# stdnum's examples that fail only on the separators or are another valid number of the same country:
# salespeople type numbers with any punctuation, so separators are dropped before checking.
ACCEPTED_ELSEWHERE = {
    ("us.ein", "911-14-4442"): "us.ein",  # the EIN digits are valid; only the dash positions were SSN-like
    ("es.cif", "M-1234567-L"): "es.nif",  # not a company CIF, but a valid Spanish NIF (foreigner's tax number)
}

VALID_CASES = [(m, cc, kind, n) for m, spec in MODULES.items() if spec["exists"] and m in ROUTES
               for cc, kind in ROUTES[m] for n in spec["valid_examples"]]
INVALID_CASES = [(m, cc, kind, n, err) for m, spec in MODULES.items() if spec["exists"] and m in ROUTES
                 for cc, kind in ROUTES[m] for n, err in spec["invalid_examples"]]


def test_every_implemented_module_in_the_fixture_is_routed() -> None:
    implemented = {m for m, spec in MODULES.items() if spec["exists"]}
    assert implemented - NOT_COMPANY_NUMBERS <= set(ROUTES)
    missing = {m for m, spec in MODULES.items() if not spec["exists"]}
    assert missing == set(FORMAT_SAMPLES)


@pytest.mark.parametrize("module,country,kind,number", VALID_CASES)
def test_documented_valid_numbers_pass(module: str, country: str | None, kind: str, number: str) -> None:
    outcome, other = check_number(number, kind, country)
    assert outcome.result == "valid", (outcome, module)
    assert other is None


@pytest.mark.parametrize("module,country,kind,number,error", INVALID_CASES)
def test_documented_invalid_numbers_fail(module: str, country: str | None, kind: str, number: str, error: str) -> None:
    outcome, _ = check_number(number, kind, country)
    if (module, number) in ACCEPTED_ELSEWHERE:
        assert outcome.result == "valid" and outcome.module == ACCEPTED_ELSEWHERE[(module, number)]
        return
    if error == "InvalidChecksum":
        assert outcome.result == "checksum", (outcome, module)
    else:
        # a wrong length or letter is a format failure (a country's other number types may say "checksum")
        assert outcome.result in ("format", "format_only_bad", "checksum"), (outcome, module)
        assert outcome.result != "checksum" or outcome.module != module


@pytest.mark.parametrize("name", sorted(FORMAT_SAMPLES))
def test_format_only_where_stdnum_has_no_module(name: str, ctx: CheckContext) -> None:
    country, kind, number = FORMAT_SAMPLES[name]
    assert (country, kind) in FORMATS
    findings = findings_for(number, kind, country, ctx)
    assert findings[0].code == "id.format_only"
    assert findings[0].status is Status.INFO
    assert "format" in findings[0].detail and "python-stdnum" in findings[0].detail  # says it is format only
    bad = findings_for("12", kind, country, ctx)
    assert bad[0].code == "id.invalid_format"
    assert "format check only" in bad[0].detail


def test_acceptance_vat_fails_its_check_digit(ctx: CheckContext) -> None:
    request = parse("ACME Trading LLC email=buyer.acme@gmail.com phone=+86 138 0013 8000 country=AE vat=DE123456789")
    findings = findings_for(request.vat or "", "vat", request.country, ctx)
    assert [f.code for f in findings] == ["id.invalid_checksum", "id.country_mismatch"]
    assert findings[0].status is Status.FAIL
    assert findings[0].data["module"] == "eu.vat"
    assert findings[0].evidence[0].url.endswith("stdnum.eu.vat")
    assert findings[1].status is Status.FLAG
    assert findings[1].data == {"kind": "vat", "number": "DE123456789", "prefix_country": "DE", "claimed_country": "AE"}


def test_vat_prefix_of_the_claimed_country_is_no_mismatch(ctx: CheckContext) -> None:
    findings = findings_for("DE 136,695 976", "vat", "DE", ctx)
    assert [f.code for f in findings] == ["id.valid_checksum"]
    greek = findings_for("EL 094259216", "vat", "GR", ctx)
    assert [f.code for f in greek] == ["id.valid_checksum"]


def test_letters_that_belong_to_the_claimed_countrys_format(ctx: CheckContext) -> None:
    # a Mexican RFC starts with letters; "VA" is no VAT prefix of another country to complain about
    assert [f.code for f in findings_for("VACE-460910-SX6", "vat", "MX", ctx)] == ["id.valid_checksum"]


def test_number_without_prefix_and_without_country_is_unchecked(ctx: CheckContext) -> None:
    findings = findings_for("123456789", "vat", None, ctx)
    assert [f.code for f in findings] == ["id.unchecked"]
    assert "country=" in findings[0].detail


def test_uae_trade_licence_has_no_known_format(ctx: CheckContext) -> None:
    assert [f.code for f in findings_for("CN-1234567", "reg", "AE", ctx)] == ["id.unchecked"]


def test_chinese_texts() -> None:
    zh = CheckContext.for_lang("zh")
    findings = findings_for("91110000600037341L", "reg", "CN", zh)
    assert findings[0].title.startswith("注册号 91110000600037341L 通过官方校验")
    only = findings_for("100123456700003", "vat", "AE", zh)[0]
    assert "仅检查了格式" in only.detail


async def test_source_checks_every_field_and_ignores_non_numbers(ctx: CheckContext) -> None:
    source = IdentifierSource()
    assert not source.applicable(CheckRequest(company="x"))
    request = CheckRequest(company="x", country="CN", vat="n/a", lei="213800KUD8LXJWSQ9D15", reg="91110000600037341L")
    findings = await source.run(request, ctx)
    assert [(f.code, f.data["kind"]) for f in findings] == [("id.invalid_checksum", "lei"), ("id.valid_checksum", "reg")]


@pytest.mark.parametrize("junk", ["1", "DE", "X" * 500 + "1", "１２３４５", "DE12345678901234567890", "??1"])
def test_junk_never_crashes(junk: str, ctx: CheckContext) -> None:
    for kind in ("vat", "lei", "reg"):
        for country in (None, "DE", "CN", "AE"):
            findings = findings_for(junk, kind, country, ctx)
            assert findings and findings[0].code.startswith("id.")


def test_scheme_names_are_short() -> None:
    assert check_number("91110000600037341L", "reg", "CN")[0].scheme == "USCC: Unified Social Credit Code"
    assert check_number("DE136695976", "vat", None)[0].scheme == "European Union VAT number"
    assert check_number("9429041000014", "reg", "NZ")[0].scheme.startswith("NZBN")


def test_monaco_uses_french_vat_numbers_without_a_mismatch(ctx: CheckContext) -> None:
    # Monaco companies carry FR-prefixed VAT numbers (stdnum's mc.tva doctest): no country mismatch for them,
    # while a mainland French number claimed for Monaco is one
    assert [f.code for f in findings_for("FR53000004605", "vat", "MC", ctx)] == ["id.valid_checksum"]
    assert [f.code for f in findings_for("FR 61 954 506 077", "vat", "MC", ctx)] == ["id.valid_checksum",
                                                                                    "id.country_mismatch"]


def test_ibans_and_labelled_swift_codes_in_the_bank_field(ctx: CheckContext) -> None:
    good = bank_numbers("Emirates NBD IBAN AE07 0331 2345 6789 0123 456")
    assert [(k, o.result, o.country) for k, o in good] == [("iban", "valid", "AE")]
    bad = bank_numbers("Barclays GB82 WEST 1234 5698 7654 33")  # last digit changed: the IBAN check fails
    assert [(k, o.result) for k, o in bad] == [("iban", "checksum")]
    assert bank_numbers("Bank of Commerce") == []  # an 8-letter word is no SWIFT code without its label
    assert [(k, o.country) for k, o in bank_numbers("swift code citius33xxx")] == [("bic", "US")]
    assert bank_country_of("Ziraat Bankasi TR33 0006 1005 1978 6457 8413 26") == ("TR", "iban")
    assert bank_country_of("GB82 WEST 1234 5698 7654 33") is None


async def test_source_checks_the_bank_field(ctx: CheckContext) -> None:
    request = CheckRequest(company="x", bank="HSBC GB82 WEST 1234 5698 7654 33")
    findings = await IdentifierSource().run(request, ctx)
    assert [(f.code, f.data["kind"], f.data["country"]) for f in findings] == [("id.invalid_checksum", "iban", "GB")]
    assert findings[0].title.startswith("IBAN GB82WEST12345698765433 fails its check digit")


def test_iban_of_a_country_outside_the_iban_registry() -> None:
    # Iran uses IBANs but is not in SWIFT's IBAN registry (nor in stdnum's): the mod-97 check digits still hold
    assert [(o.result, o.country) for _, o in bank_numbers("Bank Melli IR27 0170 0000 0010 0324 2000 01")] == [
        ("valid", "IR")]
    assert [o.result for _, o in bank_numbers("Bank Melli IR28 0170 0000 0010 0324 2000 01")] == ["checksum"]


# --- the kind of number, named in the reader's language ----------------------------------------------------------
@pytest.mark.parametrize("lang,name", [("zh", "欧盟增值税号"), ("en", "EU VAT number")])
def test_a_common_kind_is_named_in_the_readers_language(lang: str, name: str) -> None:
    finding = findings_for("DE123456789", "vat", "AE", CheckContext.for_lang(lang))[0]
    assert finding.code == "id.invalid_checksum" and f"({name})" in finding.title.replace("（", "(").replace("）", ")")
    assert "European Union VAT number" not in finding.title
    assert finding.data["scheme"] == "European Union VAT number"  # the data keeps stdnum's own name


def test_a_format_only_number_has_its_kind_and_format_in_chinese() -> None:
    finding = findings_for("100123456", "vat", "AE", CheckContext.for_lang("zh"))[0]
    assert finding.code == "id.invalid_format"
    assert "阿联酋税务登记号（TRN）" in finding.title and "以 100 开头的 15 位数字" in finding.detail


def test_a_kind_the_catalog_lacks_falls_back_to_stdnums_name() -> None:
    finding = findings_for("123456785", "reg", "NO", CheckContext.for_lang("zh"))[0]
    assert finding.data["module"] == "no.orgnr" and finding.data["scheme"] in finding.title
