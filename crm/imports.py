"""Import of 台账 (ledgers) from Excel (xlsx) and CSV files: one engine for every kind of record.

The engine reads the file (xlsx in openpyxl's read-only mode; CSV in UTF-8 with or without a
byte-order mark, or GB18030 as Chinese Excel saves it), finds the header row below any title
rows (the export's title row included), maps each column to a field by its header and the
header's common aliases (企业名称 / 公司名称 …) or as the user maps it, reads every cell (dates
as 2026-03-01, 2026/3/1, 2026.3.1, 2026年3月1日 or Excel dates; amounts in 万元, or with a 亿元 /
万元 / 元 unit; reference data by code or name; people by user name or full name; task forces by
name or code) and names every problem with its row number and column.

What the rows become is the app's business: each kind of record is an ``ImportSpec`` that an app
registers in ``AppConfig.ready()`` (``crm.registry.import_specs``) with its columns and its bulk
service (``leads.services.leads_import`` …). That service checks every row by the same rule
functions as the app's create service, and writes all rows or none, its history rows marked as
imported (``crm.audit.change_source``).

``import_file`` is the one entry point, for the pages, the API, ``manage.py import_ledger`` and
benchmarks::

    result = import_file(actor=user, kind="leads", file="台账.xlsx", dry_run=True)
    result.counts            # {"rows": …, "create": …, "update": …, "skip": …, "errors": …}
    result.problems          # every Problem(row, column, letter, message, severity)

The pages upload, preview and confirm in steps (``import_upload``, ``import_recheck``,
``import_confirm``): the uploaded file waits under ``IMPORT_UPLOAD_DIR`` with its SHA-256 until
it is confirmed or expires. Every import is an ``ImportLog`` row and an entry of the security log.
"""

import codecs
import csv
import datetime
import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

import django_filters
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import audit, snapshots, writes
from crm.access import check_assignment, sees_everything
from crm.exceptions import ConflictError, DomainError, NotFound, PermissionRefused
from crm.export import looks_like_formula
from crm.filters import BaseFilterSet
from crm.inputs import amount_error_messages, validate_sane_date
from crm.models import (
    ChainLink,
    ImportLog,
    SecurityEvent,
    TaskForce,
    User,
)
from crm.registry import import_specs
from crm.security import security_event_record

T = TypeVar("T")

# Limits, each overridable in settings (IMPORT_MAX_BYTES, IMPORT_MAX_ROWS).
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# An xlsx is a zip: what it may unpack to, against a small file that inflates to gigabytes.
MAX_UNPACKED_FACTOR = 40
MAX_COLUMNS = 200
# The header row is looked for among the first rows (title rows above it are skipped).
HEADER_SCAN_ROWS = 10
# How many problems an import log keeps (the counts are always complete).
PROBLEMS_KEPT = 1000
# How long an uploaded file waits for its confirmation.
UPLOAD_TTL = datetime.timedelta(hours=24)
# Rows written per INSERT.
BATCH_SIZE = 1000

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", MAX_ROWS))


def upload_dir() -> Path:
    """Where uploaded files wait between the preview and the confirmation."""
    return Path(getattr(settings, "IMPORT_UPLOAD_DIR", Path(settings.BASE_DIR) / "var" / "imports"))


class ImportFileError(DomainError):
    """The file cannot be imported at all (too large, unreadable, no header row, too many rows)."""


# --- problems and rows ------------------------------------------------------------------------


class Severity(StrEnum):
    ERROR = "error"  # the import cannot go ahead until it is fixed
    WARNING = "warning"  # worth reading; the import goes ahead


class Action(StrEnum):
    """What an import does with one row."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"  # matched a record the row would not change
    SKIP = "skip"


@dataclass(frozen=True)
class Problem:
    """One problem of the file: its row number as the spreadsheet shows it (``None`` for the
    header row: a column missing or given twice), the column's header and letter, what is
    wrong, and how bad it is."""

    row: int | None
    column: str
    letter: str
    message: str
    severity: str = Severity.ERROR

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "letter": self.letter,
            "message": self.message,
            "severity": str(self.severity),
        }


@dataclass
class SourceColumn:
    """A column of the file: its header, the field it is read into (``None``: not imported,
    ``note`` says why), the unit its header names (「计划投资（亿元）」), a sample value."""

    index: int
    header: str
    field: str | None = None
    unit: str = ""
    note: str = ""
    sample: str = ""
    chosen: bool = False  # mapped by the user rather than recognised by its header

    @property
    def letter(self) -> str:
        # openpyxl is imported where a workbook is read or written, not by every web worker.
        from openpyxl.utils import get_column_letter

        return get_column_letter(self.index + 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "letter": self.letter,
            "header": self.header,
            "field": self.field or "",
            "unit": self.unit,
            "note": self.note,
            "sample": self.sample,
            "chosen": self.chosen,
        }


@dataclass(eq=False)
class ImportRow:
    """One data row: its number in the file, its values by field name (empty cells left out),
    its problems, and what the import does with it (the app's service decides).

    ``failed`` names the fields whose cell could not be read: the service leaves them out of
    its checks rather than report them twice. ``target`` is the existing record a row
    matched; ``note`` says which, for the preview.
    """

    number: int
    columns: Mapping[str, SourceColumn] = field(repr=False)
    labels: Mapping[str, str] = field(repr=False)
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
    action: Action = Action.CREATE
    target: Any = None

    def _add(self, message: str, name: str | None, severity: Severity) -> None:
        column = self.columns.get(name) if name else None
        header = column.header if column else (self.labels.get(name, "") if name else "")
        self.problems.append(
            Problem(self.number, header, column.letter if column else "", str(message), severity)
        )

    def error(self, message: str, name: str | None = None) -> None:
        """An error at the column of field ``name`` (the whole row when ``None``)."""
        self._add(message, name, Severity.ERROR)

    def warn(self, message: str, name: str | None = None) -> None:
        self._add(message, name, Severity.WARNING)

    def refuse(self, error: DomainError) -> None:
        """A rule's refusal, at the column of the field it names: its whole sentence when it
        names one field, each field's message at its column when it names several."""
        fields = [name for name in error.field_errors if name != NON_FIELD_ERRORS]
        if len(fields) > 1:
            for name in fields:
                for message in error.field_errors[name]:
                    self.error(str(message), name)
            return
        self.error(error.message, fields[0] if fields else None)

    def refuse_invalid(self, error: ValidationError) -> None:
        """A model validation's messages, each at its field's column."""
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.error(message)
            return
        for name, messages in error.message_dict.items():
            for message in messages:
                self.error(message, None if name == NON_FIELD_ERRORS else name)

    @property
    def has_errors(self) -> bool:
        return any(problem.severity == Severity.ERROR for problem in self.problems)

    def data(self, names: Iterable[str]) -> dict[str, Any]:
        """The row's values of the fields ``names`` (what an update service takes)."""
        return {name: self.values[name] for name in names if name in self.values}


# --- reading cells -----------------------------------------------------------------------------


class CellError(Exception):
    """A cell that cannot be read as its field's value; the message is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = str(message)


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a trailing ``.0``, dates as ``2026-03-01``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def match_key(text: str) -> str:
    """What two spellings of one name share: full-width folded, case folded, no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


_BRACKETED = re.compile(r"[(（][^)）]*[)）]")


class Parser(Protocol):
    """Reads one cell into a field's value, or raises ``CellError``."""

    hint: str | Promise

    def parse(self, value: Any, *, column: SourceColumn, lookups: "Lookups") -> Any: ...

    def choices(self, lookups: "Lookups") -> list[str]: ...


class Text:
    """Text as it is (one-line fields are checked by the record's own rule)."""

    hint = gettext_lazy("文字。")

    def parse(self, value: Any, *, column: SourceColumn, lookups: "Lookups") -> str:
        return cell_text(value)

    def choices(self, lookups: "Lookups") -> list[str]:
        return []


class DateValue:
    """A date in one of the ways people write them, or an Excel date."""

    hint = gettext_lazy("日期，如 2026-03-01、2026/3/1、2026.3.1 或 2026年3月1日。")

    PATTERNS = (
        re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$"),
        re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    )
    # Excel's day numbers from 1954 to 2119: a plain number in a date column is one of them.
    SERIALS = (20_000, 80_000)

    def parse(self, value: Any, *, column: SourceColumn, lookups: "Lookups") -> datetime.date:
        day = self._date(value)
        try:
            validate_sane_date(day)
        except ValidationError as error:
            raise CellError(error.messages[0]) from None
        return day

    def _date(self, value: Any) -> datetime.date:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and self.SERIALS[0] <= value <= self.SERIALS[1]:
            from openpyxl.utils.datetime import from_excel  # see SourceColumn.letter

            return from_excel(value).date()
        text = unicodedata.normalize("NFKC", cell_text(value))
        text = re.sub(r"\s+00:00(:00)?$", "", text)
        for pattern in self.PATTERNS:
            match = pattern.match(text)
            if match:
                year, month, day = (int(part) for part in match.groups())
                try:
                    return datetime.date(year, month, day)
                except ValueError:
                    raise CellError(
                        _("「%(value)s」不是有效的日期（没有这一天）。") % {"value": text}
                    ) from None
        raise CellError(
            _(
                "「%(value)s」不是可识别的日期：请写成 2026-03-01、2026/3/1、2026.3.1 "
                "或 2026年3月1日。"
            )
            % {"value": text}
        )

    def choices(self, lookups: "Lookups") -> list[str]:
        return []


class Amount:
    """An amount in 万元: a number (in the unit the column's header names, 万元 by default), or
    text with its unit (「1.2亿元」「3,500万元」「50000元」)."""

    hint = gettext_lazy("金额，单位万元；也可写「1.2亿元」「3500万元」「50000元」。")

    UNITS = {"亿元": Decimal(10_000), "亿": Decimal(10_000), "万元": Decimal(1), "万": Decimal(1)}
    NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)(亿元|亿|万元|万|元)?$")
    CENT = Decimal("0.01")

    def __init__(self, max_digits: int = 14, decimal_places: int = 2) -> None:
        self.max_digits = max_digits
        self.decimal_places = decimal_places

    def parse(self, value: Any, *, column: SourceColumn, lookups: "Lookups") -> Decimal:
        unit = column.unit or "万元"
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            number = Decimal(str(value))
        else:
            text = unicodedata.normalize("NFKC", cell_text(value))
            text = re.sub(r"[\s,¥]", "", text)
            match = self.NUMBER.match(text)
            if not match:
                raise CellError(
                    _(
                        "「%(value)s」不是金额：请填写数字（单位%(unit)s），"
                        "或带上单位，如「1.2亿元」「3500万元」。"
                    )
                    % {"value": cell_text(value), "unit": unit}
                )
            number = Decimal(match.group(1))
            unit = match.group(2) or unit
        if not number.is_finite():
            raise CellError(_("「%(value)s」不是金额。") % {"value": cell_text(value)})
        amount = self._in_wan(number, unit)
        if amount < 0:
            raise CellError(_("金额不能为负数。"))
        if amount >= Decimal(10) ** (self.max_digits - self.decimal_places):
            messages = amount_error_messages(self.max_digits, self.decimal_places)
            raise CellError(messages["max_whole_digits"])
        return amount

    def _in_wan(self, number: Decimal, unit: str) -> Decimal:
        wan = number / Decimal(10_000) if unit == "元" else number * self.UNITS[unit]
        return wan.quantize(self.CENT, rounding=ROUND_HALF_UP)

    def choices(self, lookups: "Lookups") -> list[str]:
        return []


class Choice:
    """One of a field's choices, by its label (「延链」「A 级（优先）」「A级」) or its value;
    ``noun`` names the field in messages (``pgettext_lazy("noun in a sentence", …)``)."""

    def __init__(self, choices: Sequence[tuple[str, Any]], noun: str | Promise) -> None:
        self._choices = choices
        self.noun = noun

    @property
    def hint(self) -> str:
        return _("从可选值中选一个。")

    def parse(self, value: Any, *, column: SourceColumn, lookups: "Lookups") -> str:
        text = cell_text(value)
        key = match_key(text)
        for choice, label in self._choices:
            keys = {match_key(str(choice)), match_key(str(label))}
            keys.add(match_key(_BRACKETED.sub("", str(label))))
            if key in keys:
                return choice
        raise CellError(
            _("「%(value)s」不是可选的%(noun)s，可填：%(choices)s。")
            % {"value": text, "noun": self.noun, "choices": "、".join(self.choices(lookups))}
        )

    def choices(self, lookups: "Lookups") -> list[str]:
        return [str(label) for _value, label in self._choices]


@dataclass
class NameIndex:
    """Records found by the keys a person may write for them (name, code …)."""

    by_key: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, record: Any, *keys: str) -> None:
        for key in {match_key(key) for key in keys if key}:
            self.by_key.setdefault(key, []).append(record)

    def find(self, text: str) -> list[Any]:
        return self.by_key.get(match_key(text), [])


class Lookups:
    """Reference data, people and task forces for one import, each read once: checking 10,000
    rows costs the same few queries as checking one. ``load`` keeps anything else an app's
    parser needs (the projects the importer sees) the same way."""

    def __init__(self, actor: User) -> None:
        self.actor = actor
        self._loaded: dict[str, Any] = {}

    def load(self, key: str, loader: Callable[[], T]) -> T:
        if key not in self._loaded:
            self._loaded[key] = loader()
        return self._loaded[key]

    def reference(self, model: type[models.Model]) -> NameIndex:
        """Rows of a reference table (``crm.models.ReferenceData``) by code and by name."""

        def build() -> NameIndex:
            index = NameIndex()
            for row in model._default_manager.order_by("sort_order", "code"):
                index.add(row, row.code, row.name)
            return index

        return self.load(model._meta.label, build)

    def chain_links(self) -> NameIndex:
        """Chain links by code, by name and as the export writes them (「产业链 · 环节」)."""

        def build() -> NameIndex:
            index = NameIndex()
            for link in ChainLink.objects.select_related("chain"):
                index.add(link, link.code, link.name, str(link), f"{link.chain.name}{link.name}")
            return index

        return self.load("chain_links", build)

    def users(self) -> NameIndex:
        def build() -> NameIndex:
            index = NameIndex()
            for user in User.objects.order_by("username"):
                index.add(user, user.username, user.full_name)
            return index

        return self.load("users", build)

    def task_forces(self) -> NameIndex:
        def build() -> NameIndex:
            index = NameIndex()
            for task_force in TaskForce.objects.order_by("name"):
                index.add(task_force, task_force.name, task_force.code)
            return index

        return self.load("task_forces", build)


def _one(found: list[Any], *, unknown: Callable[[], str], ambiguous: Callable[[], str]) -> Any:
    """The one record found; the messages are only worded when needed."""
    if not found:
        raise CellError(unknown())
    if len(found) > 1:
        raise CellError(ambiguous())
    return found[0]


class Reference:
    """A row of a reference table by its name or code; a disabled one is refused by name.

    ``noun`` names the table in messages (``pgettext_lazy("noun in a sentence", …)``).
    """

    hint = gettext_lazy("填写名称或代码，可选值见「说明」表。")

    def __init__(self, model: type[models.Model], noun: str | Promise) -> None:
        self.model = model
        self.noun = noun

    def parse(self, value: Any, *, column: SourceColumn, lookups: "Lookups") -> Any:
        text = cell_text(value)
        noun = self.noun
        record = _one(
            lookups.reference(self.model).find(text),
            unknown=lambda: _(
                "没有「%(value)s」这个%(noun)s（可填名称或代码，见模板的「说明」表）。"
            )
            % {"value": text, "noun": noun},
            ambiguous=lambda: _("「%(value)s」对应多个%(noun)s，请改填代码。")
            % {"value": text, "noun": noun},
        )
        if not record.is_active:
            raise CellError(
                _("%(noun)s「%(name)s」已停用，请改填启用中的%(noun)s。")
                % {"noun": noun, "name": record.name}
            )
        return record

    def choices(self, lookups: "Lookups") -> list[str]:
        seen: dict[int, Any] = {}
        for records in lookups.reference(self.model).by_key.values():
            for record in records:
                if record.is_active:
                    seen[record.pk] = record
        ordered = sorted(seen.values(), key=lambda record: (record.sort_order, record.code))
        return [record.name for record in ordered]


class ChainLinkReference:
    """A chain link by code, by name, or as 「产业链 · 环节」 (how the export writes it)."""

    hint = gettext_lazy("填写环节名称，或「产业链 · 环节」，或代码。")

    def parse(self, value: Any, *, column: SourceColumn, lookups: "Lookups") -> ChainLink:
        text = cell_text(value)
        return _one(
            lookups.chain_links().find(text),
            unknown=lambda: _(
                "没有「%(value)s」这个产业链环节（可填环节名称、「产业链 · 环节」或代码）。"
            )
            % {"value": text},
            ambiguous=lambda: _(
                "有多个叫「%(value)s」的产业链环节，请写成「产业链 · 环节」或填代码。"
            )
            % {"value": text},
        )

    def choices(self, lookups: "Lookups") -> list[str]:
        links = {link.pk: link for links in lookups.chain_links().by_key.values() for link in links}
        ordered = sorted(links.values(), key=lambda link: (link.chain.sort_order, link.position))
        return [str(link) for link in ordered]


class UserReference:
    """A person by user name or full name (whether they may take the record is the record's
    assignment rule, not this column's)."""

    hint = gettext_lazy("填写姓名或用户名。")

    def parse(self, value: Any, *, column: SourceColumn, lookups: "Lookups") -> User:
        text = cell_text(value)
        return _one(
            lookups.users().find(text),
            unknown=lambda: _("没有叫「%(value)s」的用户（可填姓名或用户名）。") % {"value": text},
            ambiguous=lambda: _("有多位用户叫「%(value)s」，请改填用户名。") % {"value": text},
        )

    def choices(self, lookups: "Lookups") -> list[str]:
        return []


class TaskForceReference:
    """A task force by name or code."""

    hint = gettext_lazy("填写专班名称或代码。")

    def parse(self, value: Any, *, column: SourceColumn, lookups: "Lookups") -> TaskForce:
        text = cell_text(value)
        return _one(
            lookups.task_forces().find(text),
            unknown=lambda: _("没有「%(value)s」这个专班（可填专班名称或代码）。")
            % {"value": text},
            ambiguous=lambda: _("「%(value)s」对应多个专班，请改填代码。") % {"value": text},
        )

    def choices(self, lookups: "Lookups") -> list[str]:
        task_forces = {tf.pk: tf for tfs in lookups.task_forces().by_key.values() for tf in tfs}
        return sorted(tf.name for tf in task_forces.values() if tf.is_active)


# --- what a kind of record declares --------------------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    """One field a file's column can be read into.

    ``header`` is the column's header in the export and the template, so an exported file
    imports again; ``aliases`` are other headers people use for it. ``name`` is the model
    field's name (the key the app's service and its rules use).
    """

    name: str
    header: str | Promise
    parser: Parser = field(default_factory=Text)
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str | Promise = ""
    example: str = ""

    @property
    def hint(self) -> str:
        return str(self.help or self.parser.hint)


class RunRows(Protocol):
    """An app's bulk import service (see ``ImportSpec.run``)."""

    def __call__(
        self,
        *,
        actor: User,
        rows: Sequence[ImportRow],
        on_match: str,
        on_similar: str,
        dry_run: bool,
    ) -> None: ...


@dataclass(frozen=True)
class ImportSpec:
    """A kind of record a 台账 can be imported as, registered by its app.

    ``run`` is the app's bulk service: it checks every row (adding problems, setting each
    row's ``action`` and ``target``) by the rules of the app's create and update services,
    and writes the rows only when none has an error and it is not a ``dry_run``: all or none.
    ``ignored`` are the export's columns that are not imported (the stage, computed columns),
    with ``ignored_note`` saying why; ``list_url`` names the list page of the records.
    ``similar_names`` says whether rows are also matched by a looser name (and so whether
    ``on_similar`` means anything for this kind).
    """

    kind: str
    title: str | Promise
    fields: tuple[ImportField, ...]
    run: RunRows
    ignored: tuple[str | Promise, ...] = ()
    ignored_note: str | Promise = ""
    list_url: str = ""
    note: str | Promise = ""
    similar_names: bool = True

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for each in self.fields:
            for key in _field_keys(each):
                if seen.setdefault(key, each.name) != each.name:
                    raise ValueError(f"{self.kind}: header {key!r} names two fields")

    def field_named(self, name: str) -> ImportField | None:
        return next((each for each in self.fields if each.name == name), None)

    @property
    def labels(self) -> dict[str, str]:
        return {each.name: str(each.header) for each in self.fields}


def spec_for(kind: str) -> ImportSpec:
    """The registered spec of ``kind``; an unknown kind is not found."""
    spec = import_specs.get(kind)
    if spec is None:
        raise NotFound(_("没有「%(kind)s」这种导入。") % {"kind": kind})
    return spec


def specs() -> list[ImportSpec]:
    return list(import_specs)


# --- headers -----------------------------------------------------------------------------------

_UNIT = re.compile(r"[(（]\s*(亿元|万元|元)\s*[)）]")
_MARKS = re.compile(r"^[*＊★]+|[*＊★]+$|[(（]\s*必填\s*[)）]")


def header_unit(header: str) -> str:
    """The amount unit a header names: 「计划投资（亿元）」 → 亿元."""
    match = _UNIT.search(unicodedata.normalize("NFKC", header))
    return match.group(1) if match else ""


def header_key(header: str) -> str:
    """A header as it is compared: without required marks (*, （必填）) and the amount unit."""
    text = unicodedata.normalize("NFKC", header).strip()
    text = _MARKS.sub("", _UNIT.sub("", text)).strip()
    return match_key(text)


def _field_keys(each: ImportField) -> set[str]:
    return {header_key(str(each.header)), *(header_key(alias) for alias in each.aliases)}


def _header_index(spec: ImportSpec) -> dict[str, str]:
    """Header key → field name; the export's columns that are not imported map to ``""``."""
    index = {header_key(str(header)): "" for header in spec.ignored}
    for each in spec.fields:
        for key in _field_keys(each):
            index[key] = each.name
    return index


def map_columns(
    headers: Sequence[str],
    spec: ImportSpec,
    overrides: Mapping[Any, str | None] | None = None,
) -> tuple[list[SourceColumn], list[Problem]]:
    """The columns of the file with the field each is read into, and the file's problems
    (a field read from two columns, a required field no column gives: problems of the header,
    without a row number).

    ``overrides`` map a column (by its index, or its header text) to a field name (or to
    ``""`` / ``None``: not imported); the rest are recognised by their headers.
    """
    index = _header_index(spec)
    overrides = dict(overrides or {})
    labels = spec.labels
    columns = []
    for position, header in enumerate(headers):
        column = SourceColumn(index=position, header=header, unit=header_unit(header))
        name = index.get(header_key(header)) if header else None
        if name:
            column.field = name
        elif not header:
            column.note = _("没有列名")
        elif name == "":
            column.note = str(spec.ignored_note) or _("导出专用列，不导入")
        else:
            column.note = _("未识别的列名")
        if position in overrides or header in overrides:
            chosen = _field_name(
                spec, overrides[position] if position in overrides else overrides[header]
            )
            if chosen != column.field:
                column.field, column.chosen = chosen, True
                column.note = "" if chosen else _("不导入")
        columns.append(column)

    problems: list[Problem] = []
    by_field: dict[str, SourceColumn] = {}
    for column in columns:
        if column.field is None:
            continue
        first = by_field.setdefault(column.field, column)
        if first is not column:
            problems.append(
                Problem(
                    None,
                    column.header,
                    column.letter,
                    _("「%(field)s」同时来自 %(first)s 列和 %(second)s 列，请只保留一列。")
                    % {
                        "field": labels[column.field],
                        "first": first.letter,
                        "second": column.letter,
                    },
                )
            )
    for each in spec.fields:
        if each.required and each.name not in by_field:
            problems.append(
                Problem(
                    None,
                    str(each.header),
                    "",
                    _(
                        "缺少必填的「%(field)s」列：请在文件中加上这一列，或在列对应中指定哪一列是它。"
                    )
                    % {"field": each.header},
                )
            )
    return columns, problems


def _field_name(spec: ImportSpec, chosen: str | None) -> str | None:
    """A mapping's target: a field's name or header, or empty for "not imported"."""
    if not chosen:
        return None
    for each in spec.fields:
        if chosen == each.name or header_key(chosen) == header_key(str(each.header)):
            return each.name
    raise DomainError(
        _("列对应有误：「%(field)s」不是可导入的字段。") % {"field": chosen},
        field_errors={"mapping": [_("没有「%(field)s」这个字段。") % {"field": chosen}]},
    )


# --- reading files -----------------------------------------------------------------------------


@dataclass
class Table:
    """What was read from the file: the header row's number and texts, and the data rows as
    ``(row number, cells)``."""

    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Any]]]


def _rows_of_xlsx(data: bytes) -> Iterator[Iterator[tuple[int, list[Any]]]]:
    """Each worksheet's rows, numbered as the spreadsheet numbers them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(
            _("无法读取这个 .xlsx 文件（可能已损坏），请重新保存后再上传。")
        ) from None
    if unpacked > max_bytes() * MAX_UNPACKED_FACTOR:
        raise ImportFileError(_("这个 .xlsx 文件解压后过大，无法导入。"))
    try:
        from openpyxl import load_workbook  # see SourceColumn.letter

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a third-party parser on untrusted input fails in many ways
        raise ImportFileError(
            _("无法读取这个文件：请上传 Excel（.xlsx）或 CSV 文件，如已损坏请重新保存后再上传。")
        ) from None

    def sheet_rows(worksheet: Any) -> Iterator[tuple[int, list[Any]]]:
        # Some programs write a wrong sheet size; read what is there instead.
        worksheet.reset_dimensions()
        number = 0
        try:
            for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1):
                yield number, list(cells[:MAX_COLUMNS])
        except Exception:
            raise ImportFileError(
                _("读取第 %(row)s 行附近时出错，文件可能已损坏，请重新保存后再上传。")
                % {"row": number + 1}
            ) from None

    try:
        for worksheet in workbook.worksheets:
            yield sheet_rows(worksheet)
    finally:
        workbook.close()


def _decode(data: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (Chinese Excel)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        _("无法识别 CSV 文件的编码，请在 Excel 或 WPS 中另存为「CSV UTF-8」或 .xlsx 后再上传。")
    )


def _rows_of_csv(data: bytes) -> Iterator[Iterator[tuple[int, list[Any]]]]:
    # PostgreSQL cannot store NUL, and no ledger has one on purpose.
    text = _decode(data).replace("\x00", "")
    sample = text[:4096]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","

    def rows() -> Iterator[tuple[int, list[Any]]]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, [_unescape(cell) for cell in cells[:MAX_COLUMNS]]
        except csv.Error:
            raise ImportFileError(
                _("CSV 文件第 %(row)s 行格式有误（可能有未配对的引号），请检查后再上传。")
                % {"row": reader.line_num}
            ) from None

    yield rows()


def _unescape(cell: str) -> str:
    """Undo the export's guard against formulas (a leading apostrophe), so values round-trip."""
    if cell.startswith("'") and looks_like_formula(cell[1:]):
        return cell[1:]
    return cell


def _is_blank(cells: Sequence[Any]) -> bool:
    return all(cell_text(cell) == "" for cell in cells)


def read_table(data: bytes, *, file_name: str, spec: ImportSpec) -> Table:
    """The header row (within the first rows, below any title rows) and the data rows below it.

    Blank rows and the export's 合计 row are left out; more than ``max_rows()`` data rows is
    refused before anything is checked.
    """
    if data.startswith(XLSX_MAGIC):
        sheets = _rows_of_xlsx(data)
    elif data.startswith(XLS_MAGIC):
        raise ImportFileError(
            _("这是旧版 Excel（.xls）文件：请在 Excel 或 WPS 中「另存为」.xlsx 后再上传。")
        )
    elif file_name.lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError(_("无法读取这个 .xlsx 文件（可能已损坏），请重新保存后再上传。"))
    else:
        sheets = _rows_of_csv(data)
    index = _header_index(spec)
    limit = max_rows()
    for rows in sheets:
        header: tuple[int, list[str]] | None = None
        for number, cells in rows:
            texts = [cell_text(cell) for cell in cells]
            if sum(1 for text in texts if text and header_key(text) in index) >= min(
                2, len(spec.fields)
            ):
                header = (number, texts)
                break
            if number >= HEADER_SCAN_ROWS:
                break
        if header is None:
            continue
        data_rows = []
        for number, cells in rows:
            if _is_blank(cells) or _is_total(cells):
                continue
            if len(data_rows) >= limit:
                raise ImportFileError(
                    _("数据超过 %(max)s 行：每次最多导入 %(max)s 行，请分成几个文件导入。")
                    % {"max": f"{limit:,}"}
                )
            data_rows.append((number, cells))
        while header[1] and not header[1][-1]:
            header[1].pop()
        return Table(header_row=header[0], headers=header[1], rows=data_rows)
    examples = "、".join(f"「{each.header}」" for each in spec.fields if each.required)
    raise ImportFileError(
        _(
            "没有找到表头：前 %(rows)s 行中应有一行是列名（如 %(examples)s）。"
            "可下载导入模板，按模板的列名整理后再上传。"
        )
        % {"rows": HEADER_SCAN_ROWS, "examples": examples}
    )


def _is_total(cells: Sequence[Any]) -> bool:
    """The export's last row, 「合计（N 条）」 and the sums."""
    first = next((cell_text(cell) for cell in cells if cell_text(cell)), "")
    return first == "合计" or first.startswith(("合计（", "合计("))


# --- checking the rows ---------------------------------------------------------------------------


def parse_rows(
    table: Table, columns: Sequence[SourceColumn], spec: ImportSpec, lookups: Lookups
) -> list[ImportRow]:
    """Every data row read into its fields, each cell's problem at its row and column.

    The template's example row, left in as the first row, is left out.
    """
    by_field = {column.field: column for column in columns if column.field}
    labels = spec.labels
    fields = [(spec.field_named(name), column) for name, column in by_field.items()]
    example = {
        each.name: each.example for each in spec.fields if each.example and each.name in by_field
    }
    missing = {each.name for each in spec.fields if each.required and each.name not in by_field}
    samples: dict[int, str] = {}
    seen: dict[tuple[str, type, Any], Any] = {}
    rows = []
    for number, cells in table.rows:
        for column in columns:
            known = column.index in samples or column.index >= len(cells)
            if not known and (sample := cell_text(cells[column.index])):
                samples[column.index] = sample[:40]
        texts = {
            name: cell_text(cells[column.index]) if column.index < len(cells) else ""
            for name, column in by_field.items()
        }
        first = number == table.rows[0][0]
        if first and example and all(texts[name] == text for name, text in example.items()):
            continue
        row = ImportRow(number=number, columns=by_field, labels=labels, failed=set(missing))
        for each, column in fields:
            value = cells[column.index] if column.index < len(cells) else None
            if texts[each.name] == "":
                if each.required:
                    row.error(_("「%(field)s」必须填写。") % {"field": each.header}, each.name)
                    row.failed.add(each.name)
                continue
            # A column of reference data or dates repeats a few values over thousands of rows:
            # each is read once (free text is cheaper to read than to remember).
            key = (each.name, type(value), value)
            if key in seen:
                parsed = seen[key]
            else:
                try:
                    parsed = each.parser.parse(value, column=column, lookups=lookups)
                except CellError as error:
                    parsed = error
                if not isinstance(each.parser, Text):
                    seen[key] = parsed
            if isinstance(parsed, CellError):
                row.error(parsed.message, each.name)
                row.failed.add(each.name)
            else:
                row.values[each.name] = parsed
        rows.append(row)
    for column in columns:
        column.sample = samples.get(column.index, "")
    return rows


class AssignmentCheck:
    """``crm.access.check_assignment`` for new records, asked once per owner and task force
    however many rows share them; the refusal is returned, not raised."""

    def __init__(self, *, actor: User, noun: str | Promise) -> None:
        self.actor = actor
        self.noun = noun
        self._answers: dict[tuple[int | None, int | None], DomainError | None] = {}

    def __call__(self, *, owner: User | None, task_force: TaskForce | None) -> DomainError | None:
        key = (owner.pk if owner else None, task_force.pk if task_force else None)
        if key not in self._answers:
            try:
                check_assignment(
                    actor=self.actor,
                    owner=owner,
                    task_force=task_force,
                    creating=True,
                    noun=str(self.noun),
                )
            except DomainError as error:
                self._answers[key] = error
            else:
                self._answers[key] = None
        return self._answers[key]


def check_new_record(row: ImportRow, instance: models.Model, *, actor: User) -> None:
    """What ``crm.writes.record_create`` checks before it saves, for a row's new record: its
    one-line fields, that the importer still sees it, and the model's validation of each value
    the row gives (the rest the service set itself).

    The related rows come from the import's lookups (they exist) and the constraints are
    enforced by the database when the rows are written, so neither costs a query per row.
    """
    given = [name for name in row.values if name not in row.failed]
    try:
        writes.check_single_line(instance, given)
        writes.check_still_visible(instance, actor=actor)
    except DomainError as error:
        row.refuse(error)
    fields = instance._meta.concrete_fields
    checked = {name for name in given if not instance._meta.get_field(name).is_relation}
    try:
        instance.full_clean(
            exclude=[each.name for each in fields if each.name not in checked],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        row.refuse_invalid(error)


def create_records(instances: Sequence[models.Model], *, actor: User) -> None:
    """Insert the new records with their history rows (marked with the current
    ``crm.audit.change_source``), all in one go."""
    if not instances:
        return
    _insert(instances)
    _insert(audit.creation_entries(instances=instances, actor=actor))


def _insert(instances: Sequence[models.Model]) -> None:
    """Insert new rows of one model, giving each its primary key.

    On PostgreSQL the rows are copied in (``COPY``), ids drawn from the table's sequence
    first: several times faster than ``INSERT`` for ten thousand rows, and held to the same
    constraints. Other databases take ``bulk_create``.
    """
    model = type(instances[0])
    snapshots.FIGURES.record_write()  # bulk inserts send no signal
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(instances, batch_size=BATCH_SIZE)
        return
    meta = model._meta
    fields = list(meta.concrete_fields)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(instances)],
        )
        for instance, (pk,) in zip(instances, cursor.fetchall(), strict=True):
            instance.pk = pk
        columns = ", ".join(quote(field.column) for field in fields)
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for instance in instances:
                copy.write_row(
                    [
                        field.get_db_prep_save(field.pre_save(instance, True), connection)
                        for field in fields
                    ]
                )
    for instance in instances:
        instance._state.adding = False
        instance._state.db = connection.alias


def in_chunks(values: Sequence[T], size: int = BATCH_SIZE) -> Iterator[Sequence[T]]:
    """``values`` in slices a query's ``IN`` list can take on every database."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- running an import ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import found and did: the columns, every row with its action and problems, the
    file's own problems, whether anything was written, and its log row."""

    spec: ImportSpec
    log: ImportLog
    columns: list[SourceColumn]
    rows: list[ImportRow]
    file_problems: list[Problem]
    written: bool

    @property
    def problems(self) -> list[Problem]:
        """The file's problems, then each row's, in row order."""
        return [*self.file_problems, *(p for row in self.rows for p in row.problems)]

    @property
    def has_errors(self) -> bool:
        return any(problem.severity == Severity.ERROR for problem in self.problems)

    @property
    def counts(self) -> dict[str, int]:
        clean = [row for row in self.rows if not row.has_errors]
        actions = [row.action for row in clean]
        problems = self.problems
        return {
            "rows": len(self.rows),
            "create": actions.count(Action.CREATE),
            "update": actions.count(Action.UPDATE),
            "unchanged": actions.count(Action.UNCHANGED),
            "skip": actions.count(Action.SKIP),
            "error_rows": len(self.rows) - len(clean),
            "errors": sum(1 for p in problems if p.severity == Severity.ERROR),
            "warnings": sum(1 for p in problems if p.severity == Severity.WARNING),
        }


def _read_bytes(file: Any, file_name: str) -> tuple[bytes, str]:
    """The file's bytes (a path, bytes, or an open or uploaded file), refused when too large."""
    limit = max_bytes()
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    elif isinstance(file, str | Path):
        path = Path(file)
        file_name = file_name or path.name
        if path.stat().st_size > limit:
            raise _too_large(path.stat().st_size)
        data = path.read_bytes()
    else:
        file_name = file_name or Path(getattr(file, "name", "") or "").name
        size = getattr(file, "size", None)
        if size is not None and size > limit:
            raise _too_large(size)
        data = file.read(limit + 1)
    if len(data) > limit:
        raise _too_large(len(data))
    if not data:
        raise ImportFileError(_("文件是空的。"))
    return data, file_name or "upload"


def _too_large(size: int) -> ImportFileError:
    return ImportFileError(
        _("文件过大（%(size)s MB），每个文件最多 %(max)s MB：请分成几个文件导入。")
        % {"size": f"{size / 1024 / 1024:.1f}", "max": f"{max_bytes() / 1024 / 1024:g}"}
    )


def _options(on_match: str, on_similar: str) -> tuple[str, str]:
    if on_match not in ImportLog.OnMatch.values:
        raise DomainError.for_field(
            "on_match", _("与已有记录相同时只能选择跳过（skip）或更新（update）。")
        )
    if on_similar not in ImportLog.OnSimilar.values:
        raise DomainError.for_field(
            "on_similar", _("名称相近时只能选择跳过（skip）或仍然导入（import）。")
        )
    return on_match, on_similar


def import_file(
    *,
    actor: User,
    kind: str,
    file: bytes | str | Path | IO[bytes],
    file_name: str = "",
    on_match: str = ImportLog.OnMatch.SKIP,
    on_similar: str = ImportLog.OnSimilar.SKIP,
    dry_run: bool = False,
    mapping: Mapping[Any, str | None] | None = None,
    request: HttpRequest | None = None,
    log: ImportLog | None = None,
) -> ImportResult:
    """Import a 台账 file of ``kind`` (``leads``, ``projects``, ``support`` …) as ``actor``.

    ``file`` is a path, the bytes, or an open or uploaded file. ``on_match`` says what to do
    with a row that is already a record (``skip``, the default, or ``update``); ``on_similar``
    with a row whose name matches a record's (``skip``, the default, or ``import``).
    ``mapping`` maps columns (by header text or index) to fields (by name or header), or to
    ``""`` to leave them out; other columns are recognised by their headers. With
    ``dry_run`` nothing is written; otherwise every row is written, or none when any row has
    an error. The run is recorded in ``log`` (a new ``ImportLog`` when ``None``) and in the
    security log. Raises ``ImportFileError`` for a file that cannot be read at all.
    """
    spec = spec_for(kind)
    on_match, on_similar = _options(on_match, on_similar)
    data, file_name = _read_bytes(file, file_name)
    digest = hashlib.sha256(data).hexdigest()
    try:
        table = read_table(data, file_name=file_name, spec=spec)
    except ImportFileError as error:
        _record_event(
            request,
            actor=actor,
            spec=spec,
            details={
                "file": file_name,
                "size": len(data),
                "sha256": digest,
                "error": error.message,
            },
        )
        raise
    columns, file_problems = map_columns(table.headers, spec, mapping)
    rows = parse_rows(table, columns, spec, Lookups(actor))
    blocked = any(problem.severity == Severity.ERROR for problem in file_problems)
    spec.run(
        actor=actor,
        rows=rows,
        on_match=on_match,
        on_similar=on_similar,
        dry_run=dry_run or blocked,
    )
    result = ImportResult(
        spec=spec,
        log=log or ImportLog(actor=actor),
        columns=columns,
        rows=rows,
        file_problems=file_problems,
        written=False,
    )
    result.written = not dry_run and not result.has_errors
    _log_save(
        result,
        file_name=file_name,
        size=len(data),
        digest=digest,
        on_match=on_match,
        on_similar=on_similar,
        dry_run=dry_run,
    )
    _record_event(
        request,
        actor=actor,
        spec=spec,
        details={
            "file": file_name,
            "size": len(data),
            "sha256": digest,
            "dry_run": dry_run,
            "status": result.log.status,
            "log": result.log.pk,
            **result.counts,
        },
    )
    return result


def _log_save(
    result: ImportResult,
    *,
    file_name: str,
    size: int,
    digest: str,
    on_match: str,
    on_similar: str,
    dry_run: bool,
) -> None:
    log, counts = result.log, result.counts
    if dry_run:
        log.status = ImportLog.Status.PREVIEW
    else:
        log.status = ImportLog.Status.DONE if result.written else ImportLog.Status.REFUSED
    # A refused import wrote nothing: it created, updated and skipped nothing either.
    done = dry_run or result.written
    log.kind = result.spec.kind
    log.file_name = file_name[:255]
    log.file_size = size
    log.sha256 = digest
    log.on_match, log.on_similar = on_match, on_similar
    log.mapping = [column.as_dict() for column in result.columns]
    log.row_count = counts["rows"]
    log.created_count = counts["create"] if done else 0
    log.updated_count = counts["update"] if done else 0
    log.skipped_count = counts["skip"] + counts["unchanged"] if done else 0
    log.error_count = counts["errors"]
    log.warning_count = counts["warnings"]
    log.errors = [problem.as_dict() for problem in result.problems[:PROBLEMS_KEPT]]
    log.dry_run = dry_run
    log.save()


def _record_event(
    request: HttpRequest | None, *, actor: User, spec: ImportSpec, details: dict[str, Any]
) -> None:
    security_event_record(
        kind=SecurityEvent.Kind.IMPORT,
        request=request,
        actor=actor,
        target=f"{spec.title}：{details.get('file', '')}",
        details={"kind": spec.kind, **details},
    )


# --- the pages' steps: upload, recheck, confirm --------------------------------------------------


def _stored_path(name: str) -> Path:
    return upload_dir() / name


def purge_stale_uploads(*, now: datetime.datetime | None = None) -> int:
    """Delete uploaded files older than ``UPLOAD_TTL`` (never confirmed); returns how many."""
    directory = upload_dir()
    if not directory.is_dir():
        return 0
    cutoff = (now or timezone.now()).timestamp() - UPLOAD_TTL.total_seconds()
    removed = 0
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _store(data: bytes, file_name: str) -> str:
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".xlsx" if data.startswith(XLSX_MAGIC) else ".csv"
    name = f"{uuid.uuid4().hex}{suffix}"
    _stored_path(name).write_bytes(data)
    return name


def stored_upload(log: ImportLog) -> bytes | None:
    """The file a preview is waiting to import, or ``None`` once it is gone or was changed."""
    if not log.stored_file:
        return None
    path = _stored_path(Path(log.stored_file).name)
    if not path.is_file():
        return None
    data = path.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == log.sha256 else None


def _discard(log: ImportLog) -> None:
    if log.stored_file:
        _stored_path(Path(log.stored_file).name).unlink(missing_ok=True)
        log.stored_file = ""
        log.save(update_fields=["stored_file", "updated_at"])


def import_upload(
    *,
    actor: User,
    kind: str,
    upload: IO[bytes],
    on_match: str = ImportLog.OnMatch.SKIP,
    on_similar: str = ImportLog.OnSimilar.SKIP,
    request: HttpRequest | None = None,
) -> ImportResult:
    """Check an uploaded file (nothing written) and keep it for its confirmation."""
    purge_stale_uploads()
    data, file_name = _read_bytes(upload, "")
    result = import_file(
        actor=actor,
        kind=kind,
        file=data,
        file_name=file_name,
        on_match=on_match,
        on_similar=on_similar,
        dry_run=True,
        request=request,
    )
    result.log.stored_file = _store(data, file_name)
    result.log.save(update_fields=["stored_file", "updated_at"])
    return result


def _waiting(log: ImportLog, actor: User) -> bytes:
    """The stored file of a preview ``actor`` may go on with."""
    if log.actor_id != actor.pk:
        raise PermissionRefused(_("只有上传文件的人可以继续这次导入。"))
    if log.status != ImportLog.Status.PREVIEW:
        raise ConflictError(
            _("这次导入已经处理过（%(status)s），请重新上传文件。")
            % {"status": log.get_status_display()}
        )
    data = stored_upload(log)
    if data is None:
        raise ConflictError(_("上传的文件已过期或已被清理，请重新上传。"))
    return data


def saved_mapping(log: ImportLog) -> dict[int, str | None]:
    """The column mapping a preview used, by column index (the confirmation reuses it)."""
    return {
        int(column["index"]): column.get("field") or None
        for column in log.mapping
        if isinstance(column, dict) and "index" in column
    }


def import_recheck(
    *,
    log: ImportLog,
    actor: User,
    mapping: Mapping[Any, str | None] | None,
    on_match: str,
    on_similar: str,
    request: HttpRequest | None = None,
) -> ImportResult:
    """Check the waiting file again with another column mapping or other choices."""
    data = _waiting(log, actor)
    return import_file(
        actor=actor,
        kind=log.kind,
        file=data,
        file_name=log.file_name,
        on_match=on_match,
        on_similar=on_similar,
        dry_run=True,
        mapping=saved_mapping(log) if mapping is None else mapping,
        request=request,
        log=log,
    )


def import_confirm(
    *,
    log: ImportLog,
    actor: User,
    on_match: str,
    on_similar: str,
    request: HttpRequest | None = None,
) -> ImportResult:
    """Import the waiting file for real, with the mapping its preview showed: all or none.

    The log row is locked, so a second click (or a second tab) finds it already done.
    """
    with transaction.atomic():
        log = ImportLog.objects.select_for_update().get(pk=log.pk)
        data = _waiting(log, actor)
        result = import_file(
            actor=actor,
            kind=log.kind,
            file=data,
            file_name=log.file_name,
            on_match=on_match,
            on_similar=on_similar,
            dry_run=False,
            mapping=saved_mapping(log),
            request=request,
            log=log,
        )
        _discard(log)
    return result


def earlier_import(log: ImportLog) -> ImportLog | None:
    """The last completed import of the same file as ``log`` (same kind and SHA-256)."""
    return (
        ImportLog.objects.filter(kind=log.kind, sha256=log.sha256, status=ImportLog.Status.DONE)
        .exclude(pk=log.pk)
        .select_related("actor")
        .order_by("-created_at")
        .first()
    )


# --- the template ------------------------------------------------------------------------------


def template_workbook(spec: ImportSpec, *, actor: User) -> bytes:
    """The import template of ``spec``: the export's headers (required ones marked *), an
    example row the import ignores, drop-down lists of reference data, and a 说明 sheet."""
    # openpyxl is imported where a workbook is read or written, not by every web worker.
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    required_font = Font(bold=True, color="B42318")
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="E8EEF7")
    example_font = Font(italic=True, color="6B7280")
    title_font = Font(bold=True, size=12)
    lookups = Lookups(actor)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(spec.title)[:31]
    sheet.append(
        [
            _(
                "%(title)s导入模板：第 2 行是列名（带 * 的必填），第 3 行是示例（导入时自动忽略，"
                "可删除）；从第 4 行起每行一条。各列怎么填见「说明」表。"
            )
            % {"title": spec.title}
        ]
    )
    sheet["A1"].font = title_font
    sheet.append([f"*{each.header}" if each.required else str(each.header) for each in spec.fields])
    sheet.append([each.example or None for each in spec.fields])
    choices_sheet = workbook.create_sheet(_("可选值"))
    choices_sheet.sheet_state = "hidden"
    last_row = 3 + max_rows()
    for position, each in enumerate(spec.fields, start=1):
        letter = get_column_letter(position)
        header = sheet.cell(row=2, column=position)
        header.font = required_font if each.required else header_font
        header.fill = header_fill
        sheet.cell(row=3, column=position).font = example_font
        sheet.column_dimensions[letter].width = max(12, min(30, len(str(each.header)) * 2 + 4))
        values = each.parser.choices(lookups)
        if values:
            choices_sheet.cell(row=1, column=position, value=str(each.header))
            for offset, value in enumerate(values, start=2):
                choices_sheet.cell(row=offset, column=position, value=value)
            # Typing a code or an alias stays allowed: the list only helps.
            validation = DataValidation(
                type="list",
                formula1=f"'{choices_sheet.title}'!${letter}$2:${letter}${len(values) + 1}",
                allow_blank=True,
                showErrorMessage=False,
            )
            validation.add(f"{letter}4:{letter}{last_row}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A3"

    notes = workbook.create_sheet(_("说明"), index=1)
    notes.append([_("列名"), _("是否必填"), _("怎么填"), _("可选值")])
    for cell in notes[1]:
        cell.font, cell.fill = header_font, header_fill
    for each in spec.fields:
        values = each.parser.choices(lookups)
        notes.append(
            [
                str(each.header),
                _("必填") if each.required else "",
                each.hint,
                "、".join(values),
            ]
        )
    notes.append([])
    notes.append([_("以下情况不会导入，也不用删除：")])
    notes.append([_("标题行、空行、「合计」行，以及第 3 行的示例。")])
    if spec.ignored:
        notes.append(
            [
                _("导出文件中的这些列：%(columns)s（%(why)s）。")
                % {
                    "columns": "、".join(str(header) for header in spec.ignored),
                    "why": spec.ignored_note,
                }
            ]
        )
    notes.append(
        [
            _(
                "与系统中已有记录相同的行（统一社会信用代码相同），导入时可选择跳过或用表中内容更新；"
                "更新时表中留空的单元格不会清空系统中已有的内容。"
            )
        ]
    )
    for letter, width in (("A", 22), ("B", 10), ("C", 50), ("D", 80)):
        notes.column_dimensions[letter].width = width
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# --- the import log: reads ---------------------------------------------------------------------


def _kind_choices() -> list[tuple[str, str]]:
    return [(spec.kind, str(spec.title)) for spec in import_specs]


class ImportLogFilterSet(BaseFilterSet):
    """The import log's filters, shared by its page and the API."""

    search_fields = ("file_name",)

    kind = django_filters.ChoiceFilter(label=gettext_lazy("类型"), choices=_kind_choices)
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"), choices=ImportLog.Status.choices
    )

    class Meta:
        model = ImportLog
        fields = ("q", "kind", "status")


def import_logs_visible_to(user: User) -> QuerySet[ImportLog]:
    """One's own imports; bureau leaders and administrators see everyone's."""
    logs = ImportLog.objects.select_related("actor")
    if not user.is_authenticated or not user.is_active:
        return logs.none()
    return logs if sees_everything(user) else logs.filter(actor=user)


def import_log_list(*, user: User, filters: Mapping[str, Any] | None = None) -> ImportLogFilterSet:
    return ImportLogFilterSet(filters, queryset=import_logs_visible_to(user))


def import_log_get(*, user: User, pk: int) -> ImportLog:
    """One import log row the user may see, else ``NotFound``."""
    log = import_logs_visible_to(user).filter(pk=pk).first()
    if log is None:
        raise NotFound(_("没有这条导入记录，或您无权查看。"))
    return log
