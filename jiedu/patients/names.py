"""Pinyin for Chinese names (pypinyin), with surname readings and search keys for every reading."""

from __future__ import annotations

import itertools
import re

from pypinyin import Style, lazy_pinyin, pinyin

#: Surname readings that differ from the character's most common reading.
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "盖": "ge",
    "朴": "piao",
    "乐": "yue",
    "员": "yun",
    "覃": "qin",
    "尉": "yu",
    "种": "chong",
    "缪": "miao",
    "繁": "po",
    "召": "shao",
    "秘": "bi",
    "折": "she",
    "隗": "wei",
    "翟": "zhai",
    "柏": "bai",
    "牟": "mou",
    "句": "gou",
    "万": "wan",
    "黑": "he",
    "过": "guo",
    "冼": "xian",
    "长孙": "zhangsun",
    "尉迟": "yuchi",
    "单于": "chanyu",
}
_CJK = re.compile(r"[\u3400-\u9fff]")
_MAX_KEYS = 16


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def _syllables(name: str) -> list[str]:
    for surname in sorted((s for s in SURNAME_READINGS if len(s) == 2), key=len, reverse=True):
        if name.startswith(surname):
            return [SURNAME_READINGS[surname], *lazy_pinyin(name[2:], errors="ignore")]
    if name and name[0] in SURNAME_READINGS:
        return [SURNAME_READINGS[name[0]], *lazy_pinyin(name[1:], errors="ignore")]
    return lazy_pinyin(name, errors="ignore")


def name_pinyin(name: str) -> str:
    """ "张三丰" → "zhang san feng" (lower case, ü as v)."""
    return " ".join(s.lower() for s in _syllables(name.strip()) if s.strip())


def search_keys(name: str) -> set[str]:
    """Initials and full pinyin for every reading of the name's characters, bounded in number.

    "曾小贤" → {"zxx", "cxx", "zengxiaoxian", "cengxiaoxian"}: users type what they hear.
    """
    name = "".join(ch for ch in name.strip() if _CJK.match(ch))
    if not name:
        return set()
    readings = [
        [r.lower() for r in dict.fromkeys(opts)]
        for opts in pinyin(name, style=Style.NORMAL, heteronym=True, errors="ignore")
    ]
    preferred = _syllables(name)
    keys: set[str] = set()
    if len(preferred) == len(readings):
        keys.add("".join(preferred))
        keys.add("".join(s[0] for s in preferred if s))
    for combo in itertools.islice(itertools.product(*readings), _MAX_KEYS):
        keys.add("".join(combo))
        keys.add("".join(s[0] for s in combo if s))
    return {k for k in keys if k}
