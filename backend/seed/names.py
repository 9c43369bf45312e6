"""Name, place and number data for the demo city: weighted surnames, given
names by generation and gender, community and village names, plausible
18-digit resident ID numbers and mobile numbers. Pure data and pure
functions; every random choice takes the caller's random.Random."""

import bisect
import itertools
from datetime import date

# Common surnames with rough weights (per mille of the population, rounded).
SURNAMES = [
    ("王", 72), ("李", 72), ("张", 68), ("刘", 54), ("陈", 45), ("杨", 31), ("黄", 23), ("赵", 23), ("吴", 21),
    ("周", 20), ("徐", 17), ("孙", 15), ("马", 14), ("朱", 13), ("胡", 13), ("郭", 12), ("何", 12), ("高", 11),
    ("林", 11), ("罗", 10), ("郑", 10), ("梁", 9), ("谢", 8), ("宋", 8), ("唐", 8), ("许", 7), ("韩", 7),
    ("冯", 7), ("邓", 7), ("曹", 7), ("彭", 6), ("曾", 6), ("肖", 6), ("田", 6), ("董", 5), ("袁", 5), ("潘", 5),
    ("于", 5), ("蒋", 5), ("蔡", 5), ("余", 5), ("杜", 5), ("叶", 4), ("程", 4), ("苏", 4), ("魏", 4), ("吕", 4),
    ("丁", 4), ("任", 4), ("沈", 4), ("姚", 3), ("卢", 3), ("姜", 3), ("崔", 3), ("钟", 3), ("谭", 3), ("陆", 3),
    ("汪", 3), ("范", 3), ("金", 3), ("石", 3), ("廖", 3), ("贾", 3), ("夏", 3), ("韦", 3), ("付", 3), ("方", 2),
    ("白", 2), ("邹", 2), ("孟", 2), ("熊", 2), ("秦", 2), ("邱", 2), ("江", 2), ("尹", 2), ("薛", 2), ("闫", 2),
    ("段", 2), ("雷", 2), ("侯", 2), ("龙", 2), ("史", 2), ("陶", 2), ("黎", 2), ("贺", 2), ("顾", 2), ("毛", 2),
    ("郝", 2), ("龚", 2), ("邵", 2), ("万", 2), ("钱", 2), ("严", 2), ("覃", 1), ("武", 2), ("戴", 2), ("莫", 1),
]

# A village is dominated by a few clans; the rest married in or moved there.
VILLAGE_CLANS = [("刘", 30), ("李", 18), ("王", 14), ("柳", 8)]


def _names(text: str) -> list[str]:
    return text.split()


# Given names by generation (birth year) and gender: the names people of
# that age actually carry. Single characters make two-character full names.
GIVEN_NAMES = {
    # born before 1960
    ("elder", "M"): _names("建国 国强 德福 志明 永福 金山 树林 长海 文华 振华 广才 保国 玉山 庆祥 福贵 守信 明德 长林 "
                           "国庆 德胜 连生 春生 万里 有才 学文 宝山 德明 根生 富 忠 林 海 山 义 顺 财"),
    ("elder", "F"): _names("秀英 桂英 秀兰 玉兰 桂兰 凤英 淑珍 玉珍 秀珍 翠花 淑英 桂芝 秀云 兰英 玉梅 素芬 淑兰 桂珍 "
                           "秀芳 金凤 月娥 玉英 凤兰 秀琴 淑华 兰 英 珍 芬 凤"),
    # born 1960-1984
    ("middle", "M"): _names("伟 强 磊 军 勇 涛 斌 刚 杰 明 平 建华 建军 志强 海涛 晓东 红军 卫东 立新 建平 志刚 国华 "
                            "文军 永强 振宇 海波 建伟 宏伟 东升 春雷 伟东 长江 俊 辉 峰 波"),
    ("middle", "F"): _names("芳 丽 敏 静 艳 娟 霞 燕 红 萍 红梅 丽娟 晓燕 海燕 春梅 玉梅 建英 丽华 秀梅 晓红 丽萍 "
                            "美玲 雪梅 桂香 春燕 爱华 文静 晓霞 丽红 慧 玲 琴 颖"),
    # born 1985-2004
    ("young", "M"): _names("浩 鹏 超 宇 帆 博 亮 凯 鑫 磊 俊杰 晓明 子豪 文博 志远 家豪 天宇 浩然 明轩 思远 宇航 "
                           "嘉伟 晨阳 一帆 子健 浩宇 俊豪 振东 佳明 泽宇 旭 阳 龙"),
    ("young", "F"): _names("婷 倩 琳 雪 颖 莹 丹 璐 佳怡 思雨 晓婷 欣怡 梦瑶 诗涵 雨婷 佳琪 静怡 雪莹 婉婷 晓雪 "
                           "梦琪 雅琪 馨月 宇欣 嘉欣 思琪 晓雯 慧敏 洁 蕾"),
    # born 2005 or later
    ("child", "M"): _names("子轩 浩宇 梓睿 宇航 一鸣 俊熙 沐阳 皓轩 铭泽 奕辰 宇泽 子墨 浩然 睿泽 梓豪 思源 锦程 "
                           "嘉懿 博文 天佑 煜祺 子恒 睿 轩 泽 辰 航 琛"),
    ("child", "F"): _names("梓涵 一诺 欣怡 可馨 雨桐 若汐 语嫣 诗琪 子涵 梓萱 思彤 佳宁 雨萱 安琪 梦洁 芷若 "
                           "欣妍 可欣 语桐 书瑶 依诺 沐晴 悦 彤 萱 琪 瑶 涵"),
}


def generation(birth_year: int) -> str:
    if birth_year < 1960:
        return "elder"
    if birth_year < 1985:
        return "middle"
    if birth_year < 2005:
        return "young"
    return "child"


class Weighted:
    """Fast weighted choice from a fixed table (bisect on cumulative weights)."""

    def __init__(self, pairs):
        self.values = [value for value, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng) -> str:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


URBAN_SURNAMES = Weighted(SURNAMES)
# Village: the clans take about 70%, the rest is the general mix.
VILLAGE_SURNAMES = Weighted(VILLAGE_CLANS + [(name, weight * 30 / 1000) for name, weight in SURNAMES])


def given_name(rng, gender: str, birth_year: int) -> str:
    return rng.choice(GIVEN_NAMES[(generation(birth_year), gender)])


# --- places ------------------------------------------------------------------

DISTRICT = "临河区"
# The first two are the demo city's; a larger city adds the rest in order.
STREETS = ["东城街道", "西郊街道", "南湖街道", "北关街道", "滨河街道", "柳河镇", "新华街道", "朝阳街道", "城南街道",
           "河口镇", "东关街道", "青石镇"]
# Streets whose communities include villages (a 镇 is mostly villages).
VILLAGE_STREETS = {"西郊街道", "柳河镇", "河口镇", "青石镇"}

URBAN_COMMUNITIES = [
    "幸福", "和平", "阳光", "建设", "新华", "友谊", "光明", "胜利", "团结", "文化", "长青", "翠园", "锦绣", "春晖",
    "滨河", "朝阳", "东湖", "青年", "花园", "康乐", "育才", "兴华", "振兴", "民主", "前进", "红旗", "荷花", "桂苑",
    "金桥", "龙泉", "南苑", "北辰", "星光", "安康", "永宁", "丰泽", "怡景", "海棠", "银杏", "紫荆",
]
VILLAGES = [
    "柳树", "杨庄", "王家", "河湾", "李家庄", "桃园", "石桥", "前营", "后营", "张庄", "高家", "东坡", "西沟",
    "枣林", "马店", "白塔", "孙庄", "小河", "大柳", "新集",
]

CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals: 一, 十, 十二, 二十, 二十三."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CHINESE_DIGITS[ones]
    head = "" if tens == 1 else CHINESE_DIGITS[tens]
    return head + "十" + (CHINESE_DIGITS[ones] if ones else "")


# --- ID numbers and phones ------------------------------------------------------

# Beijing's county-level codes (GB/T 2260): 1101xx.
REGION_CODES = ["110101", "110102", "110105", "110106", "110107", "110108", "110109", "110111", "110112",
                "110113", "110114", "110115", "110116", "110117", "110118", "110119"]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    """GB 11643-1999 (ISO 7064 MOD 11-2) check character of an ID number."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number(region: str, birth: date, sequence: int) -> str:
    """18 digits: region, birth date, a 3-digit sequence (odd for men, even
    for women; the caller chooses) and the check character."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + check_digit(body)


def valid_id_number(value: str) -> bool:
    return (len(value) == 18 and value[:17].isdigit() and value[17] in "0123456789X"
            and check_digit(value[:17]) == value[17])


MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                   "155", "156", "157", "158", "159", "166", "170", "173", "176", "177", "178", "180", "181",
                   "182", "183", "185", "186", "187", "188", "189", "191", "198", "199"]


def mobile(rng) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"
