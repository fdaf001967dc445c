"""Attachments of leads, projects and 对上争取 applications: what may be uploaded, where it is
kept, who may read and remove it.

A file is accepted when its extension is one of ``FILE_TYPES`` *and* its first bytes say it is
that kind of file (a ``.pdf`` that is really a program is refused): the browser's content type
is never trusted. It is stored in the ``attachments`` storage (``settings.STORAGES``: files
under ``MEDIA_ROOT``, or an S3-compatible bucket) as ``attachments/<yyyy>/<mm>/<uuid>``, a name
with nothing the uploader typed in it, and is only ever served by ``crm.files_views``, which
checks on every request that the reader sees the record (``crm.registry.attachable``).

Removing an attachment keeps its row (who uploaded it, who removed it, when and why) and deletes
the stored file once the removal has committed: the history says a file was there, the file
itself is gone. Both the upload and the removal write a history row on the record
(「上传附件 合同.pdf」, 「删除附件 合同.pdf」 with the reason).
"""

import hashlib
import logging
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import audit, writes
from crm.exceptions import DomainError, NotFound
from crm.models import Attachment, ChangeLog, User
from crm.registry import Attachable, attachable

logger = logging.getLogger(__name__)

# The field name of the history rows an upload or a removal writes on the record: the
# timelines show the attachment itself instead (``is_attachment_change``).
HISTORY_FIELD = "attachments"
STORAGE_ALIAS = "attachments"
# How many files one upload request may carry.
MAX_FILES_PER_UPLOAD = 10
# Enough of the file's start to recognise every type below.
HEAD_BYTES = 1024
# Images up to this size show a small picture in the files list (the same checked download).
THUMBNAIL_MAX_BYTES = 3 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    """A kind of file that may be attached: its extensions, its true content type, and whether
    a browser may show it in place (images and PDF) rather than download it."""

    key: str
    label: str
    mime: str
    extensions: tuple[str, ...]
    inline: bool = False
    image: bool = False


FILE_TYPES = (
    FileType("pdf", "PDF", "application/pdf", ("pdf",), inline=True),
    FileType("jpeg", "JPG", "image/jpeg", ("jpg", "jpeg"), inline=True, image=True),
    FileType("png", "PNG", "image/png", ("png",), inline=True, image=True),
    FileType("webp", "WebP", "image/webp", ("webp",), inline=True, image=True),
    # iPhone photos: browsers other than Safari cannot show them, so they are downloaded.
    FileType("heic", "HEIC", "image/heic", ("heic", "heif"), image=True),
    FileType(
        "docx",
        "Word",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ("docx",),
    ),
    FileType(
        "xlsx",
        "Excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ("xlsx",),
    ),
    FileType(
        "pptx",
        "PowerPoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ("pptx",),
    ),
    FileType("doc", "Word", "application/msword", ("doc",)),
    FileType("xls", "Excel", "application/vnd.ms-excel", ("xls",)),
    FileType("ppt", "PowerPoint", "application/vnd.ms-powerpoint", ("ppt",)),
    # 版式文档 (GB/T 33190): the format of many government documents.
    FileType("ofd", "OFD", "application/ofd", ("ofd",)),
)
TYPES_BY_KEY = {file_type.key: file_type for file_type in FILE_TYPES}
TYPES_BY_EXTENSION = {ext: file_type for file_type in FILE_TYPES for ext in file_type.extensions}
TYPES_BY_MIME = {file_type.mime: file_type for file_type in FILE_TYPES}

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word, Excel, PowerPoint 97-2003
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
OOXML_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}

# What a stored original name may not hold: control characters and path separators.
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\u2028\u2029/\\]")


def max_bytes() -> int:
    return int(settings.ATTACHMENT_MAX_MB) * 1024 * 1024


def allowed_types_text() -> str:
    """「PDF、JPG、PNG …」: what the upload form and the refusals list."""
    return "、".join(dict.fromkeys(file_type.label for file_type in FILE_TYPES))


def accept_attribute() -> str:
    """The ``accept`` attribute of the upload input: the allowed extensions."""
    return ",".join(f".{ext}" for ext in TYPES_BY_EXTENSION)


def attachment_storage() -> Storage:
    return storages[STORAGE_ALIAS]


def is_local_storage(storage: Storage) -> bool:
    return isinstance(storage, FileSystemStorage)


def file_type_of(attachment: Attachment) -> FileType | None:
    return TYPES_BY_MIME.get(attachment.mime_type)


# --- checking an upload -----------------------------------------------------------------------


def clean_name(name: str) -> str:
    """The uploader's file name as it is kept and shown: its last path component, without
    control characters, at most 200 characters (the extension kept)."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = _UNSAFE_NAME.sub("", base).strip().strip(".")
    suffix = PurePosixPath(base).suffix[:12]
    stem = base[: len(base) - len(suffix)] if suffix else base
    limit = Attachment._meta.get_field("original_name").max_length
    return (stem[: limit - len(suffix)] + suffix) if stem else ""


def extension_of(name: str) -> str:
    return PurePosixPath(name).suffix.lower().lstrip(".")


def _zip_type(upload: Any) -> str | None:
    """docx / xlsx / pptx / ofd for a ZIP container holding such a document, else ``None``
    (a bare ZIP archive could carry anything)."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" in names:
        for prefix, key in OOXML_PARTS.items():
            if any(name.startswith(prefix) for name in names):
                return key
        return None
    if any(name.upper() == "OFD.XML" for name in names):
        return "ofd"
    return None


def sniff(upload: Any, extension: str) -> FileType | None:
    """What the content of ``upload`` is, read from its first bytes (and, for a ZIP container,
    its list of parts); ``None`` when it is none of ``FILE_TYPES``. The extension only tells
    which of the three legacy Office formats an OLE2 file is."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if b"%PDF-" in head:
        return TYPES_BY_KEY["pdf"]
    if head.startswith(b"\xff\xd8\xff"):
        return TYPES_BY_KEY["jpeg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return TYPES_BY_KEY["png"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return TYPES_BY_KEY["webp"]
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return TYPES_BY_KEY["heic"]
    if head.startswith(OLE2_MAGIC):
        legacy = TYPES_BY_EXTENSION.get(extension)
        return legacy if legacy and legacy.key in {"doc", "xls", "ppt"} else None
    if head.startswith(b"PK\x03\x04"):
        key = _zip_type(upload)
        return TYPES_BY_KEY[key] if key else None
    return None


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    size: int
    file_type: FileType
    sha256: str


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """Refuse (``DomainError`` on the field ``file``) a file that is empty, too large, of a type
    not allowed, or whose content is not what its extension says."""
    name = clean_name(getattr(upload, "name", "") or "")
    shown = name or _("（无文件名）")
    size = upload.size or 0
    if size == 0:
        raise DomainError.for_field("file", _("「%(name)s」是空文件。") % {"name": shown})
    if size > max_bytes():
        raise DomainError.for_field(
            "file",
            _("「%(name)s」有 %(size)s，每个附件最大 %(max)s MB。")
            % {"name": shown, "size": _size_text(size), "max": settings.ATTACHMENT_MAX_MB},
        )
    extension = extension_of(name)
    claimed = TYPES_BY_EXTENSION.get(extension)
    if claimed is None:
        raise DomainError.for_field(
            "file",
            _("「%(name)s」的类型不能上传。可以上传：%(types)s。")
            % {"name": shown, "types": allowed_types_text()},
        )
    actual = sniff(upload, extension)
    # A photo saved as .jpg that is really a PNG is still a photo; anything else must be what
    # its extension says.
    if actual is None or (actual != claimed and not (actual.image and claimed.image)):
        raise DomainError.for_field(
            "file",
            _("「%(name)s」的内容不是 %(type)s 文件（扩展名与内容不符），为安全起见不能上传。")
            % {"name": shown, "type": claimed.label},
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(name=name, size=size, file_type=actual, sha256=digest.hexdigest())


# --- the records that carry attachments -------------------------------------------------------


def entry_for(record: models.Model) -> Attachable:
    """The registration of ``record``'s model; a model that registered none is a bug."""
    entry = attachable.for_object(record)
    if entry is None:
        raise LookupError(f"{record._meta.label_lower} is not registered as attachable")
    return entry


def record_get(*, user: User, model: str, pk: Any) -> models.Model:
    """The record of ``model`` (a label, ``"leads.lead"``) that ``user`` sees; ``NotFound`` if
    there is none, it is outside the user's scope, or the model carries no attachments."""
    entry = attachable.get(model)
    if entry is None:
        raise NotFound(_("没有找到这条记录。"))
    try:
        record = entry.visible(user).filter(pk=pk).first()
    except (ValueError, TypeError):
        record = None
    if record is None:
        raise NotFound(_("没有找到这条记录。"))
    return record


def can_change(user: User, record: models.Model) -> bool:
    """Whether ``user`` may add files to ``record`` and remove them (the record's own rule)."""
    return entry_for(record).changeable(user, record)


def _lock_record(record: models.Model, *, actor: User, refusal: str) -> models.Model:
    entry = entry_for(record)
    return writes.record_lock(
        type(record), record.pk, actor=actor, refusal=refusal, may_change=entry.changeable
    )


# --- reads ------------------------------------------------------------------------------------


def attachments_of(record: models.Model) -> list[Attachment]:
    """Every attachment of ``record``, removed ones included, newest first, with the people
    loaded (one query; the caller has checked the record is visible). Each knows its
    ``file_type`` and whether the list shows a ``thumbnail`` of it."""
    found = list(
        Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        ).select_related("uploaded_by", "removed_by")
    )
    for attachment in found:
        attachment.file_type = file_type_of(attachment)
        attachment.thumbnail = bool(
            attachment.file_type
            and attachment.file_type.image
            and attachment.file_type.inline
            and attachment.size <= THUMBNAIL_MAX_BYTES
        )
    return found


def attachment_of(record: models.Model, pk: Any) -> Attachment:
    """One attachment of ``record`` (the caller has checked the record is visible), removed or
    not; ``NotFound`` if ``record`` has none with this id."""
    try:
        attachment = Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk, pk=pk
        ).first()
    except (ValueError, TypeError):
        attachment = None
    if attachment is None:
        raise NotFound(_("没有找到这个附件。"))
    return attachment


def attachment_get(*, user: User, pk: Any) -> Attachment:
    """An attachment whose record ``user`` sees, with that record as ``attachment.record``;
    ``NotFound`` otherwise, and for a removed one (two queries).

    Asked on every download: a record reassigned since the link was shown no longer opens.
    """
    try:
        attachment = Attachment.objects.filter(pk=pk).first()
    except (ValueError, TypeError):
        attachment = None
    if attachment is None:
        raise NotFound(_("没有找到这个附件。"))
    content_type = ContentType.objects.get_for_id(attachment.content_type_id)
    entry = attachable.get(f"{content_type.app_label}.{content_type.model}")
    record = entry.visible(user).filter(pk=attachment.object_id).first() if entry else None
    if record is None:
        raise NotFound(_("没有找到这个附件。"))
    if attachment.is_removed:
        raise NotFound(_("这个附件已被删除。"))
    attachment.record = record
    return attachment


def is_attachment_change(change: ChangeLog) -> bool:
    """Whether a history row records only an upload or a removal (the timelines show the
    attachment instead)."""
    return bool(change.changes) and all(
        entry.get("field") == HISTORY_FIELD for entry in change.changes
    )


# --- writes -----------------------------------------------------------------------------------


def _storage_name() -> str:
    now = timezone.localtime()
    return f"attachments/{now:%Y}/{now:%m}/{uuid.uuid4().hex}"


@transaction.atomic
def attachment_add(*, record: models.Model, actor: User, upload: UploadedFile) -> Attachment:
    """Check ``upload`` and keep it as an attachment of ``record``.

    The file is checked before the record is locked (reading 20 MB holds no lock); the record
    is then locked and ``actor``'s right to change it re-checked. A file written to the storage
    is deleted again if the rows cannot be written.
    """
    checked = check_upload(upload)
    entry = entry_for(record)
    locked = _lock_record(
        record,
        actor=actor,
        refusal=_("您可以查看这条%(noun)s，但不能为它上传附件。") % {"noun": entry.noun},
    )
    storage = attachment_storage()
    content = File(upload, name=checked.name)
    # What the check found, not what the browser said (an S3 store keeps it with the object).
    content.content_type = checked.file_type.mime
    stored_name = storage.save(_storage_name(), content)
    try:
        attachment = Attachment.objects.create(
            content_type=ContentType.objects.get_for_model(locked),
            object_id=locked.pk,
            storage_name=stored_name,
            original_name=checked.name,
            size=checked.size,
            mime_type=checked.file_type.mime,
            sha256=checked.sha256,
            uploaded_by=actor,
        )
        audit.change_record(
            instance=locked,
            actor=actor,
            action=ChangeLog.Action.UPDATE,
            changes=[
                {"field": HISTORY_FIELD, "label": _("上传附件"), "old": "", "new": checked.name}
            ],
        )
    except BaseException:
        storage.delete(stored_name)
        raise
    return attachment


def _delete_stored(name: str) -> None:
    """Delete a removed attachment's file; a failure is logged (the row already says it is
    removed and the download refuses it), never raised after the commit."""
    try:
        attachment_storage().delete(name)
    except Exception:
        logger.exception("The stored file %s of a removed attachment could not be deleted.", name)


@transaction.atomic
def attachment_remove(*, attachment: Attachment, actor: User, reason: str) -> Attachment:
    """Remove an attachment: the row stays as history (who, when, why), the stored file is
    deleted after the commit. Removing a removed attachment changes nothing."""
    reason = " ".join((reason or "").split())  # one line, however it was typed
    if not reason:
        raise DomainError.for_field("reason", _("请填写删除原因。"))
    limit = Attachment._meta.get_field("removal_reason").max_length
    if len(reason) > limit:
        raise DomainError.for_field("reason", _("删除原因最多 %(max)d 个字。") % {"max": limit})
    if writes.CONTROL_CHARACTERS.search(reason):
        raise DomainError.for_field("reason", _("删除原因不能包含控制字符。"))
    locked = Attachment.objects.select_for_update().filter(pk=attachment.pk).first()
    if locked is None:
        raise NotFound(_("没有找到这个附件。"))
    if locked.is_removed:
        return locked
    record_model = ContentType.objects.get_for_id(locked.content_type_id).model_class()
    record = record_model._default_manager.filter(pk=locked.object_id).first()
    if record is None:
        raise NotFound(_("没有找到这条记录。"))
    entry = entry_for(record)
    record = _lock_record(
        record,
        actor=actor,
        refusal=_("您可以查看这条%(noun)s，但不能删除它的附件。") % {"noun": entry.noun},
    )
    locked.removed_at = timezone.now()
    locked.removed_by = actor
    locked.removal_reason = reason
    locked.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    audit.change_record(
        instance=record,
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        changes=[
            {
                "field": HISTORY_FIELD,
                "label": _("删除附件"),
                "old": locked.original_name,
                "new": "",
            },
            {"field": HISTORY_FIELD, "label": _("删除原因"), "old": "", "new": reason},
        ],
    )
    stored_name = locked.storage_name
    transaction.on_commit(lambda: _delete_stored(stored_name))
    return locked


# --- what a detail page shows -----------------------------------------------------------------


@dataclass
class AttachmentPanel:
    """The files of one record as its page lists them, and the upload form's settings."""

    record: models.Model
    model: str
    attachments: list[Attachment]
    can_change: bool

    @property
    def live(self) -> list[Attachment]:
        return [attachment for attachment in self.attachments if not attachment.is_removed]

    @property
    def removed(self) -> list[Attachment]:
        return [attachment for attachment in self.attachments if attachment.is_removed]

    @property
    def max_mb(self) -> int:
        return int(settings.ATTACHMENT_MAX_MB)

    @property
    def types_text(self) -> str:
        return allowed_types_text()

    @property
    def accept(self) -> str:
        return accept_attribute()

    @property
    def max_files(self) -> int:
        return MAX_FILES_PER_UPLOAD

    @property
    def upload_url(self) -> str:
        return reverse("attachment_upload", args=[self.model, self.record.pk])


def attachment_panel(
    *, user: User, record: models.Model, attachments: list[Attachment] | None = None
) -> AttachmentPanel:
    """The panel of ``record``'s files for ``user``; ``attachments`` when the caller has loaded
    them already (the timeline has)."""
    return AttachmentPanel(
        record=record,
        model=record._meta.label_lower,
        attachments=attachments if attachments is not None else attachments_of(record),
        can_change=can_change(user, record),
    )
