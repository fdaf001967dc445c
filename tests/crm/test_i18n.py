"""The English catalog is complete, compiled, in step with the code, and used by the pages.

Source strings are Chinese; ``locale/en/LC_MESSAGES/django.po`` holds their English and the
compiled ``django.mo`` is committed, so neither CI nor a newcomer needs the gettext tools. After
changing strings run ``scripts/update-translations.sh`` and translate what it reports.
"""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.factories import LeadFactory

ROOT = Path(settings.BASE_DIR)
LOCALE_DIR = ROOT / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"
SOURCE_DIRS = ("config", "crm", "leads", "projects", "dashboard")
TEMPLATE_DIR = ROOT / "templates"
UPDATE_HINT = "run scripts/update-translations.sh and translate the new entries"

# A run of Chinese characters, to tell a translated string from an untranslated one.
HAN = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdfir]|%[sd]|\{\w*\}")


@dataclass
class Entry:
    """One message of a .po file."""

    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def parse_po(path: Path) -> list[Entry]:
    """Parse a gettext catalog (enough of the format for what msgmerge writes), header included.

    Obsolete ``#~`` entries are ignored: gettext does not compile them.
    """
    entries: list[Entry] = []
    current: Entry | None = None
    flags: set[str] = set()
    target: tuple[str, int | None] | None = None
    keyword = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = keyword.match(line)
        if match:
            name, index, literal = match.group(1), match.group(2), match.group(3)
            value = ast.literal_eval(literal)
            if name == "msgctxt" or (name == "msgid" and current is None):
                current = Entry(msgid="", flags=flags, line=number)
                flags = set()
                entries.append(current)
            if name == "msgstr":
                slot = int(index) if index is not None else 0
                current.msgstr[slot] = value
                target = ("msgstr", slot)
            else:
                setattr(current, name, value)
                target = (name, None)
            continue
        if line.startswith('"') and current is not None and target is not None:
            value = ast.literal_eval(line)
            name, slot = target
            if name == "msgstr":
                current.msgstr[slot] += value
            else:
                setattr(current, name, getattr(current, name) + value)
            continue
        raise AssertionError(f"{path.name}:{number}: cannot parse {raw!r}")
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_FILE.exists(), f"{PO_FILE} is missing: {UPDATE_HINT}"
    return parse_po(PO_FILE)


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    """Every message but the header."""
    return [entry for entry in po_entries if entry.msgid]


def where(entry: Entry) -> str:
    return f"django.po:{entry.line} {entry.msgid!r}"


def test_the_catalog_declares_english_plural_forms(po_entries):
    header = next(entry for entry in po_entries if not entry.msgid).msgstr[0]

    assert "Language: en\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header
    assert "charset=UTF-8" in header


def test_every_message_is_translated(messages):
    assert len(messages) > 500
    untranslated = [
        where(entry)
        for entry in messages
        if not entry.msgstr
        or not all(entry.msgstr.values())
        or any(HAN.search(text) for text in entry.msgstr.values())
    ]

    assert untranslated == [], f"untranslated messages ({UPDATE_HINT}):\n" + "\n".join(untranslated)


def test_no_message_is_fuzzy(po_entries):
    fuzzy = [where(entry) for entry in po_entries if "fuzzy" in entry.flags]

    assert fuzzy == [], "check these translations and remove '#, fuzzy':\n" + "\n".join(fuzzy)


def test_plural_messages_have_both_english_forms(messages):
    plurals = [entry for entry in messages if entry.msgid_plural is not None]

    assert plurals
    for entry in plurals:
        assert sorted(entry.msgstr) == [0, 1], where(entry)


def test_translations_keep_the_placeholders(messages):
    broken = []
    for entry in messages:
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in entry.msgstr.values():
            if sorted(PLACEHOLDER.findall(text)) != expected:
                broken.append(f"{where(entry)} -> {text!r}")

    assert broken == [], "placeholders changed:\n" + "\n".join(broken)


def test_the_committed_mo_matches_the_po(messages):
    assert MO_FILE.exists(), f"{MO_FILE} is missing: {UPDATE_HINT}"
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    # Nothing may fall through to the Chinese source string.
    compiled.add_fallback(_Missing())

    stale = []
    for entry in messages:
        if entry.msgid_plural is None:
            if entry.msgctxt is None:
                got = [compiled.gettext(entry.msgid)]
            else:
                got = [compiled.pgettext(entry.msgctxt, entry.msgid)]
        elif entry.msgctxt is None:
            got = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
        else:
            got = [
                compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                for n in (1, 2)
            ]
        want = [entry.msgstr[slot] for slot in sorted(entry.msgstr)]
        if got != want:
            stale.append(f"{where(entry)}: .mo has {got!r}, .po has {want!r}")

    assert stale == [], f"django.mo is out of date ({UPDATE_HINT}):\n" + "\n".join(stale)


class _Missing(gettext.NullTranslations):
    """Fallback that marks a message the compiled catalog does not have."""

    def gettext(self, message: str) -> str:
        return "<missing>"

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return "<missing>"

    def pgettext(self, context: str, message: str) -> str:
        return "<missing>"

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return "<missing>"


# --- the catalog is in step with the code -------------------------------------------------

GETTEXT_FUNCTIONS = {
    "_": 0,
    "gettext": 0,
    "gettext_lazy": 0,
    "gettext_noop": 0,
    "ngettext": 0,
    "ngettext_lazy": 0,
    "pgettext": 1,
    "pgettext_lazy": 1,
    "npgettext": 1,
    "npgettext_lazy": 1,
}
CONTEXT_FUNCTIONS = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}


def python_messages(path: Path) -> list[tuple[str | None, str, int]]:
    """(context, msgid, line) of each gettext call with a literal string in a Python file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in GETTEXT_FUNCTIONS or len(node.args) <= GETTEXT_FUNCTIONS[name]:
            continue
        arg = node.args[GETTEXT_FUNCTIONS[name]]
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            continue
        context = None
        if name in CONTEXT_FUNCTIONS:
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            context = first.value
        found.append((context, arg.value, node.lineno))
    return found


TRANSLATE_TAG = re.compile(
    r"""\{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<msg>.*?)(?P=q)"""
    r"""(?:\s+context\s+(?P<cq>["'])(?P<ctx>.*?)(?P=cq))?"""
)
TEMPLATE_UNDERSCORE = re.compile(r"""_\((?P<q>["'])(?P<msg>.*?)(?P=q)\)""")
BLOCK = re.compile(
    r"\{%\s*blocktrans(?:late)?\b(?P<args>[^%]*)%\}(?P<body>.*?)"
    r"(?:\{%\s*plural\s*%\}(?P<plural>.*?))?\{%\s*endblocktrans(?:late)?\s*%\}",
    re.S,
)
BLOCK_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
BLOCK_CONTEXT = re.compile(r"""\bcontext\s+(?P<q>["'])(?P<ctx>.*?)(?P=q)""")


def block_msgid(body: str, trimmed: bool) -> str:
    """The msgid makemessages extracts from a {% blocktranslate %} body."""
    if trimmed:
        body = " ".join(line.strip() for line in body.strip().splitlines() if line.strip())
    return BLOCK_VARIABLE.sub(r"%(\1)s", body.replace("%", "%%"))


def template_messages(path: Path) -> list[tuple[str | None, str, int]]:
    """(context, msgid, line) of each translatable literal in a template."""
    text = path.read_text(encoding="utf-8")
    found = []

    def line_of(position: int) -> int:
        return text.count("\n", 0, position) + 1

    for match in TRANSLATE_TAG.finditer(text):
        found.append((match.group("ctx"), match.group("msg"), line_of(match.start())))
    for match in TEMPLATE_UNDERSCORE.finditer(text):
        found.append((None, match.group("msg"), line_of(match.start())))
    for match in BLOCK.finditer(text):
        args = match.group("args")
        trimmed = re.search(r"\btrimmed\b", args) is not None
        context = BLOCK_CONTEXT.search(args)
        found.append(
            (
                context.group("ctx") if context else None,
                block_msgid(match.group("body"), trimmed),
                line_of(match.start()),
            )
        )
    return found


def source_files() -> list[Path]:
    files = [
        path
        for folder in SOURCE_DIRS
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    ]
    return files + sorted(TEMPLATE_DIR.rglob("*.html")) + sorted(TEMPLATE_DIR.rglob("*.txt"))


def test_every_string_in_the_code_is_in_the_catalog(messages):
    known = {entry.key for entry in messages}
    missing = []
    scanned = 0
    for path in source_files():
        finder = python_messages if path.suffix == ".py" else template_messages
        for context, msgid, line in finder(path):
            scanned += 1
            if msgid and (context, msgid) not in known:
                missing.append(f"{path.relative_to(ROOT)}:{line} {msgid!r}")

    assert scanned > 500
    assert missing == [], f"strings missing from the catalog ({UPDATE_HINT}):\n" + "\n".join(
        missing
    )


def test_the_template_scanner_extracts_msgids_as_makemessages_does(tmp_path):
    sample = (
        '{% translate "线索" %}{% blocktranslate with name=x %}你好 {{ name }}，100%'
        "{% endblocktranslate %}{% blocktranslate count n=c %}{{ n }} 条{% plural %}"
        '{{ n }} 条{% endblocktranslate %}{% sort_header "a" _("更新") %}'
    )
    path = tmp_path / "sample.html"
    path.write_text(sample, encoding="utf-8")

    found = sorted(msgid for _, msgid, _ in template_messages(path))

    assert found == ["%(n)s 条", "你好 %(name)s，100%%", "更新", "线索"]


# --- the pages use it -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def default_language_afterwards():
    """Requests made in English leave English active in the thread; later tests expect Chinese."""
    yield
    translation.deactivate()


@pytest.fixture
def english(client):
    """A client whose language cookie asks for English (what the language switch sets)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_the_login_page_is_chinese_by_default(client):
    response = client.get(reverse("login"))

    content = response.content.decode()
    assert '<html lang="zh-hans">' in content
    assert "用户名" in content
    assert "Username" not in content


@pytest.mark.django_db
def test_the_login_page_is_english_with_the_language_cookie(english):
    response = english.get(reverse("login"))

    content = response.content.decode()
    assert '<html lang="en">' in content
    assert "Username" in content
    assert "Log in" in content
    assert "Investment process" in content
    assert "用户名" not in content


@pytest.mark.django_db
def test_the_login_page_follows_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert "Username" in response.content.decode()


@pytest.mark.django_db
def test_the_language_switch_turns_the_pages_english(client, officer):
    client.force_login(officer)

    response = client.post(reverse("set_language"), {"language": "en", "next": "/leads/"})
    assert response.status_code == 302
    page = client.get(reverse("leads:list")).content.decode()

    assert "Filter the leads you can see." in page
    assert "New lead" in page
    assert "按条件筛选您可见的线索" not in page


@pytest.mark.django_db
def test_the_lead_list_is_english(english, officer):
    LeadFactory(owner=officer, company_name="虎林测试米业有限公司")
    english.force_login(officer)

    page = english.get(reverse("leads:list")).content.decode()

    for heading in ("My work", "Lead pipeline", "Company name", "Stage", "Planned investment"):
        assert heading in page
    for chinese in ("我的工作台", "线索看板", "企业名称", "计划投资"):
        assert chinese not in page
    assert "Collect" in page  # the lead's stage label
    assert "虎林测试米业有限公司" in page  # user data stays as entered


@pytest.mark.django_db
def test_the_lead_list_is_chinese_by_default(client, officer):
    client.force_login(officer)

    page = client.get(reverse("leads:list")).content.decode()

    assert "线索看板" in page
    assert "Lead pipeline" not in page


@pytest.mark.django_db
def test_a_refused_credit_code_is_explained_in_english(english, officer):
    english.force_login(officer)

    response = english.post(
        reverse("leads:create"), {"company_name": "测试企业", "credit_code": "123"}
    )

    content = response.content.decode()
    assert "The unified social credit code must have 18 characters" in content
    assert "统一社会信用代码应为 18 位" not in content
