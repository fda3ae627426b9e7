"""The terminal card: lines wrap where a reader expects, in Chinese too, and nothing is cut mid-word."""

from __future__ import annotations

import bot  # noqa: F401  (registers the bot's catalog)
from bot.card import Card, CardItem, CardSection
from bot.render.terminal import render_text
from checks.models import DecisionCode, Section, Status

REASON = "Al Noor General Trading LLC 使用免费邮箱（gmail.com）联系：无法证明发件人属于该公司"
ACTION = "请对方用公司自有域名的邮箱回复，并提供营业执照或登记摘录，再到官方登记机构核对注册号。"
DETAIL = "免费邮箱一分钟就能注册，无法证明与 Al Noor General Trading LLC 有关。请对方提供公司域名邮箱，并与官网核对。"


def _card(title: str = "Al Noor General Trading LLC") -> Card:
    card = Card(lang="zh", title=title, decision=DecisionCode.VERIFY_FIRST, decision_badge="🔍 先核实身份",
                decision_reason=REASON, decision_action=ACTION, badge="🟡 风险：中（20/100）")
    card.sections = [CardSection(key=Section.VERIFICATION, title="身份核验", items=[
        CardItem(code="email.free_mail_for_company", status=Status.FLAG, icon="⚠️", text="以公司名义使用免费邮箱",
                 detail=DETAIL)])]
    return card


def _lines(text: str) -> list[str]:
    return [line.strip("│").rstrip() for line in text.splitlines()[1:-1]]


def test_chinese_wraps_between_characters_and_keeps_its_indent() -> None:
    """rich breaks only at spaces: a Chinese sentence went whole to the next line, leaving "→" alone
    above it and the reason's Latin name alone on its line, and wrapped details lost their indent."""
    lines = _lines(render_text(_card(), width=60))
    arrow = next(i for i, line in enumerate(lines) if "→" in line)
    assert lines[arrow].strip() != "→" and lines[arrow].startswith(" → 请对方")
    assert lines[arrow + 1].startswith("   ") and lines[arrow + 1].strip()  # under the text, not the arrow
    reason = next(line for line in lines if "Al Noor General Trading LLC 使用" in line)
    assert len(reason.rstrip()) > 40  # the Chinese follows the name on its line
    detail = [i for i, line in enumerate(lines) if "免费邮箱一分钟" in line][0]
    assert lines[detail + 1].startswith("      ") and lines[detail + 1].strip()  # wrapped under the detail
    joined = "".join(line.strip() for line in lines)
    for text in (ACTION, DETAIL):
        assert text.replace(" ", "") in joined.replace(" ", "")  # nothing lost at the breaks


def test_no_line_starts_with_closing_punctuation() -> None:
    for width in range(40, 90, 3):
        for line in _lines(render_text(_card(), width=width)):
            assert line.strip()[:1] not in set("，。、；：？！）》」』】"), (width, line)


def test_a_long_name_in_the_frame_is_shortened_at_a_word() -> None:
    """The panel's title was cropped at the frame: "… <Shenzhen> *urg─╮"."""
    name = "Guangzhou Hengsheng Int'l Import & Export Trading Co., Ltd. <Shenzhen> *urgent*"
    top = render_text(_card(name), width=60).splitlines()[0]
    title = top.strip("╭─╮ ").split(" ─")[0].strip()
    assert title.endswith("…") and name.startswith(title[:-1])
    assert name[len(title) - 1] == " "  # cut between words
    assert name in " ".join(line.strip() for line in _lines(render_text(_card(name), width=60)))  # whole inside
