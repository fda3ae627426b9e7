"""The normalised trade-remedy measure and the per-jurisdiction coverage it comes with."""

from __future__ import annotations

from pydantic import BaseModel, Field

# type: what the measure is. anti_dumping | countervailing | undertaking | safeguard |
# ad_or_cvd (the publisher says "AD or CVD" without saying which) | unspecified (a live measure of a
# kind the data does not state) | investigation (a case under way: no duty yet)
MEASURE_TYPES = ("anti_dumping", "countervailing", "undertaking", "safeguard", "ad_or_cvd", "unspecified",
                 "investigation")
ANY_ORIGIN = "*"  # erga omnes (a safeguard), or goods from every country without a trade agreement
UNKNOWN_ORIGIN = "?"  # the data does not say which origin the measure targets


class Measure(BaseModel):
    """One measure (or case under way) as one jurisdiction publishes it."""

    jurisdiction: str = Field(description="CA, GB, EU, US, CO")
    type: str
    case: str | None = None
    product: str = ""
    origin: str = Field(description="ISO alpha-2 of the targeted country, * for all, ? when not stated")
    codes: list[str] = Field(default_factory=list, description="digits only, as the jurisdiction publishes them")
    since: str | None = Field(None, description="ISO date the measure took effect, when the data gives it")
    duty: str | None = None
    url: str | None = None
    source: str = Field("", description="the dataset it comes from")
    note: str | None = None


class Coverage(BaseModel):
    """What one jurisdiction's data covers and how old it is."""

    jurisdiction: str
    name: str
    as_of: str
    complete: bool
    source: str
    url: str
    scope: str = Field("", description="what is and is not in the data, in English (shown in Details)")
    hs_chapters: list[str] | None = Field(None, description="chapters the code data covers; None: all")
    code_data: bool = True
    parts: dict[str, str] = Field(default_factory=dict, description="as-of date of each source behind it")
    origin_counts: dict[str, tuple[int, int]] = Field(
        default_factory=dict, description="origin -> (tariff codes with an AD/CVD measure, all codes), where known")


class Snapshot(BaseModel):
    built: str = ""
    coverage: dict[str, Coverage] = Field(default_factory=dict)
    measures: list[Measure] = Field(default_factory=list)

    def for_jurisdiction(self, jurisdiction: str) -> list[Measure]:
        return [m for m in self.measures if m.jurisdiction == jurisdiction]
