"""Text helpers for matching company names across spelling variants."""

import re
import unicodedata

# Legal-form suffixes that do not tell two companies apart, longest first.
COMPANY_SUFFIXES = (
    "集团股份有限公司",
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "股份公司",
    "分公司",
    "集团",
    "公司",
)
# English legal forms, matched as whole words only: "Zinc Ltd" must not lose the "inc" of
# its name and become "Z Corp".
ENGLISH_SUFFIXES = (
    r"co\W*ltd",
    "corporation",
    "limited",
    "company",
    "corp",
    "inc",
    "ltd",
)
_SUFFIXES_LONGEST_FIRST = sorted(set(COMPANY_SUFFIXES), key=len, reverse=True)
_ENGLISH_SUFFIX = re.compile(r"(?<![a-z0-9])(?:" + "|".join(ENGLISH_SUFFIXES) + r")$")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_TRAILING_NOT_WORD = re.compile(r"[\W_]+$", re.UNICODE)


def _strip_suffix(text: str) -> str | None:
    """``text`` without one trailing legal-form suffix, or ``None`` if it has none to lose."""
    for suffix in _SUFFIXES_LONGEST_FIRST:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    match = _ENGLISH_SUFFIX.search(text)
    if match and match.start() > 0:
        return text[: match.start()]
    return None


def normalize_company_name(name: str) -> str:
    """A key under which spelling variants of one company name coincide.

    Folds full-width to half-width (NFKC) and case, strips legal-form suffixes such as
    有限公司 / 股份有限公司 / 集团 / Co., Ltd. (also in brackets), and drops spaces and
    punctuation, so that "虎林市 绿都米业（集团）有限公司" and "虎林市绿都米业集团" share one key.
    """
    text = _TRAILING_NOT_WORD.sub("", unicodedata.normalize("NFKC", name or "").casefold())
    while (stripped := _strip_suffix(text)) is not None:
        shorter = _TRAILING_NOT_WORD.sub("", stripped)
        if not _NOT_WORD.sub("", shorter):
            break
        text = shorter
    return _NOT_WORD.sub("", text)
