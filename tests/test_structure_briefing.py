"""A real briefing's shape: the last numbered section opens with a salutation (issue 10, item 4)."""

from __future__ import annotations

from audiostudy.document import parse
from audiostudy.model import SectionKind

BRIEFING = """在全市春节前安全生产和节日保障工作部署会上的讲话
同志们：
今天召开这次会议，主要任务是贯彻落实省委、省政府部署，安排春节前后安全生产和节日保障工作。
一、充分认识做好节前工作的重要性
春节前后人流、物流、车流集中，各类风险交织叠加，稍有疏忽就可能酿成大祸。
一是社会关注度高。群众对平安过节的期待比往年更高。
二是风险隐患多。燃放烟花爆竹、人员密集场所等领域隐患突出。
二、全面排查整治重点领域风险隐患
要以道路交通、消防、燃气、建筑施工为重点，开展拉网式排查。
一是抓好道路交通安全。严查酒驾醉驾、超员超载等违法行为。
二是抓好消防安全。对商场、宾馆、养老机构逐一检查。
三是抓好城镇燃气安全。全面检查餐饮场所燃气设施。
三、切实保障节日市场供应和价格稳定
要加强粮油肉蛋菜等重要民生商品的调度，确保供应充足、价格平稳。
四、做好困难群众走访慰问工作
各级领导干部要深入基层，把党和政府的温暖送到千家万户。
五、工作要求
同志们，还有9天就是除夕。时间紧、任务重，各地各部门要立即行动起来。
要压实责任。主要负责同志要亲自部署、亲自检查，层层传导压力。
要严格值班值守。节日期间严格执行领导带班和24小时值班制度，遇有突发情况第一时间报告。
要加强宣传引导。及时发布安全提示，营造安定祥和的节日氛围。
"""


def _outline(text: str) -> list[tuple[str, SectionKind, int]]:
    doc = parse(text)
    return [(s.title, s.kind, len(s.paragraphs)) for s in doc.sections]


def test_salutation_opening_last_section_stays_in_it() -> None:
    assert _outline(BRIEFING) == [
        ("开场", SectionKind.OPENING, 2),
        ("一、充分认识做好节前工作的重要性", SectionKind.BODY, 4),
        ("二、全面排查整治重点领域风险隐患", SectionKind.BODY, 5),
        ("三、切实保障节日市场供应和价格稳定", SectionKind.BODY, 2),
        ("四、做好困难群众走访慰问工作", SectionKind.BODY, 2),
        ("五、工作要求", SectionKind.BODY, 5),
    ]
    last = parse(BRIEFING).sections[-1]
    assert last.paragraphs[1].text.startswith("同志们，还有9天就是除夕。")
    assert last.paragraphs[-1].text.startswith("要加强宣传引导。")


def test_closing_after_the_body_is_still_found() -> None:
    text = BRIEFING + "同志们，让我们以更加饱满的精神状态，确保全市人民度过一个欢乐祥和的新春佳节！\n"
    outline = _outline(text)
    assert outline[-2] == ("五、工作要求", SectionKind.BODY, 5)
    assert outline[-1] == ("结束语", SectionKind.CLOSING, 1)


def test_no_section_left_with_its_title_only() -> None:
    # "同志们，让我们…" is the classic closing cue; directly under a bare title it still opens the section.
    cue = BRIEFING.replace("同志们，还有9天", "同志们，让我们抓紧，还有9天")
    for text in (BRIEFING, cue):
        for section in parse(text).sections:
            if section.kind == SectionKind.BODY:
                assert len(section.paragraphs) >= 2, section.title


def test_heading_that_carries_text_may_be_followed_by_the_closing() -> None:
    text = (
        "一、抓好落实。要把各项任务落到实处。\n二、加强领导。要压实各级责任，确保工作落地。\n"
        "同志们，让我们共同努力！\n"
    )
    assert _outline(text)[-1] == ("结束语", SectionKind.CLOSING, 1)
