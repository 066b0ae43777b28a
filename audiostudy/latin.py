"""How a Latin-letter word is read aloud by the offline voice, which can say only Chinese characters.

In order: a word or brand from the table, read the way Chinese speakers say it (iPhone 爱疯, Wi-Fi
歪飞); an acronym (all capitals, or a single letter) spelled letter by letter; a word that is valid
Hanyu Pinyin (Shengjiang, Nanjiangkou, Xi'an) said as those Mandarin syllables; anything else spelled.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

# Letter names made of Chinese characters, as the letters are commonly said in Mandarin.
_LETTER_NAMES = (
    "诶 比 西 迪 伊 艾弗 吉 艾尺 爱 杰 开 艾勒 艾姆 恩 欧 屁 吉吾 阿尔 艾斯 提 优 维 达布溜 艾克斯 歪 贼德"
)
LETTERS = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", _LETTER_NAMES.split(), strict=True))

# Words, brands and places a Chinese speaker says in Chinese or in a settled Chinese approximation.
# Keys are lower case, hyphens and apostrophes removed (wi-fi, WiFi and Wifi are all "wifi").
# Acronyms said letter by letter (PPT, CPU, GDP) need no entry: every all-capitals word is spelled.
WORDS = {
    # everyday words and tech brands, as said aloud
    "app": "诶屁屁", "apps": "诶屁屁", "wifi": "歪飞", "iphone": "爱疯", "ipad": "爱派德",
    "ios": "爱欧艾斯", "email": "伊妹儿", "ok": "欧克", "okay": "欧克", "hello": "哈喽", "bye": "拜拜",
    "byebye": "拜拜", "bug": "八哥", "logo": "标志", "online": "在线", "offline": "离线",
    "internet": "互联网", "video": "视频", "blog": "博客", "vlog": "微博客", "wechat": "微信",
    "weibo": "微博", "taobao": "淘宝", "alipay": "支付宝", "tiktok": "抖音国际版", "douyin": "抖音",
    "google": "谷歌", "apple": "苹果", "microsoft": "微软", "windows": "温道斯", "android": "安卓",
    "huawei": "华为", "xiaomi": "小米", "tesla": "特斯拉", "intel": "英特尔", "nvidia": "英伟达",
    "amazon": "亚马逊", "facebook": "脸书", "twitter": "推特", "youtube": "油管", "excel": "艾克塞尔",
    "word": "沃德", "office": "奥菲斯", "chatgpt": "恰特吉批提", "deepseek": "深度求索",
    "mac": "麦克", "macbook": "麦克布克", "bluetooth": "蓝牙", "zoom": "祖姆", "wps": "达布溜屁艾斯",
    "linux": "林纳克斯", "java": "加瓦", "python": "派森",
    # places and regions
    "china": "中国", "japan": "日本", "europe": "欧洲", "asia": "亚洲", "africa": "非洲",
    "beijing": "北京", "shanghai": "上海", "guangzhou": "广州", "shenzhen": "深圳", "tianjin": "天津",
    "chongqing": "重庆", "hangzhou": "杭州", "nanjing": "南京", "wuhan": "武汉", "chengdu": "成都",
    "xian": "西安", "suzhou": "苏州", "xiamen": "厦门", "qingdao": "青岛", "harbin": "哈尔滨",
    "kunming": "昆明", "lhasa": "拉萨", "urumqi": "乌鲁木齐", "macau": "澳门", "macao": "澳门",
    "taipei": "台北", "hongkong": "香港", "tokyo": "东京", "osaka": "大阪", "seoul": "首尔",
    "london": "伦敦", "paris": "巴黎", "berlin": "柏林", "moscow": "莫斯科", "washington": "华盛顿",
    "singapore": "新加坡", "sydney": "悉尼", "dubai": "迪拜", "rotterdam": "鹿特丹", "hamburg": "汉堡",
    "chicago": "芝加哥", "boston": "波士顿", "toronto": "多伦多", "vancouver": "温哥华",
    "munich": "慕尼黑", "rome": "罗马", "madrid": "马德里", "milan": "米兰", "vienna": "维也纳",
    "geneva": "日内瓦", "bangkok": "曼谷", "jakarta": "雅加达", "hanoi": "河内", "delhi": "德里",
    "mumbai": "孟买", "cairo": "开罗", "istanbul": "伊斯坦布尔", "athens": "雅典",
    "amsterdam": "阿姆斯特丹", "brussels": "布鲁塞尔", "zurich": "苏黎世", "prague": "布拉格",
}  # fmt: skip
PHRASES = {"hong kong": "香港", "new york": "纽约", "los angeles": "洛杉矶", "san francisco": "旧金山"}

# Pinyin orthography: a syllable starting with a, o or e inside a word is written after an
# apostrophe (Xi'an), so inside an unbroken word only the first syllable may start with one.
_VOWEL_START = ("a", "o", "e")
_WORD_PARTS = re.compile(r"['’\-]")


@cache
def pinyin_chars() -> dict[str, str]:
    """Toneless syllable -> a common character read only that way (scripts/make_pinyin_chars.py)."""
    text = resources.files("audiostudy").joinpath("data", "pinyin_chars.json").read_text("utf-8")
    table: dict[str, str] = json.loads(text)
    return table


def spell(word: str) -> str:
    return "".join(LETTERS.get(c.upper(), "") for c in word)


def pinyin_syllables(word: str) -> list[str] | None:
    """The fewest syllables the lower-case letters split into, or None if it is not pinyin."""
    table = pinyin_chars()
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        done = best[i]
        if done is None:
            continue
        for j in range(i + 1, min(n, i + 6) + 1):
            syllable = word[i:j]
            if syllable not in table or (i and syllable.startswith(_VOWEL_START)):
                continue
            cand = [*done, syllable]
            current = best[j]
            if current is None or len(cand) < len(current):
                best[j] = cand
    return best[n]


def as_pinyin(word: str) -> str | None:
    """Shengjiang -> 生江: each syllable written as a character with that reading. The written word
    has no tones; the table holds each syllable's most common character, so its tone is the most
    common one for that syllable. None when the word is not pinyin."""
    parts = [p.lower() for p in _WORD_PARTS.split(word) if p]
    if not parts or any(not p.isascii() or not p.isalpha() for p in parts):
        return None
    table = pinyin_chars()
    out: list[str] = []
    for part in parts:
        syllables = pinyin_syllables(part)
        if syllables is None:
            return None
        out.extend(table[s] for s in syllables)
    return "".join(out)


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) == 1 or all(c.isupper() for c in letters)


def read_word(word: str) -> str:
    """A Latin word (letters, with inner hyphens or apostrophes) as the offline voice should say it."""
    known = WORDS.get(_WORD_PARTS.sub("", word.lower()))
    if known:
        return known
    if _is_acronym(word):
        return spell(word)
    has_inner_capital = any(c.isupper() for c in word[1:])
    said = None if has_inner_capital else as_pinyin(word)
    if said:
        return said
    return "".join(read_word(p) if p.lower() in WORDS else spell(p) for p in _WORD_PARTS.split(word) if p)
