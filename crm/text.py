"""Text helpers for matching company names across spelling variants."""

import re
import unicodedata

# Legal-form suffixes that do not tell two companies apart, longest first.
COMPANY_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "集团股份有限公司",
    "有限公司",
    "集团公司",
    "股份公司",
    "分公司",
    "集团",
    "公司",
    "co.,ltd.",
    "co.,ltd",
    "co.ltd",
    "corporation",
    "limited",
    "company",
    "corp",
    "inc",
    "ltd",
)
_SUFFIXES_LONGEST_FIRST = sorted(set(COMPANY_SUFFIXES), key=len, reverse=True)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_company_name(name: str) -> str:
    """A key under which spelling variants of one company name coincide.

    Folds full-width to half-width (NFKC) and case, drops spaces and punctuation, and strips
    legal-form suffixes such as 有限公司 / 股份有限公司 / 集团, so that
    "虎林市 绿都米业（集团）有限公司" and "虎林市绿都米业集团" share one key.
    """
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = text.replace("(", "").replace(")", "")
    text = _NOT_WORD.sub("", text)
    stripped = True
    while stripped:
        stripped = False
        for suffix in _SUFFIXES_LONGEST_FIRST:
            key = _NOT_WORD.sub("", suffix)
            if text.endswith(key) and len(text) > len(key):
                text = text[: -len(key)]
                stripped = True
                break
    return text
