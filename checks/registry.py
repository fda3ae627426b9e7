"""Which sources, analyzers and scorer make up the engine. The one place that lists them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import Settings, get_settings
from .engine import Analyzer, Engine, Scorer, Source

if TYPE_CHECKING:
    from .http import HttpClient
    from .screening.service import ScreeningService
    from .workers import WorkerPool


def offline_sources(settings: Settings, screening: ScreeningService | None = None) -> list[Source]:
    """Sources that need no network: they always answer. The sanctions source screens with `screening`
    (one made over `settings.lists_dir` when not given)."""
    from .sources.sanctions import SanctionsSource

    sources: list[Source] = [SanctionsSource(settings, screening=screening)]
    from .sources.country import CountryRiskSource
    from .sources.email import EmailSource
    from .sources.identifiers import IdentifierSource
    from .sources.phone import PhoneSource
    from .sources.trade_remedies import TradeRemedySource

    sources += [EmailSource(), PhoneSource(), IdentifierSource(), CountryRiskSource(), TradeRemedySource(settings)]
    for source in sources:  # pure CPU work: off the event loop, which a server needs for its acks
        source.in_thread = True
    return sources


def online_sources(settings: Settings, http: HttpClient | None = None) -> list[Source]:
    """Sources that call public services, all over `http` (one connection pool, cache and set of rate
    limits; a new one if not given); each reports `unavailable` when it cannot."""
    from .http import HttpClient
    from .sources.companies_house import CompaniesHouseSource
    from .sources.dns_email import DnsEmailSource
    from .sources.gdelt import GdeltSource
    from .sources.gleif import GleifSource
    from .sources.rdap import RdapSource
    from .sources.sec_edgar import SecEdgarSource
    from .sources.vies import ViesSource
    from .sources.website import WebsiteSource
    from .sources.wikidata import WikidataSource

    client = http or HttpClient()
    sources: list[Source] = [
        cls(settings, client=client)
        for cls in (DnsEmailSource, RdapSource, WebsiteSource, GleifSource, ViesSource, CompaniesHouseSource,
                    SecEdgarSource, WikidataSource, GdeltSource)
    ]
    return sources


def analyzers(settings: Settings) -> list[Analyzer]:
    from .analyzers.consistency import ConsistencyAnalyzer
    from .analyzers.profile import ProfileAnalyzer

    found: list[Analyzer] = [ConsistencyAnalyzer(), ProfileAnalyzer()]
    from .sources.trade_fraud import TradeFraudAnalyzer

    found.append(TradeFraudAnalyzer())
    from .country_notes import CountryNotesAnalyzer

    found.append(CountryNotesAnalyzer())  # after the profile analyzer: it reads the registered address
    from .sources.trade_remedies import TradeRemedyAnalyzer

    found.append(TradeRemedyAnalyzer())
    return found


def scorer(settings: Settings) -> Scorer | None:
    from .policy import BUNDLED
    from .risk import PolicyScorer

    return PolicyScorer(path=settings.policy_path or BUNDLED)


def build_engine(
    settings: Settings | None = None,
    *,
    offline: bool | None = None,
    http: HttpClient | None = None,
    screening: ScreeningService | None = None,
    cpu: WorkerPool | None = None,
) -> Engine:
    """The engine, every source built with `settings`. Its online sources share `http` (the runtime's
    client, which the runtime closes), or one made here for this engine (`engine.http`) when not given;
    an offline engine makes none. The sanctions source screens with `screening` (the caller's loaded
    lists; a new service of this engine's own when not given: `engine.screening`). `cpu`: the caller's
    CPU thread (it closes it), else the engine has its own (`engine.close()`)."""
    settings = settings or get_settings()
    offline = settings.offline if offline is None else offline
    if screening is None:
        from .screening.service import ScreeningService

        screening = ScreeningService(settings.lists_dir)
    sources = offline_sources(settings, screening)
    if not offline:
        from .http import HttpClient  # httpx: only an engine that goes online needs it

        http = http or HttpClient()
        sources += online_sources(settings, http)
    for source in sources:
        if source.online:
            source.timeout = settings.source_timeout
    engine_scorer = scorer(settings)
    if engine_scorer is not None and hasattr(engine_scorer, "offline"):
        engine_scorer.offline = offline  # an offline check is never "complete": the card says so
    return Engine(sources, analyzers(settings), engine_scorer, http=http, cpu=cpu, screening=screening)
