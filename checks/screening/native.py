"""Names in their own script read the way the lists spell them in Latin letters.

Letter-by-letter transliteration fails every script whose romanization is not one letter per letter:
金正恩 -> "jinzhengen", 김정은 -> "gimjeongeun", محمد -> "mhmd". This module turns a name in Chinese,
Korean, Cyrillic, Arabic or Persian script into Latin words plus, per word, the other spellings people
really use, so that the matcher can compare each word with the listed Latin words:

- Chinese: company words translated (技术 -> technology, 进出口 -> import export, 有限公司 -> Co. Ltd), the
  rest read as pinyin with `pypinyin` (its phrase table gets 重庆 = chongqing right); a short name that
  starts with a common surname is a person: surname, then the given name as one word (骆惠宁 -> luo huining).
- Korean: company words translated (은행 -> bank, 조선 -> korea); each syllable romanized in the Revised
  Romanization and in McCune-Reischauer (the North's and most lists' system) plus the customary surname
  spellings (김 Kim, 리 Ri/Lee, 박 Park/Pak).
- Cyrillic: BGN/PCGN (the lists' system), ICAO passports, GOST/ISO and scholarly spellings, a few
  Russian company words translated (корпорация -> corporation, НК -> oil company).
- Arabic and Persian: unvocalised, so a word is compared by its consonant skeleton with the skeletons of
  listed words (قاسم = qasem = ghasem = kassem, all "Ksm"); the article ال is a separate word, as on the
  lists; a word followed by الله is joined (حزب الله = Hizballah); company words translated.

Legal forms in these scripts are left in place: `normalize.fold` removes them with the multilingual table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product

from anyascii import anyascii

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HANGUL = re.compile(r"[\uac00-\ud7af]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
NATIVE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u0400-\u04ff\u0600-\u06ff]")
MAX_VARIANTS = 16


@dataclass
class NativeWord:
    """One Latin word made from native script, with its other spellings and (Arabic) skeletons."""

    text: str
    variants: set[str] = field(default_factory=set)
    skeletons: set[str] = field(default_factory=set)


# ---------------------------------------------------------------------------------------------- Chinese

# Longest first at each position. Legal forms become Latin legal words (dropped by the tokenizer).
ZH_WORDS: dict[str, str] = {
    "股份有限公司": "joint stock co ltd", "有限责任公司": "limited liability company", "有限公司": "co ltd",
    "有限責任公司": "limited liability company", "股份公司": "joint stock company", "总公司": "corporation",
    "總公司": "corporation", "分公司": "branch", "公司": "company", "集团": "group", "集團": "group",
    "会社": "company", "會社": "company",
    "进出口": "import export", "進出口": "import export", "国际贸易": "international trading",
    "國際貿易": "international trading", "贸易": "trading", "貿易": "trading", "商贸": "trading",
    "国际": "international", "國際": "international", "技术": "technology", "技術": "technology",
    "科技": "technology", "电子": "electronics", "電子": "electronics", "信息": "information",
    "資訊": "information", "网络": "network", "網絡": "network", "通信": "communications",
    "通讯": "communications", "電訊": "telecom", "电信": "telecom", "联合": "united", "聯合": "united",
    "工业": "industries", "工業": "industries", "实业": "industrial", "實業": "industrial",
    "机械": "machinery", "機械": "machinery", "精密": "precision", "制造": "manufacturing",
    "製造": "manufacturing", "设备": "equipment", "設備": "equipment", "电气": "electric", "電氣": "electric",
    "化工": "chemical", "新材料": "new materials", "材料": "materials", "包装": "packaging", "包裝": "packaging",
    "纺织品": "textiles", "纺织": "textile", "紡織": "textile", "食品": "food", "服饰": "apparel",
    "服飾": "apparel", "五金制品": "hardware products", "五金": "hardware", "塑胶制品": "plastic products",
    "塑胶": "plastic", "制品": "products", "製品": "products", "传媒": "media", "傳媒": "media",
    "计算机": "computer", "電腦": "computer", "电脑": "computer", "软件": "software", "軟件": "software",
    "数字": "digital", "數字": "digital", "供应链管理": "supply chain management", "供应链": "supply chain",
    "管理": "management", "航空": "aeronautics", "航天": "astronautics",
    "大学": "university", "大學": "university", "研究所": "research institute", "研究院": "research institute",
    "研究": "research", "学院": "academy", "學院": "academy", "科学院": "academy of sciences",
    "中国人民解放军": "pla", "中國人民解放軍": "pla", "解放军": "pla",  # the owner's prefix of PLA institutions
    "中国": "china", "中國": "china", "香港": "hong kong", "国防": "national defense", "國防": "national defense",
    "人民解放军": "pla", "兵器": "ordnance",
    "银行": "bank", "銀行": "bank", "船务": "shipping", "船務": "shipping", "海运": "shipping",
    "海運": "shipping", "航运": "shipping", "物流": "logistics", "能源": "energy", "石油": "petroleum",
    "化学": "chemical", "光电": "optoelectronics", "光学": "optics", "半导体": "semiconductor",
    "微电子": "microelectronics", "仪器": "instruments", "设计": "design", "发展": "development",
    "投资": "investment", "控股": "holdings", "工程": "engineering", "建设": "construction", "医药": "pharmaceutical",
    "生物": "biological", "汽车": "automobile", "船舶": "shipbuilding", "核": "nuclear", "电力": "electric power",
    "总局": "general bureau", "总院": "academy", "总": "general", "厂": "factory", "廠": "factory",
    "商行": "trading", "中心": "center", "系统": "systems", "系統": "systems", "智能": "intelligent",
}
# The hundred commonest surnames (over 85 % of people) and the two-character ones.
ZH_SURNAMES = set(
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何高林罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾肖萧蕭田董袁潘"
    "于蒋蔣蔡余杜叶葉程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖贾賈夏韦韋付方白邹鄒孟熊秦邱江尹薛闫閆段雷侯"
    "龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃武戴莫孔向汤湯常温溫康施文牛樊葛邢安齐齊易乔喬伍庞龐颜顏倪庄莊聂聶章"
    "鲁魯岳翟殷詹申欧歐耿关關兰蘭焦俞左柳甘祝包宁寧尚符舒阮柯纪紀梅童凌毕畢单單季裴霍涂成苗谷盛曲翁冉骆駱蓝藍路游"
    "辛靳管柴蒙鲍鮑华華喻祁蒲房滕屈饶饒解牟艾尤阳陽时時穆农農司卓古吉缪繆简簡车車项項连連芦蘆麦麥褚娄婁窦竇戚岑景党"
    "宫宮费費卜冷晏席卫衛米柏宗瞿桂全佟应應臧闵閔苟邬鄔边邊卞姬师師和仇栾欒隋商刁沙荣榮巫寇桑郎甄丛叢仲虞敖巩鞏明佘"
    "池查麻苑迟遲邝鄺鞠"
)
# Provinces and big cities: the place in front of a company's name is its own word (浙江 + 大华).
ZH_PLACES = set(
    "北京 上海 天津 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 "
    "甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 深圳 广州 武汉 成都 南京 杭州 西安 沈阳 大连 青岛 厦门 宁波 苏州 "
    "哈尔滨 长沙 郑州 济南 合肥 南昌 福州 昆明 南宁 长春 石家庄 太原 兰州 西宁 银川 乌鲁木齐 拉萨 呼和浩特 海口 贵阳 东莞 "
    "佛山 无锡 珠海 中山 惠州 温州 烟台 泉州 常州 徐州 唐山 保定 洛阳 绵阳 台北".split()
)
ZH_DOUBLE_SURNAMES = {"欧阳", "歐陽", "司马", "司馬", "上官", "诸葛", "諸葛", "东方", "東方", "皇甫", "令狐", "慕容",
                      "夏侯", "尉迟", "公孙", "轩辕", "长孙", "宇文", "司徒", "端木"}


@lru_cache(maxsize=4096)
def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin  # imported on the first Chinese name: 0.1 s nobody else should pay

    return "".join(lazy_pinyin(text, errors=lambda chars: anyascii(chars))).lower()


def _zh_person(run: str) -> list[NativeWord] | None:
    if not 2 <= len(run) <= 4 or any(w in run for w in ZH_WORDS if len(w) > 1):
        return None
    if run[:2] in ZH_DOUBLE_SURNAMES and len(run) >= 3:
        surname, given = run[:2], run[2:]
    elif run[0] in ZH_SURNAMES:
        surname, given = run[0], run[1:]
    else:
        return None
    return [NativeWord(_pinyin(surname)), NativeWord(_pinyin(given))]


def chinese(run: str, whole: bool) -> list[NativeWord]:
    """A run of Han characters: a person's name when it is the whole name and reads like one, else a
    company: known words translated, the pieces between them read as pinyin words."""
    if whole:
        person = _zh_person(run)
        if person:
            return person
    words: list[NativeWord] = []
    pending = ""
    position = 0
    longest = max(len(w) for w in ZH_WORDS)
    while position < len(run):
        if run[position] in "市省区縣县" and (pending or words):  # 北京市, 广东省: the place is a word already
            if pending:
                words.append(NativeWord(_pinyin(pending)))
                pending = ""
            position += 1
            continue
        for size in range(min(longest, len(run) - position), 0, -1):
            piece = run[position : position + size]
            if piece in ZH_PLACES and not pending:
                words.append(NativeWord(_pinyin(piece)))
                position += size
                break
            if piece in ZH_WORDS:
                if pending:
                    words.append(NativeWord(_pinyin(pending)))
                    pending = ""
                words.extend(NativeWord(w) for w in ZH_WORDS[piece].split())
                position += size
                break
        else:
            pending += run[position]
            position += 1
    if pending:
        words.append(NativeWord(_pinyin(pending)))
    return words


# ---------------------------------------------------------------------------------------------- Korean

_KO_INITIAL_RR = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_KO_INITIAL_MR = ["k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "ch", "tch", "ch", "k", "t", "p", "h"]
_KO_VOWEL_RR = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi",
                "yu", "eu", "ui", "i"]
_KO_VOWEL_MR = ["a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi",
                "yu", "u", "ui", "i"]
_KO_VOWEL_MORE = {4: ["u"], 6: ["yu"], 13: ["oo"], 18: ["u"], 20: ["ee"]}
_KO_FINAL = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t",
             "ng", "t", "t", "k", "t", "p", "t"]
_KO_FINAL_RR = ["", "g", "kk", "gs", "n", "nj", "nh", "d", "l", "lg", "lm", "lb", "ls", "lt", "lp", "lh", "m", "b",
                "bs", "s", "ss", "ng", "j", "ch", "k", "t", "p", "h"]
# Customary spellings of surnames (South and North) that the systems do not give.
KO_SURNAMES: dict[str, list[str]] = {
    "김": ["kim", "gim"], "이": ["lee", "yi", "rhee", "li", "ri", "i"], "리": ["ri", "lee", "li", "yi", "rhee"],
    "박": ["park", "pak", "bak"], "최": ["choi", "choe", "chae"], "정": ["jung", "jeong", "chong", "jong", "chung"],
    "강": ["kang", "gang"], "조": ["cho", "jo", "joe"], "윤": ["yoon", "yun"], "장": ["jang", "chang"],
    "임": ["lim", "im", "rim", "yim"], "림": ["rim", "lim"], "한": ["han"], "오": ["oh", "o"], "서": ["seo", "suh", "so"],
    "신": ["shin", "sin"], "권": ["kwon", "gwon"], "황": ["hwang"], "안": ["ahn", "an"], "송": ["song"],
    "류": ["ryu", "yoo", "yu", "ryoo"], "유": ["yoo", "yu", "ryu"], "전": ["jeon", "jun", "chon", "jon", "chun"],
    "홍": ["hong"], "고": ["ko", "go", "koh"], "문": ["moon", "mun"], "양": ["yang", "ryang"], "손": ["son", "sohn"],
    "배": ["bae", "pae"], "백": ["baek", "paek", "paik", "baik"], "허": ["heo", "hur", "ho"], "남": ["nam"],
    "노": ["noh", "no", "roh"], "로": ["ro", "roh", "no"], "하": ["ha"], "주": ["ju", "joo", "chu"],
    "구": ["ku", "koo", "gu"], "나": ["na", "ra"], "라": ["ra", "na"], "현": ["hyun", "hyon", "hyeon"],
    "태": ["thae", "tae"], "방": ["pang", "bang"], "곽": ["kwak", "gwak"], "성": ["sung", "seong", "song"],
    "차": ["cha"], "우": ["woo", "u"], "민": ["min"], "진": ["jin", "chin"], "지": ["ji", "chi"], "엄": ["um", "eom"],
    "채": ["chae"], "원": ["won"], "천": ["chun", "cheon", "chon"], "변": ["byun", "pyon"], "염": ["yeom", "yom"],
    "여": ["yeo", "yo"], "추": ["choo", "chu"], "도": ["do", "to"], "소": ["so"], "석": ["seok", "sok"],
    "설": ["seol", "sol"], "선": ["sun", "seon", "son"], "명": ["myung", "myong"], "길": ["kil", "gil"],
    "연": ["yeon", "yon"], "위": ["wi"], "표": ["pyo"], "량": ["ryang", "yang"], "렴": ["ryom"], "륙": ["ryuk"],
}
KO_WORDS: dict[str, str] = {
    "조선": "korea", "중앙": "central", "은행": "bank", "무역": "trade", "총회사": "general corporation",
    "회사": "company", "총국": "general bureau", "정찰": "reconnaissance", "광업": "mining", "개발": "development",
    "공사": "corporation", "연합": "associated", "련합": "associated", "합영": "joint venture", "해운": "shipping",
    "상사": "trading", "그룹": "group", "산업": "industries", "수출입": "export import", "국제": "international",
    "기술": "technology", "대학": "university", "연구소": "research institute", "위원회": "commission",
    "인민": "peoples", "공화국": "republic", "민주주의": "democratic", "기계": "machinery", "무역회사": "trading company",
    "총련합": "general federation", "연구원": "research institute", "국": "bureau", "성": "ministry",
}


def _ko_syllable(char: str, first: bool) -> list[str]:
    code = ord(char) - 0xAC00
    initial, vowel, final = code // 588, (code % 588) // 28, code % 28
    heads = {_KO_INITIAL_RR[initial], _KO_INITIAL_MR[initial]}
    if initial == 5:  # ㄹ: r, or l / n at the start of a word in the South
        heads |= {"l", "n", ""} if first else {"l"}
    if initial in (0, 3, 7, 12):  # voiced or not: g/k, d/t, b/p, j/ch
        heads.add({0: "g", 3: "d", 7: "b", 12: "j"}[initial])
    bodies = {_KO_VOWEL_RR[vowel], _KO_VOWEL_MR[vowel], *_KO_VOWEL_MORE.get(vowel, [])}
    tails = {_KO_FINAL[final], _KO_FINAL_RR[final]}
    return sorted({h + b + t for h in heads for b in bodies for t in tails})


def _ko_join(syllables: list[list[str]]) -> tuple[str, set[str]]:
    options = [s[:4] for s in syllables]
    combos = {"".join(p) for p in product(*options)}
    primary = "".join(s[0] for s in syllables)
    return primary, set(sorted(combos)[: 4 * MAX_VARIANTS])


def korean(run: str, whole: bool) -> list[NativeWord]:
    """A run of Hangul: a person (surname syllable + given syllables, each given syllable its own word, as
    the lists write "KIM Jong Un") when it is the whole name and starts with a known surname, else a company
    name read word by word."""
    if whole and 2 <= len(run) <= 4 and run[0] in KO_SURNAMES and not any(w in run for w in KO_WORDS if len(w) > 1):
        surname = KO_SURNAMES[run[0]]
        words = [NativeWord(surname[0], set(surname) | set(_ko_syllable(run[0], True)))]
        for char in run[1:]:
            options = _ko_syllable(char, False)
            mr = _ko_mr(char)
            words.append(NativeWord(mr, set(options)))
        return words
    words = []
    pending: list[str] = []
    position = 0

    def flush() -> None:
        if pending:
            primary, variants = _ko_join([_ko_syllable(c, i == 0) for i, c in enumerate(pending)])
            words.append(NativeWord("".join(_ko_mr(c) for c in pending), variants | {primary}))
            pending.clear()

    while position < len(run):
        for size in range(min(4, len(run) - position), 0, -1):
            piece = run[position : position + size]
            if piece in KO_WORDS and (size > 1 or position > 0):
                flush()
                words.extend(NativeWord(w) for w in KO_WORDS[piece].split())
                if piece == "조선":
                    words[-1].variants |= {"choson", "chosun", "joseon", "dprk"}
                position += size
                break
        else:
            pending.append(run[position])
            position += 1
    flush()
    return words


def _ko_mr(char: str) -> str:
    code = ord(char) - 0xAC00
    initial, vowel, final = code // 588, (code % 588) // 28, code % 28
    return _KO_INITIAL_MR[initial] + _KO_VOWEL_MR[vowel] + _KO_FINAL[final]


# ---------------------------------------------------------------------------------------------- Cyrillic

_CYR_BASE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ж": "zh", "з": "z", "и": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "ш": "sh", "ъ": "", "ь": "",
    "ы": "y", "э": "e", "і": "i", "ї": "yi", "ґ": "g", "ў": "u",
}
# per system: (letter -> spelling) overriding the base, and the spelling of й / ий at the end
_CYR_SYSTEMS = {
    "bgn": {"е": "e", "ё": "yo", "й": "y", "х": "kh", "ц": "ts", "ч": "ch", "щ": "shch", "ю": "yu", "я": "ya",
            "є": "ye"},
    "icao": {"е": "e", "ё": "e", "й": "i", "х": "kh", "ц": "ts", "ч": "ch", "щ": "shch", "ю": "iu", "я": "ia",
             "ъ": "ie", "є": "ie"},
    "gost": {"е": "e", "ё": "e", "й": "j", "х": "h", "ц": "c", "ч": "ch", "щ": "shh", "ю": "ju", "я": "ja",
             "ж": "zh", "є": "je"},
    "scholarly": {"е": "e", "ё": "e", "й": "i", "х": "ch", "ц": "c", "ч": "c", "ш": "s", "щ": "sc", "ж": "z",
                  "ю": "iu", "я": "ia", "є": "ie"},
    "popular": {"е": "e", "ё": "e", "й": "i", "х": "h", "ц": "ts", "ч": "ch", "щ": "sch", "ю": "yu", "я": "ya",
                "є": "ye", "ь": "i"},
}
_VOWELS_CYR = set("аеёиоуыэюяіїє")
CYR_WORDS: dict[str, str] = {
    "государственная": "state", "государственный": "state", "государственное": "state", "корпорация": "corporation",
    "компания": "company", "банк": "bank", "завод": "plant", "концерн": "concern", "группа": "group",
    "холдинг": "holding", "нк": "oil company", "нефтяная": "oil", "нефть": "oil", "газ": "gas",
    "научно": "scientific", "производственное": "production", "объединение": "association",
    "предприятие": "enterprise", "тд": "trading house", "торговый": "trading", "дом": "house",
    "международный": "international", "коммерческий": "commercial", "акб": "joint stock commercial bank",
    "кб": "commercial bank", "развития": "development", "центр": "center", "институт": "institute",
    "национальный": "national", "авиакомпания": "airline", "судостроительный": "shipbuilding",
    "федеральное": "federal", "унитарное": "unitary", "пао": "pjsc", "оао": "ojsc", "зао": "cjsc", "ао": "jsc",
    "ооо": "llc", "чвк": "pmc",
}


def _cyr_system(word: str, table: dict[str, str]) -> str:
    out = []
    for i, char in enumerate(word):
        prev = word[i - 1] if i else ""
        if char == "е" and (i == 0 or prev in _VOWELS_CYR or prev in "ъь") and table is _CYR_SYSTEMS["bgn"]:
            out.append("ye")
            continue
        if char == "й" and prev in "иы" and i == len(word) - 1 and table["й"] in ("y", "i"):
            out[-1] = ""  # Аркадий -> Arkady, Arkadi
            out.append("y" if table["й"] == "y" else "i")
            continue
        out.append(table.get(char, _CYR_BASE.get(char, char)))
    return "".join(out)


def cyrillic(word: str) -> list[NativeWord]:
    lower = word.lower()
    if lower in CYR_WORDS:
        return [NativeWord(w) for w in CYR_WORDS[lower].split()]
    spellings = [_cyr_system(lower, table) for table in _CYR_SYSTEMS.values()]
    primary = spellings[0]
    variants = set(spellings) | {anyascii(lower).lower()}
    if lower.endswith(("ий", "ый")):
        stem = spellings[0][:-1]
        variants |= {stem + "i", stem + "ii", stem + "iy", stem + "y"}
    if lower.endswith(("ов", "ев")):
        variants |= {s[:-1] + "ff" for s in spellings[:1]}
    if "кс" in lower:
        variants |= {s.replace("ks", "x") for s in spellings[:2]}
    variants = {re.sub(r"[^a-z0-9]", "", v) for v in variants}
    variants.discard(primary)
    return [NativeWord(primary, set(sorted(variants)[:MAX_VARIANTS]))]


# ---------------------------------------------------------------------------------------------- Arabic

# Skeleton alphabet: consonants in lower case; X = kh, G = g/gh, C = sh, P = ch. Vowels, w/v, y, ain and
# hamza are dropped: Arabic script does not write short vowels and Latin spellings disagree on the rest.
_AR_SKELETON: dict[str, tuple[str, ...]] = {
    "ب": ("b",), "پ": ("p",), "ت": ("t",), "ط": ("t",), "ث": ("s", "t"), "ج": ("j", "G"), "چ": ("P",),
    "ح": ("h",), "ه": ("h",), "ة": ("",), "خ": ("X",), "د": ("d",), "ذ": ("z", "d"), "ر": ("r",), "ز": ("z",),
    "ژ": ("z", "j"), "س": ("s",), "ص": ("s",), "ش": ("C",), "ض": ("d", "z"), "ظ": ("z",), "غ": ("G",),
    "ف": ("f",), "ق": ("k", "G"), "ك": ("k",), "ک": ("k",), "گ": ("G",), "ل": ("l",), "م": ("m",), "ن": ("n",),
}
_LATIN_DIGRAPHS = (("ou", "u"), ("oo", "u"), ("ow", "u"), ("aw", "aw"), ("kh", "X"), ("gh", "G"), ("sh", "C"), ("ch", "P"), ("th", "t"), ("dh", "d"), ("zh", "z"),
                   ("ph", "f"), ("ck", "k"), ("dj", "j"))
_LATIN_TO_SKELETON = str.maketrans({"q": "k", "c": "k", "g": "G", "x": "ks", "v": "w", "w": "w", "y": "", "a": "",
                                    "e": "", "i": "", "o": "", "u": ""})


def _squash(text: str) -> str:
    """Doubled letters once (shadda is not written), a final h dropped (ة, ه: Fatima = Fatemeh)."""
    out: list[str] = []
    for char in text:
        if not out or out[-1] != char:
            out.append(char)
    squashed = "".join(out)
    return squashed[:-1] if len(squashed) > 2 and squashed.endswith("h") else squashed


def _ar_latin_skeleton(word: str) -> str:
    text = word.lower()
    for digraph, letter in _LATIN_DIGRAPHS:
        text = text.replace(digraph, letter)
    return _squash(text.translate(_LATIN_TO_SKELETON))


def latin_skeletons(word: str) -> set[str]:
    """A listed Latin word's skeletons: itself, and without a joined article (ALHOUTHI = al + houthi)."""
    if not word.isalpha() or len(word) < 3:
        return set()
    found = {_ar_latin_skeleton(word)}
    for article in ("al", "el", "ul"):
        if word.startswith(article) and len(word) >= len(article) + 4:
            found.add(_ar_latin_skeleton(word[len(article) :]))
    if word.startswith("abd") and len(word) >= 4:  # abdul, abdel; abdulmalik, abdurrahman
        for middle in ("ul", "el", "al", "ur", "ar", "ol", "u", "o", ""):
            if word.startswith("abd" + middle):
                found.add("bd" + _ar_latin_skeleton(word[3 + len(middle) :]))
    return {s for s in found if s}


_ALIF = "اآأإ"


def _waw(word: str, position: int) -> tuple[str, ...]:
    """و is the consonant w/v at the start of a word or next to an alif (مروان Marwan, وليد Walid), else
    a long vowel or a v (حوثي Houthi, موسوی Mousavi)."""
    before = word[position - 1] if position else ""
    after = word[position + 1] if position + 1 < len(word) else ""
    if position == 0 or after in _ALIF or before in _ALIF:
        return ("w",)
    return ("", "w")


def arabic_skeletons(word: str) -> set[str]:
    options = [_waw(word, i) if char == "و" else _AR_SKELETON.get(char, ("",)) for i, char in enumerate(word)]
    options = [o for o in options if o != ("",)]
    if len(options) > 9:
        options = [o[:1] for o in options]
    return {s for s in (_squash("".join(combo)) for combo in product(*options)) if s}


AR_WORDS: dict[str, str] = {
    "بانک": "bank", "بنك": "bank", "مصرف": "bank", "شرکت": "company", "شركة": "company", "ملی": "national",
    "الوطني": "national", "الوطنية": "national", "نفت": "oil", "النفط": "oil", "جمهوری": "republic",
    "اسلامی": "islamic", "الإسلامية": "islamic", "الاسلامية": "islamic", "کشتیرانی": "shipping lines",
    "سازمان": "organization", "انرژی": "energy", "اتمی": "atomic", "صنایع": "industries", "بنیاد": "foundation",
    "سپاه": "corps", "پاسداران": "guards", "انقلاب": "revolution", "انقلاب اسلامی": "islamic revolution",
    "دفاع": "defense", "وزارت": "ministry", "هواپیمایی": "airlines", "هواپیمائی": "airlines", "مؤسسه": "institute",
    "موسسه": "institute", "مؤسسة": "establishment", "تجارت": "trade", "بازرگانی": "trading", "للتجارة": "trading",
    "التجارية": "commercial", "گروه": "group", "مجموعة": "group", "مرکز": "center", "تحقیقات": "research",
    "پتروشیمی": "petrochemical", "ایران": "iran", "إيران": "iran", "ايران": "iran", "الايرانية": "iranian",
    "دولة": "state", "الدولة": "state", "العامة": "general", "عمومی": "general", "صادرات": "saderat",
}


def arabic(words: list[str]) -> list[NativeWord]:
    """Arabic-script words: the article split off as the lists write it ("al"), a word before الله joined
    to it, company words translated, every other word compared by its consonant skeletons."""
    out: list[NativeWord] = []
    index = 0
    while index < len(words):
        word = words[index]
        nxt = words[index + 1] if index + 1 < len(words) else ""
        pair = f"{word} {nxt}"
        if pair in AR_WORDS:
            out.extend(NativeWord(w) for w in AR_WORDS[pair].split())
            index += 2
            continue
        if word in AR_WORDS:
            out.extend(NativeWord(w) for w in AR_WORDS[word].split())
            index += 1
            continue
        if nxt in ("الله", "اللہ") and word not in ("عبد",):
            joined = word + "ال" + "له"
            out.append(_ar_word(joined))
            index += 2
            continue
        if word.startswith(("ال", "آل")) and len(word) > 3:
            out.append(NativeWord("al"))
            word = word[2:]
        first = next((p for p in _AR_FIRST_PARTS if word.startswith(p) and len(word) - len(p) >= 3), None)
        if first and first != "عبد":
            out.append(_ar_word(first))
            word = word[len(first) :]
        out.append(_ar_word(word))
        index += 1
    return out


# The commonest given names, whose skeletons are too short to compare: their usual spellings
AR_NAMES: dict[str, tuple[str, ...]] = {
    "محمد": ("muhammad", "mohammad", "mohammed", "muhammed", "mohamed", "mohamad", "mahmad"),
    "أحمد": ("ahmad", "ahmed"), "احمد": ("ahmad", "ahmed"), "علي": ("ali",), "علی": ("ali",),
    "عمر": ("omar", "umar"), "حسن": ("hasan", "hassan"), "حسين": ("husayn", "hussein", "hussain", "husain", "hossein"),
    "حسین": ("hossein", "hussein", "husayn"), "يحيى": ("yahya", "yehia", "yahia"), "يحيي": ("yahya",),
    "عيسى": ("isa", "issa", "eisa"), "موسى": ("musa", "moussa", "mousa"), "مهدی": ("mahdi", "mehdi"),
    "مهدي": ("mahdi", "mehdi"), "هادي": ("hadi",), "هادی": ("hadi",), "رضا": ("reza", "rida", "ridha"),
    "عبد": ("abd", "abdul", "abdel", "abdal"), "ولي": ("wali", "vali"), "ولی": ("vali", "wali"),
    "امیر": ("amir", "ameer"), "امير": ("amir", "ameer"),
}
# Persian compound given names written as one word: امیرعلی = Amir Ali, محمدرضا = Mohammad Reza
_AR_FIRST_PARTS = ("محمد", "امیر", "امير", "علی", "علي", "عبد")


def _ar_word(word: str) -> NativeWord:
    skeletons = arabic_skeletons(word)
    if word == "عبد":
        skeletons |= {"bd"}
    return NativeWord(re.sub(r"[^a-z0-9]", "", anyascii(word).lower()) or "x", set(AR_NAMES.get(word, ())),
                      skeletons=skeletons)


# ---------------------------------------------------------------------------------------------- entry

_WORD = re.compile(r"\S+")
_ZWNJ = re.compile("[\u200c\u200d\u0640\u064b-\u065f\u0670]")  # joiners, tatweel, vowel marks


def looks_like_person(text: str) -> bool:
    """A whole name in Chinese or Korean that reads as a person's (a surname, two to four characters,
    no company word): compared with listed persons only."""
    text = _ZWNJ.sub("", text).strip()
    if HAN.search(text) and " " not in text:
        return _zh_person(text) is not None
    if HANGUL.search(text) and " " not in text:
        return 2 <= len(text) <= 4 and text[0] in KO_SURNAMES and not any(w in text for w in KO_WORDS if len(w) > 1)
    return False  # Arabic script: حزب الله and علي مروان look alike; no guess


def has_native(text: str) -> bool:
    return NATIVE.search(text) is not None


def romanize(text: str) -> tuple[str, dict[str, NativeWord]]:
    """`text` with every native-script word replaced by Latin words, and those words' spellings by text.

    Latin parts (and punctuation) stay as they are, so that the tokenizer that follows treats a mixed name
    ("Акционерное общество «PROTON»") like any other."""
    text = _ZWNJ.sub("", text)
    alpha = [m.group(0) for m in _WORD.finditer(text)]
    whole = len([w for w in alpha if NATIVE.search(w)]) == 1 and len(alpha) == 1
    found: dict[str, NativeWord] = {}
    parts: list[str] = []
    position = 0
    arabic_run: list[str] = []
    tokens = re.split(r"(\s+|[«»\"“”„()\[\]/,.;:!?·・。，、（）]+)", text)

    def emit(words: list[NativeWord]) -> None:
        for word in words:
            key = word.text
            if key in found:
                found[key].variants |= word.variants
                found[key].skeletons |= word.skeletons
            else:
                found[key] = word
            parts.append(" " + key + " ")

    def flush_arabic() -> None:
        if arabic_run:
            emit(arabic(arabic_run))
            arabic_run.clear()

    for piece in tokens:
        if not piece:
            continue
        if ARABIC.search(piece) and not piece.isspace():
            arabic_run.append(piece)
            continue
        if piece.isspace() and arabic_run:
            continue
        flush_arabic()
        if HAN.search(piece) or HANGUL.search(piece):
            for run in re.split(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[\uac00-\ud7af]+)", piece):
                if not run:
                    continue
                if HAN.search(run):
                    emit(chinese(run, whole and run == piece))
                elif HANGUL.search(run):
                    emit(korean(run, whole and run == piece))
                else:
                    parts.append(run)
        elif CYRILLIC.search(piece):
            for run in re.split(r"([\u0400-\u04ff]+)", piece):
                if CYRILLIC.search(run):
                    emit(cyrillic(run))
                elif run:
                    parts.append(run)
        else:
            parts.append(piece)
        position += len(piece)
    flush_arabic()
    return "".join(parts), found
