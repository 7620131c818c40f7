"""Personal data in a text: phone numbers, e-mail addresses, messaging handles, Chinese resident ID numbers,
bank-card and social-security numbers, and street addresses.

A number is only called personal data when it has that data's shape and checks: phone numbers through
libphonenumber's metadata (the `phonenumbers` package, offline), ID numbers by their ISO 7064 check digit and
a real birth date, card numbers by the Luhn digit and an issuer prefix. So prices, dates, view counts and
order numbers pass ("$1,299", "2024-05-18", "订单号 20240518…").
"""

from __future__ import annotations

import re
from datetime import date

from reelcraft.plan import SafetyCategory, Severity
from reelcraft.safety.lexicon import Hit, Rule
from reelcraft.safety.normalise import Normalised, View

PHONE_REGIONS = ("US", "GB", "CN", "CA", "AU", "HK", "TW", "SG", "IN")


def _rule(rule_id: str, severity: Severity, reason: str) -> Rule:
    return Rule(id=rule_id, language="any", category=SafetyCategory.PERSONAL_DATA, severity=severity, reason=reason,
                matchers=(), near=None, unless=None)  # fmt: skip


PHONE = _rule("phone", Severity.WARN, "a phone number: anyone watching can call or message it")
EMAIL = _rule("email", Severity.WARN, "an e-mail address: anyone watching can write to it")
HANDLE = _rule("handle", Severity.WARN,
               "a private messaging handle (WeChat, QQ, WhatsApp…): platforms cut the reach of videos that send "
               "viewers off the app")  # fmt: skip
ID_NUMBER = _rule("id_number", Severity.BLOCK, "a Chinese resident ID number: never publish one")
BANK_CARD = _rule("bank_card", Severity.BLOCK, "a bank-card number: never publish one")
SSN = _rule("ssn", Severity.BLOCK, "a social-security number: never publish one")
GOVERNMENT_ID = _rule("government_id", Severity.BLOCK,
                      "a passport, driving-licence or national-insurance number: never publish one")
BANK_ACCOUNT = _rule("bank_account", Severity.BLOCK, "a bank account or routing number: never publish one")
HOME_ADDRESS = _rule("home_address", Severity.BLOCK, "a home address: it tells viewers where someone lives")
ADDRESS = _rule("address", Severity.WARN, "a street address: fine for a shop, not for a home")
RULES = (PHONE, EMAIL, HANDLE, ID_NUMBER, BANK_CARD, SSN, GOVERNMENT_ID, BANK_ACCOUNT, HOME_ADDRESS, ADDRESS)

_CN_DIGITS = str.maketrans("零〇一二三四五六七八九幺两", "0012345678912")
_EMAIL = re.compile(r"[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
_SPELLED_EMAIL = re.compile(
    r"(?<![a-z0-9])[a-z0-9][a-z0-9._-]*\s*(?:\(at\)|\[at\]|\{at\}|\sat\s|艾特|＠)\s*[a-z0-9-]+\s*"
    r"(?:\(dot\)|\[dot\]|\sdot\s|\.|点)\s*(?:com|net|org|cn|co|io|edu|me|qq)(?![a-z])"
)
_HANDLE = re.compile(
    r"(?:(?<![a-z])(?:wechat|weixin|whatsapp|telegram|vx|wx|qq|line id|kik)|微信号?|v信|薇信|威信|扣扣|企鹅号)"
    r"\s*(?:id|号|number)?\s*[:：是]?\s*([a-z][a-z0-9_-]{4,}|\d{5,12})(?![a-z0-9])"
)
_CN_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
_FORMATTED_PHONE = re.compile(
    r"(?<!\d)(?<!\d[.,])(?:\+?1[\s.-]?)?\(?[2-9]\d{2}\)?[\s.-]\d{3}[\s.-]\d{4}(?!\d|[.,]\d)"  # North American
    r"|(?<!\d)(?<!\d[.,])(?:\+44\s?7\d{3}|07\d{3})\s?\d{3}\s?\d{3}(?!\d|[.,]\d)"  # UK mobiles
)
_DIGIT_RUN = re.compile(r"(?<!\d)(?<!\d[.,])\d(?:\d|[\s-](?=\d)){12,22}(?!\d|[.,]\d)")
_ID = re.compile(r"(?<!\d)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dx](?![\dx])")
_GOVERNMENT_ID = re.compile(
    r"(?:passport|driver'?s licen[cs]e|driving licen[cs]e|licen[cs]e number|护照|驾驶证|驾照)"
    r"(?:[\s,]*(?:number|no\.?|#|号码?))?\s*[:：is]*\s*([a-z]{0,2}\d[\d-]{5,14}\d)(?![\d])"
    r"|(?:national insurance(?: number)?|ni number)\s*[:：is]*\s*[a-z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[a-d]\b"
)
_BANK_ACCOUNT = re.compile(
    r"(?:bank account|account (?:number|no\.?)|acct|routing(?: number)?|sort code|iban|银行账号|账号)\s*[:：#is]*\s*"
    r"(?:[a-z]{2}\d{2}\s?)?\d[\d\s-]{5,30}\d"
)
_SSN = re.compile(r"(?<!\d)(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?!\d)")
_NOT_PERSONAL = re.compile(
    r"(order|tracking|invoice|ref|reference|isbn|serial|sku|model|订单|单号|运单|快递|编号|货号|型号)[\s#:：号]*$"
)
_STREET = (r"street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|way|place|pl|terrace|close"
           r"|crescent|parkway|pkwy|highway|hwy|square|gardens")  # fmt: skip
_EN_ADDRESS = re.compile(
    rf"(?<![\w$£€¥])\d{{1,5}}[a-z]?\s+(?:[a-z][a-z'.-]*\s+){{1,3}}(?:{_STREET})\b\.?"
    r"(?:,?\s*(?:apt|apartment|unit|suite|flat|fl|floor|#)\.?\s*#?\s*\w+)?"
    r"(?:,?\s*[a-z][a-z .'-]{2,30})?(?:,?\s*(?:[a-z]{2}\s+\d{5}|[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}))?"
)
_EN_HOME = re.compile(
    r"\b(apt|apartment|unit|flat|my (house|home|place|address)|i live|she lives|he lives|they live|lives at|live at"
    r"|home address|house address|her address|his address|come (to|by) my|find me at|my door|our new (house|home|place)"
    r"|doxx\w*|mom's place|dad's place|where (she|he) lives)\b"
)
_ZH_UNIT = re.compile(
    r"[\u4e00-\u9fff][\u4e00-\u9fff\d]{0,10}(?:小区|花园|公寓|大厦|家园|苑|村|路|街|道)[\d一二三四五六七八九十]+(?:号|栋|幢|号楼)?"
    r"(?:[\d一二三四五六七八九十]+(?:号楼|栋|幢|单元|楼|层))*[\d]{3,4}(?:室|号)?"
)
_ZH_ADDRESS = re.compile(
    r"[\u4e00-\u9fff]{0,12}(?:省|市|区|县|镇|乡)[\u4e00-\u9fff\d]{0,16}(?:路|街|大道|道|巷|弄|胡同|村|里)"
    r"[\d一二三四五六七八九十百零〇]+(?:号|弄|巷)(?:院)?"
    r"(?:[\d一二三四五六七八九十零〇a-z]+(?:号楼|栋|幢|座|单元|楼|层|室|号|户))*(?:\d+(?:室|号)?)?"
)
_ZH_HOME = re.compile(r"(单元|室|户|号楼|栋|幢|家住|我家|他家|她家|住在|住址|家庭住址|家的地址|上门找)")
_ID_WORDS = re.compile(r"(身份证|证件号|id number|id no)")
_CARD_WORDS = re.compile(r"(卡号|银行卡|这张卡|card number|card no|debit card|credit card)")
"""A number said to be an ID or a card is one, even with a wrong check digit: the viewer still reads it."""
_DATE = re.compile(r"(?<!\d)(\d{1,2}[-/. ]\d{1,2}[-/. ]((19|20)\d{2}|\d{2})|(19|20)\d{2}[-/. ]\d{1,2}[-/. ]\d{1,2}"
                   r"|\d{1,2}[-/. ](19|20)\d{2})(?!\d)")
_CARD_PREFIX = re.compile(r"^(4|5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720)|3[47]|6011|65|62|35|60|9)")


def _digits_view(view: View) -> View:
    """Chinese numerals read as digits (一三八… is a phone number spelled out), one character for one."""
    return View(view.text.translate(_CN_DIGITS), view.origin)


def _luhn(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _cn_id(number: str) -> bool:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10x98765432"[sum(int(d) * w for d, w in zip(number[:17], weights, strict=True)) % 11]
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return number[17] == check and date(1900, 1, 1) <= born <= date.today()


def _before(text: str, start: int, width: int = 14) -> str:
    return text[max(0, start - width):start]


def find_personal(normalised: Normalised) -> list[Hit]:
    """Every piece of personal data in the text, as hits on the text as written."""
    view = normalised.plain
    digits = _digits_view(view)
    text = digits.text
    original = normalised.original
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []

    def add(rule: Rule, start: int, end: int) -> None:
        if any(a < end and start < b for a, b in taken):
            return
        taken.append((start, end))
        first, last = digits.span(start, end, original)
        hits.append(Hit(rule=rule, start=first, end=last, via="pattern"))

    for pattern, rule in ((_EMAIL, EMAIL), (_SPELLED_EMAIL, EMAIL)):
        for found in pattern.finditer(text):
            add(rule, found.start(), found.end())
    for found in _DIGIT_RUN.finditer(text):
        compact = re.sub(r"[\s-]", "", found.group())
        if _NOT_PERSONAL.search(_before(text, found.start())):
            continue
        said = _before(text, found.start(), 16)
        if _ID.fullmatch(compact) and (_cn_id(compact) or _ID_WORDS.search(said)):
            add(ID_NUMBER, found.start(), found.end())
        elif 15 <= len(compact) <= 19 and ((_luhn(compact) and _CARD_PREFIX.match(compact))
                                            or _CARD_WORDS.search(said)):  # fmt: skip
            add(BANK_CARD, found.start(), found.end())
    for found in _ID.finditer(text):
        known = _cn_id(found.group()) or _ID_WORDS.search(_before(text, found.start(), 16))
        if known and not _NOT_PERSONAL.search(_before(text, found.start())):
            add(ID_NUMBER, found.start(), found.end())
    for pattern, rule in ((_GOVERNMENT_ID, GOVERNMENT_ID), (_BANK_ACCOUNT, BANK_ACCOUNT)):
        for found in pattern.finditer(text):
            add(rule, found.start(), found.end())
    for found in _SSN.finditer(text):
        if not _NOT_PERSONAL.search(_before(text, found.start())):
            add(SSN, found.start(), found.end())
    for found in _HANDLE.finditer(text):
        add(HANDLE, found.start(), found.end())
    for pattern in (_CN_MOBILE, _FORMATTED_PHONE):
        for found in pattern.finditer(text):
            if not _NOT_PERSONAL.search(_before(text, found.start())):
                add(PHONE, found.start(), found.end())
    if re.search(r"\d.*\d.*\d.*\d.*\d.*\d.*\d", text):
        import phonenumbers

        for region in PHONE_REGIONS:
            for found in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
                digit_count = sum(c.isdigit() for c in found.raw_string)
                if digit_count < 8 or _DATE.search(found.raw_string):  # "13 2017", "(13-11-17": dates, not phones
                    continue
                if not _NOT_PERSONAL.search(_before(text, found.start)):
                    add(PHONE, found.start, found.end)
    for found in _EN_ADDRESS.finditer(text):
        home = _EN_HOME.search(text[max(0, found.start() - 40):found.end() + 20])
        if home:
            add(HOME_ADDRESS, found.start(), found.end())
        elif "," in found.group() or re.search(r"\d{5}|[a-z]\d[a-z\d]?\s*\d[a-z]{2}$", found.group()):
            add(ADDRESS, found.start(), found.end())  # a number and a street alone ("100 three-pointers in a row") pass
    for found in _ZH_UNIT.finditer(text):  # a flat: building and room numbers are a home
        add(HOME_ADDRESS, found.start(), found.end())
    for found in _ZH_ADDRESS.finditer(text):
        home = _ZH_HOME.search(text[max(0, found.start() - 8):found.end() + 8])
        add(HOME_ADDRESS if home else ADDRESS, found.start(), found.end())
    return hits
