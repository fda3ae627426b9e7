"""Worst parse time over adversarial inputs of the maximum size (run by hand: python benchmarks/parse.py).

Target (issue 15, item 1): parsing ANY input of up to 20,000 characters — before or after NFKC
folding — takes under 100 ms. Each shape is built to hit one regex or loop at its worst: long runs
without the character a pattern needs, many near-matches, characters that grow under folding.
Prints each shape's CPU time (process time, best of 3, so other jobs on a busy machine do not inflate
it), its wall time, and the worst of each. Lazy one-time loads (country names, phone metadata) are
warmed up first, as in a running server (bot.server builds them off the event loop at start).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks.request import MAX_TEXT, RequestError, parse, warm_up  # noqa: E402


def shapes(n: int = MAX_TEXT) -> dict[str, str]:
    """Adversarial inputs, each exactly or nearly n characters."""
    def fill(unit: str) -> str:
        return (unit * (n // len(unit) + 1))[:n]

    return {
        "㎉ (folds to kcal)": "\u3389" * n,
        "﷽ (folds to 18 chars)": "\ufdfd" * (n // 20),
        "letters": "a" * n,
        "letters then @": "a" * (n - 1) + "@",
        "a@ repeated": fill("a@"),
        "a.a. (no @)": fill("a."),
        "x@a.a.a. no tld": "x@" + fill("a.")[: n - 3] + "1",
        "a@b.cd emails": fill("a@b.cd "),
        "many distinct emails": " ".join(f"u{i}@d{i}.com" for i in range(n // 12))[:n],
        "www.": fill("www."),
        "http://": fill("http://"),
        "bare domain labels": fill("a" * 62 + "."),
        "long label": "a" * 70 + "." + "b" * (n - 71),
        "domain then letters": fill("a.bcdefghijklmnopqrstuvwxyzabc"),
        "key= pairs": fill("a= "),
        "known key= pairs": fill("email=x "),
        "key: spaces": "a" + " " * (n - 2) + "b",
        "key then spaces": "ab" + " " * (n - 3) + "=",
        "lines": fill("a\n"),
        "lines with legal forms": fill("ACME Trading LLC\n"),
        "person and company lines": fill("John Smith\nACME Trading LLC\n"),
        "digits": "1" * n,
        "phone-ish": fill("+1 (2) 3-"),
        "phone numbers": fill("+971 4 295 1234\n"),
        "invalid phone numbers": fill("+999 4 295 1234\n"),
        "US-style numbers": fill("(123) 456-7890 "),
        "date and hour": fill("2024-01-01 10 x\n"),
        "numbers and words": fill("order 500 pcs 123456 DN50 2024-05-01\n"),
        "country names": fill("United Arab Emirates "),
        "country-like letters": fill("Unite "),
        "chinese": "中" * n,
        "chinese keys": fill("邮箱=a "),
        "quotes": fill('a="'),
        "control chars": fill("a\x01"),
        "control + fold": fill("\x01\u3389"),
        "signature x 40": fill(
            "Best regards,\nAhmed Al Mansouri\nPurchasing Manager\nGulf Star General Trading LLC\n"
            "Office 1203, Deira, Dubai, United Arab Emirates\nTel: +971 4 295 1234\n"
            "Email: ahmed@gulfstar-trading.ae\nWeb: www.gulfstar-trading.ae\n\n"
        ),
    }


def timed(text: str) -> tuple[float, float, str]:
    """(best CPU seconds, best wall seconds, outcome) over 3 runs."""
    cpu = wall = float("inf")
    outcome = ""
    for _ in range(3):
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            parse(text)
            outcome = "parsed"
        except RequestError as exc:
            outcome = exc.key
        cpu = min(cpu, time.process_time() - started_cpu)
        wall = min(wall, time.perf_counter() - started)
    return cpu, wall, outcome


def main() -> None:
    warm_up()
    worst_cpu = worst_wall = ("", 0.0)
    print("   cpu ms   wall ms  shape")
    for name, text in shapes().items():
        cpu, wall, outcome = timed(text)
        print(f"{cpu * 1000:9.1f} {wall * 1000:9.1f}  {name:28} ({len(text)} chars) → {outcome}")
        worst_cpu = max(worst_cpu, (name, cpu), key=lambda pair: pair[1])
        worst_wall = max(worst_wall, (name, wall), key=lambda pair: pair[1])
    print(f"worst CPU time: {worst_cpu[1] * 1000:.1f} ms ({worst_cpu[0]}); "
          f"worst wall time: {worst_wall[1] * 1000:.1f} ms ({worst_wall[0]}); target < 100 ms")


if __name__ == "__main__":
    main()
