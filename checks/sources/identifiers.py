"""Tax, registry and LEI numbers, offline: do they pass their official check digits?

A made-up or mistyped VAT number is the cheapest thing to catch: most national identifiers carry
a check digit (python-stdnum implements them). Where stdnum has no module for a country's number
(UAE TRN, Saudi VAT, Hong Kong BR ...) only the published format is checked, and the finding says
so. A VAT number whose country prefix is not the buyer's claimed country is reported too.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import cast

import stdnum
from stdnum import exceptions as stdnum_errors
from stdnum.util import get_cc_module

from .. import countries
from ..engine import CheckContext, Source
from ..i18n import Translator, has
from ..models import Evidence, Finding, Section, Severity, Status
from ..request import CheckRequest

DOC_URL = "https://arthurdejong.org/python-stdnum/doc/{version}/stdnum.{module}"
EU_PREFIXES = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT",
               "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI"}
PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}

# Tax numbers by claimed country, tried before stdnum's own `<cc>.vat` alias (which is missing for some).
VAT_MODULES: dict[str, tuple[str, ...]] = {
    "CN": ("cn.uscc",), "US": ("us.ein",), "IN": ("in_.gstin", "in_.pan"), "TR": ("tr.vkn",), "RU": ("ru.inn",),
    "BR": ("br.cnpj",), "ZA": ("za.tin",), "UA": ("ua.edrpou", "ua.rntrc"), "TH": ("th.tin", "th.moa"),
    "PK": ("pk.cnic",), "KE": ("ke.pin",), "GH": ("gh.tin",), "DZ": ("dz.nif",), "TN": ("tn.mf",),
    "AZ": ("az.voen",), "MD": ("md.idno",), "VE": ("ve.rif",), "UY": ("uy.rut",), "PY": ("py.ruc",),
    "DO": ("do.rnc",), "GT": ("gt.nit",), "SV": ("sv.nit",), "CR": ("cr.cpj",), "MZ": ("mz.nuit",),
    "SN": ("sn.ninea",), "GN": ("gn.nifp",), "AL": ("al.nipt",), "RS": ("rs.pib",), "ME": ("me.pib",),
    "MK": ("mk.edb",), "IS": ("is_.vsk",),
}

# Registry (company) numbers by claimed country; the tax modules are tried after these.
REG_MODULES: dict[str, tuple[str, ...]] = {
    "CN": ("cn.uscc",), "DE": ("de.handelsregisternummer",), "FR": ("fr.siren", "fr.siret", "fr.rcs"),
    "IT": ("it.iva", "it.codicefiscale"), "ES": ("es.cif",), "PL": ("pl.regon", "pl.nip"), "RU": ("ru.ogrn", "ru.inn"),
    "UA": ("ua.edrpou",), "BY": ("by.unp",), "IN": ("in_.gstin",), "US": ("us.ein",), "CA": ("ca.bn",),
    "AU": ("au.acn", "au.abn"), "SG": ("sg.uen",), "JP": ("jp.cn",), "KR": ("kr.brn",), "TW": ("tw.ubn",),
    "VN": ("vn.mst",), "ID": ("id.npwp",), "TH": ("th.moa", "th.tin"), "MX": ("mx.rfc",), "CL": ("cl.rut",),
    "CO": ("co.nit",), "PE": ("pe.ruc",), "AR": ("ar.cuit",), "EC": ("ec.ruc",), "BR": ("br.cnpj",),
    "IL": ("il.hp",), "EG": ("eg.tn",), "MA": ("ma.ice",), "CH": ("ch.uid",), "NO": ("no.orgnr",),
    "SE": ("se.orgnr",), "DK": ("dk.cvr",), "FI": ("fi.ytunnus",), "EE": ("ee.registrikood",), "TR": ("tr.vkn",),
    "BE": ("be.vat",), "AT": ("at.businessid",), "RO": ("ro.onrc", "ro.cui"), "SI": ("si.maticna",),
    "NZ": ("ean",),  # the NZBN is a GS1 global location number (13 digits, GS1 check digit)
}


@dataclass(frozen=True)
class Format:
    pattern: str
    scheme: str  # what the number is, in its own words (shown in the finding)
    description: str  # the format, shown in the finding


# Numbers stdnum does not implement: their published format only (no check digit is known).
FORMATS: dict[tuple[str, str], Format] = {
    ("AE", "vat"): Format(r"100\d{12}", "UAE TRN", "15 digits starting with 100"),
    ("SA", "vat"): Format(r"3\d{13}3", "Saudi VAT number", "15 digits, first and last digit 3"),
    ("SA", "reg"): Format(r"[1-7]\d{9}", "Saudi Commercial Registration (CR)", "10 digits"),
    ("HK", "reg"): Format(r"\d{8}", "Hong Kong Business Registration number", "8 digits"),
    ("HK", "vat"): Format(r"\d{8}", "Hong Kong Business Registration number", "8 digits"),
    ("KZ", "reg"): Format(r"\d{12}", "Kazakhstan BIN", "12 digits"),
    ("KZ", "vat"): Format(r"\d{12}", "Kazakhstan BIN", "12 digits"),
    ("NL", "reg"): Format(r"\d{8}", "Dutch KvK number", "8 digits"),
    ("MY", "reg"): Format(r"(19|20)\d{2}0[1-6]\d{6}", "Malaysian SSM registration number", "12 digits: year, entity type 01-06, serial"),
    ("PK", "vat"): Format(r"\d{7}\d?", "Pakistan NTN", "7 digits, optionally a check digit"),
    ("PK", "reg"): Format(r"\d{7}\d?", "Pakistan NTN", "7 digits, optionally a check digit"),
    ("NG", "vat"): Format(r"\d{8}\d{4}", "Nigerian TIN", "8 digits, a dash and 4 digits"),
    ("BD", "vat"): Format(r"\d{9}(\d{4})?", "Bangladesh BIN", "9 or 13 digits"),
    ("GB", "reg"): Format(r"(\d{8}|(SC|NI|OC|SO|NC|R0|IP|SP|LP|SL|FC|SF|NF|GE|CE|NP|IC|SI|RS)\d{6})",
                          "UK Companies House number", "8 digits, or 2 letters and 6 digits"),
    ("IN", "reg"): Format(r"[LU]\d{5}[A-Z]{2}\d{4}[A-Z]{3}\d{6}", "Indian CIN", "21 characters: L/U, industry, state, year, type, serial"),
    ("ZA", "reg"): Format(r"\d{4}/?\d{6}/?\d{2}", "South African company registration number", "YYYY/NNNNNN/NN"),
    ("QA", "vat"): Format(r"\d{11}", "Qatar TIN", "11 digits"),
    ("OM", "vat"): Format(r"OM\d{10}", "Oman VATIN", "OM and 10 digits"),
    ("BH", "vat"): Format(r"\d{15}", "Bahrain VAT account number", "15 digits"),
    ("KW", "reg"): Format(r"\d{4,7}", "Kuwait commercial registration number", "4 to 7 digits"),
}

KINDS = ("vat", "lei", "reg")


@dataclass
class Outcome:
    """What checking one number found."""

    result: str  # valid | checksum | format | format_only | format_only_bad | unchecked
    scheme: str = ""
    module: str | None = None
    value: str = ""
    country: str | None = None
    error: str = ""
    description: str = ""


def compact(number: str) -> str:
    return re.sub(r"[\s.\-,_:;]", "", number.upper())


@cache
def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"stdnum.{name}")
    except ImportError:
        return None


SCHEME_NAMES = {"ean": "NZBN: New Zealand Business Number (GS1)", "bic": "BIC / SWIFT code"}


def scheme_of(module: ModuleType) -> str:
    """A short name from stdnum's title: `cn.uscc` -> 'USCC: Unified Social Credit Code'."""
    if _module_name(module) in SCHEME_NAMES:
        return SCHEME_NAMES[_module_name(module)]
    first = (module.__doc__ or module.__name__).strip().splitlines()[0].strip().rstrip(".")
    match = re.fullmatch(r"(.+?)\s*\((.+)\)", first)
    if not match:
        return first
    short, inner = match.group(1).strip(), match.group(2).split(",")[0].strip()
    return inner if short.split(",")[0] in inner else f"{short.split(',')[0]}: {inner}"


def _module_name(module: ModuleType) -> str:
    return module.__name__.removeprefix("stdnum.")


def candidates(country: str | None, kind: str, prefixed: bool = False) -> list[str]:
    """stdnum module names that may hold a `kind` number of `country`, most specific first."""
    if not country:
        return []
    cc = country.upper()
    names: list[str] = []
    if kind == "vat" and prefixed and cc in {PREFIX_COUNTRY.get(p, p) for p in EU_PREFIXES}:
        names.append("eu.vat")
    if kind == "reg":
        names += REG_MODULES.get(cc, ())
    names += VAT_MODULES.get(cc, ())
    default = get_cc_module(cc.lower(), "vat")
    if default is not None:
        names.append(_module_name(cast(ModuleType, default)))  # stdnum types it as a Protocol; it is the module
    return [n for i, n in enumerate(names) if n not in names[:i] and _module(n) is not None]


def try_modules(names: list[str], number: str, country: str | None, raw: str = "") -> Outcome | None:
    """Valid with the first module that accepts the number, else the most telling failure."""
    failures: list[tuple[str, Exception]] = []
    for name in names:
        module = _module(name)
        if module is None:
            continue
        for variant in _variants(number, country, raw):
            try:
                value = module.validate(variant)
            except stdnum_errors.ValidationError as exc:
                failures.append((name, exc))
                continue
            except Exception as exc:  # a library surprise on odd input is a format failure, not a crash
                failures.append((name, stdnum_errors.InvalidFormat(str(exc))))
                continue
            try:
                shown = module.format(value) if hasattr(module, "format") else str(value)
            except Exception:  # formatting is cosmetic
                shown = str(value)
            return Outcome("valid", scheme_of(module), name, shown, country)
    if not failures:
        return None
    rank: dict[type[Exception], int] = {stdnum_errors.InvalidChecksum: 0, stdnum_errors.InvalidComponent: 1}
    name, error = min(failures, key=lambda f: rank.get(type(f[1]), 2))
    result = "checksum" if isinstance(error, stdnum_errors.InvalidChecksum) else "format"
    return Outcome(result, scheme_of(_module(name)), name, number, country, error=type(error).__name__)  # type: ignore[arg-type]


def _variants(number: str, country: str | None, raw: str = "") -> list[str]:
    """The number as typed (some formats need their spaces), compacted, and without its country letters."""
    out = [raw.strip()] if raw.strip() and raw.strip() != number else []
    out.append(number)
    own_prefixes = (country.upper(), *(p for p, c in PREFIX_COUNTRY.items() if c == country)) if country else ()
    if number[:2].isalpha() and number[:2] in own_prefixes:
        out.append(number[2:])
    return out


def check_format(number: str, country: str | None, kind: str) -> Outcome:
    fmt = FORMATS.get((country.upper(), kind)) if country else None
    if fmt is None:
        return Outcome("unchecked", country=country, value=number)
    bare = number
    if kind == "vat" and country and bare.startswith(country.upper()) and not fmt.pattern.startswith(country.upper()):
        bare = bare[2:]
    ok = re.fullmatch(fmt.pattern, bare.replace("/", "") if "/" not in fmt.pattern else bare) is not None
    return Outcome("format_only" if ok else "format_only_bad", fmt.scheme, None, number, country,
                   description=fmt.description)


def vat_prefix_country(number: str) -> str | None:
    """The country a VAT number's two-letter prefix names (EL -> GR, XI -> GB), if it names one."""
    prefix = number[:2]
    if len(prefix) < 2 or not prefix.isalpha():
        return None
    if prefix in EU_PREFIXES:
        return PREFIX_COUNTRY.get(prefix, prefix)
    if countries.to_code(prefix) == prefix and (get_cc_module(prefix.lower(), "vat") is not None
                                                or prefix in VAT_MODULES or (prefix, "vat") in FORMATS):
        return prefix
    return None


def evaluate(number: str, raw: str, country: str | None, kind: str, prefixed: bool = False) -> Outcome:
    """The best reading of a number for a country: a module that accepts it, else the published format,
    else the most telling module failure (a wrong check digit says more than a wrong length)."""
    from_modules = try_modules(candidates(country, kind, prefixed), number, country, raw)
    if from_modules is not None and from_modules.result == "valid":
        return from_modules
    by_format = check_format(number, country, kind)
    if by_format.result == "format_only":
        return by_format
    if from_modules is not None and from_modules.result == "checksum":
        return from_modules
    if by_format.result == "format_only_bad":
        return by_format
    return from_modules or by_format


def check_number(raw: str, kind: str, claimed: str | None) -> tuple[Outcome, str | None]:
    """(outcome, prefix country when it differs from the claimed one)."""
    number = compact(raw)
    claimed = claimed.upper() if claimed else None
    if kind == "lei":
        return try_modules(["lei"], number, None, raw) or Outcome("unchecked", value=number), None
    if kind == "reg":
        return evaluate(number, raw, claimed, "reg"), None

    prefix_cc = vat_prefix_country(number)
    if prefix_cc and claimed and prefix_cc != claimed:
        own = try_modules(candidates(claimed, "vat"), number, claimed, raw)
        if own is not None and own.result == "valid":  # the letters were part of the claimed country's format
            return own, None
        return evaluate(number, raw, prefix_cc, "vat", prefixed=True), prefix_cc
    country = claimed or prefix_cc
    return evaluate(number, raw, country, "vat", prefixed=prefix_cc is not None), None


# An IBAN, spaced in groups of four or not; a BIC only when labelled (bank words like COMMERCE look like one).
IBAN_RE = re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)\b")
BIC_RE = re.compile(r"\b(?:SWIFT|BIC)(?:\s*CODE)?\s*[:=]?\s*([A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b")
BIC_FORMAT = "8 or 11 characters: bank, country, location, branch"


def bank_numbers(text: str | None) -> list[tuple[str, Outcome]]:
    """(kind, outcome) for the IBANs and labelled BICs in a bank= value; text that is no IBAN is ignored."""
    if not text:
        return []
    upper = unicodedata.normalize("NFKC", text).upper()
    found: list[tuple[str, Outcome]] = []
    for match in IBAN_RE.finditer(upper):
        number = compact(match.group(1))
        outcome = try_modules(["iban"], number, None)
        if outcome is not None and outcome.error == "InvalidComponent" and countries.to_code(number[:2]) == number[:2]:
            outcome = _iban_outside_registry(number)  # e.g. Iran: IBANs in use, but not in SWIFT's registry
        if outcome is not None and outcome.result in ("valid", "checksum"):  # a wrong length: not an IBAN at all
            outcome.country = number[:2]
            found.append(("iban", outcome))
    for match in BIC_RE.finditer(upper):
        outcome = try_modules(["bic"], match.group(1), None)
        if outcome is not None and outcome.result == "valid":
            found.append(("bic", Outcome("format_only", outcome.scheme, "bic", outcome.value, match.group(1)[4:6],
                                         description=BIC_FORMAT)))
        elif outcome is not None:
            found.append(("bic", Outcome("format_only_bad", outcome.scheme, "bic", match.group(1), None,
                                         description=BIC_FORMAT)))
    return found


IBAN_UNREGISTERED = "IBAN: International Bank Account Number (check digits only; country not in the IBAN registry)"


def _iban_outside_registry(number: str) -> Outcome:
    """The ISO 13616 mod-97 check alone, for countries that stdnum's IBAN registry does not list."""
    rearranged = number[4:] + number[:4]
    try:
        valid = int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1
    except ValueError:
        valid = False
    return Outcome("valid" if valid else "checksum", IBAN_UNREGISTERED, "iban", number, number[:2],
                   error="" if valid else "InvalidChecksum")


def bank_country_of(text: str | None) -> tuple[str, str] | None:
    """(country, "iban" | "bic") from the first valid IBAN or BIC in a bank= value."""
    for kind, outcome in bank_numbers(text):
        if outcome.result in ("valid", "format_only") and outcome.country:
            return outcome.country, kind
    return None


class IdentifierSource(Source):
    name = "identifiers"
    needs = (*KINDS, "bank")
    timeout = 2.0

    async def run(self, request: CheckRequest, ctx: CheckContext) -> list[Finding]:
        findings: list[Finding] = []
        for kind in KINDS:
            value = getattr(request, kind, None)
            if value and re.search(r"\d", value):  # "n/a", "none", "无" are no numbers
                findings.extend(findings_for(value, kind, request.country, ctx))
        for kind, outcome in bank_numbers(request.bank):
            findings.append(outcome_finding(outcome, kind, outcome.value, ctx))
        return findings


SPECS = {
    "valid": ("id.valid_checksum", Status.PASS, Severity.INFO),
    "checksum": ("id.invalid_checksum", Status.FAIL, Severity.HIGH),
    "format": ("id.invalid_format", Status.FAIL, Severity.MEDIUM),
    "format_only": ("id.format_only", Status.INFO, Severity.LOW),
    "format_only_bad": ("id.invalid_format", Status.FAIL, Severity.MEDIUM),
    "unchecked": ("id.unchecked", Status.INFO, Severity.INFO),
}


def outcome_finding(outcome: Outcome, kind: str, raw: str, ctx: CheckContext) -> Finding:
    t = ctx.t
    data = {"kind": kind, "number": outcome.value or compact(raw), "scheme": outcome.scheme, "module": outcome.module,
            "country": outcome.country, "error": outcome.error or None}
    evidence = [Evidence(source=f"python-stdnum {stdnum.__version__}",
                         url=DOC_URL.format(version=stdnum.__version__, module=outcome.module) if outcome.module else None)]
    code, status, severity = SPECS[outcome.result]
    country_name = countries.name_of(outcome.country, ctx.lang) if outcome.country else "?"
    params = {"kind": t(f"id.kind.{kind}"), "number": raw.strip()[:60], "scheme": scheme_text(outcome, kind, t),
              "country": country_name, "format": format_text(outcome, kind, t)}
    return Finding(code=code, status=status, severity=severity, section=Section.VERIFICATION,
                   title=t(f"id.{outcome.result}.title", **params), detail=t(f"id.{outcome.result}.detail", **params),
                   evidence=evidence if outcome.module else [], data=data)


def _text_key(outcome: Outcome, kind: str) -> str:
    """The catalog suffix naming a number's kind: its stdnum module, else `<country>_<kind>` of a format-only one."""
    if outcome.module == "iban" and outcome.scheme == IBAN_UNREGISTERED:
        return "iban_unregistered"
    if outcome.module:
        return outcome.module
    return f"{(outcome.country or '').lower()}_{kind}"


def scheme_text(outcome: Outcome, kind: str, t: Translator) -> str:
    """The number's kind in the reader's language; stdnum's English name only for kinds the catalog lacks."""
    key = f"id.scheme.{_text_key(outcome, kind)}"
    return t(key) if has(key) else outcome.scheme


def format_text(outcome: Outcome, kind: str, t: Translator) -> str:
    """The published format of a format-only number, in the reader's language where the catalog has it."""
    key = f"id.format_rule.{_text_key(outcome, kind)}"
    return t(key) if outcome.description and has(key) else outcome.description


def findings_for(raw: str, kind: str, claimed: str | None, ctx: CheckContext) -> list[Finding]:
    t = ctx.t
    outcome, other_country = check_number(raw, kind, claimed)
    findings = [outcome_finding(outcome, kind, raw, ctx)]
    if other_country and claimed:
        label, shown = t(f"id.kind.{kind}"), raw.strip()[:60]
        findings.append(Finding(
            code="id.country_mismatch", status=Status.FLAG, severity=Severity.MEDIUM, section=Section.VERIFICATION,
            title=t("id.country_mismatch.title", kind=label, number=shown, prefix=countries.name_of(other_country, ctx.lang),
                    claimed=countries.name_of(claimed, ctx.lang)),
            detail=t("id.country_mismatch.detail"),
            data={"kind": kind, "number": compact(raw), "prefix_country": other_country, "claimed_country": claimed},
        ))
    return findings
