"""Comments on leads and projects, with ``@`` mentions of colleagues.

Whoever sees a record may comment on it. A mention is ``@`` followed by a user name
(``@wang_zs``) or a full name (``@王志深``, with or without a space after it), not preceded by a
letter or digit (``zhang@example.cn`` is an address, not a mention); the longest name that
matches wins. Only people who can see the record can be mentioned: a mention of an active
colleague who cannot is refused with a message rather than silently dropped, since the writer
expects that person to read the comment. Text after ``@`` that names nobody stays plain text.

Mentions are kept on the comment (``Comment.mentions``, read with ``comment_mentions``);
``mention_hooks`` are called inside the transaction that writes the comment, so whatever an
upper layer records for the people mentioned (a notice in their inbox) commits or rolls back
with it.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.attachments import entry_for
from crm.exceptions import DomainError, NotFound
from crm.models import Comment, User
from crm.registry import Attachable

# A mention starts at an "@" that does not follow a letter, a digit or a dot (an address).
MENTION_START = re.compile(r"(?<![0-9A-Za-z_.\-@])@")
# The longest name looked for after an "@", and how many "@" of one comment are read.
MAX_NAME_LENGTH = 30
MAX_MENTION_MARKS = 30
MAX_BODY_LENGTH = Comment._meta.get_field("body").max_length
# Characters a comment may not hold: the C0 controls but tab and line breaks, and DEL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# How many people the mention list of the comment box offers.
CANDIDATE_LIMIT = 10

# Called inside the transaction that writes a comment, with the comment and the people it
# mentions (never its author), when there is anyone.
mention_hooks: list[Callable[[Comment, list[User]], None]] = []


def _comment_entry(record: models.Model) -> Attachable:
    entry = entry_for(record)
    if not entry.comments:
        raise NotFound(_("这条记录不能评论。"))
    return entry


def _name_after(body: str, start: int) -> str:
    """The characters after an "@" that could be a name: up to the next white space."""
    return re.split(r"\s", body[start : start + MAX_NAME_LENGTH], maxsplit=1)[0]


@dataclass(frozen=True)
class _Match:
    name: str
    users: list[User]


def _matches(body: str) -> list[_Match]:
    """Every "@" of ``body`` that names an active user (by user name or full name), with the
    users of the longest such name. One query."""
    names = [_name_after(body, m.end()) for m in MENTION_START.finditer(body)]
    names = [name for name in names if name][:MAX_MENTION_MARKS]
    if not names:
        return []
    prefixes = {name[:length] for name in names for length in range(1, len(name) + 1)}
    candidates = list(
        User.objects.filter(
            Q(username__in=prefixes) | Q(full_name__in=prefixes), is_active=True
        ).only("id", "username", "full_name")
    )
    matches = []
    for name in names:
        for length in range(len(name), 0, -1):
            prefix = name[:length]
            users = [u for u in candidates if prefix in (u.username, u.full_name)]
            if users:
                matches.append(_Match(prefix, users))
                break
    return matches


def parse_mentions(
    *, body: str, record: models.Model, actor: User, entry: Attachable | None = None
) -> list[User]:
    """The people ``body`` mentions, each of whom sees ``record`` (the author left out).

    Refuses (``DomainError`` on ``body``) a mention of someone who cannot see the record and a
    full name two people who can see it share (the user name tells them apart).
    """
    entry = entry or entry_for(record)
    matches = _matches(body)
    if not matches:
        return []
    matched_ids = {user.pk for match in matches for user in match.users}
    readers = set(
        User.objects.filter(entry.readers(record), pk__in=matched_ids).values_list("pk", flat=True)
    )
    mentioned: dict[int, User] = {}
    for match in matches:
        seeing = [user for user in match.users if user.pk in readers]
        if len(seeing) > 1:
            raise DomainError.for_field(
                "body",
                _(
                    "有 %(count)d 位能看到这条%(noun)s的同事叫「%(name)s」，"
                    "请改用用户名提醒，如 %(examples)s。"
                )
                % {
                    "count": len(seeing),
                    "noun": entry.noun,
                    "name": match.name,
                    "examples": "、".join(f"@{user.username}" for user in seeing),
                },
            )
        if not seeing:
            raise DomainError.for_field(
                "body",
                _("「%(name)s」看不到这条%(noun)s，不能@TA。如需TA参与，请联系专班负责人。")
                % {"name": match.users[0], "noun": entry.noun},
            )
        mentioned.setdefault(seeing[0].pk, seeing[0])
    mentioned.pop(actor.pk, None)
    return list(mentioned.values())


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError.for_field("body", _("请填写评论内容。"))
    if len(body) > MAX_BODY_LENGTH:
        raise DomainError.for_field(
            "body",
            _("评论最多 %(max)d 个字，现在有 %(count)d 个字。")
            % {"max": MAX_BODY_LENGTH, "count": len(body)},
        )
    if CONTROL_CHARACTERS.search(body):
        raise DomainError.for_field("body", _("评论不能包含控制字符。"))
    return body


@transaction.atomic
def comment_add(*, record: models.Model, actor: User, body: str) -> Comment:
    """Post a comment on ``record`` as ``actor`` (who must still see it) and record whom it
    mentions; ``mention_hooks`` hear of the mentions before the commit."""
    entry = _comment_entry(record)
    body = _clean_body(body)
    if not entry.visible(actor).filter(pk=record.pk).exists():
        raise NotFound(_("没有找到这条记录。"))
    mentioned = parse_mentions(body=body, record=record, actor=actor, entry=entry)
    comment = Comment.objects.create(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        body=body,
        author=actor,
    )
    if mentioned:
        comment.mentions.set(mentioned)
        for hook in mention_hooks:
            hook(comment, mentioned)
    return comment


# --- reads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentBox:
    """The comment box of a record's page: where it posts, where it asks whom "@" may name,
    and after a refusal the message and the text typed."""

    post_url: str
    mentions_url: str
    error: str = ""
    body: str = ""


def comment_box(record: models.Model, *, error: str = "", body: str = "") -> CommentBox | None:
    """The comment box of ``record``'s page, or ``None`` when its kind takes no comments."""
    if not entry_for(record).comments:
        return None
    args = [record._meta.label_lower, record.pk]
    return CommentBox(
        post_url=reverse("comment_create", args=args),
        mentions_url=reverse("mention_candidates", args=args),
        error=error,
        body=body,
    )


def comment_mentions(comment: Comment) -> list[User]:
    """The people ``comment`` mentions (each could see the record when it was written)."""
    return list(comment.mentions.all())


def comments_of(record: models.Model) -> list[Comment]:
    """The comments on ``record``, newest first, with their authors and the people they
    mention (two queries; the caller has checked the record is visible)."""
    return list(
        Comment.objects.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        )
        .select_related("author")
        .prefetch_related(
            Prefetch("mentions", queryset=User.objects.only("id", "username", "full_name"))
        )
    )


@dataclass(frozen=True)
class MentionCandidate:
    """A person the comment box offers after "@", and what choosing them inserts: the full
    name, or the user name when the full name is missing or shared by another reader."""

    user: User
    text: str


def mention_candidates(
    *, record: models.Model, actor: User, query: str = ""
) -> list[MentionCandidate]:
    """The people who see ``record`` (not ``actor``) whose user name or full name contains
    ``query``, at most ``CANDIDATE_LIMIT`` (two queries)."""
    entry = _comment_entry(record)
    readers = User.objects.filter(entry.readers(record))
    people = readers.exclude(pk=actor.pk)
    query = query.strip()
    if query:
        people = people.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
    found = list(
        User.objects.filter(pk__in=people.values("pk")).order_by("full_name", "username")[
            :CANDIDATE_LIMIT
        ]
    )
    names = {user.full_name for user in found if user.full_name}
    shared = (
        set(
            User.objects.filter(pk__in=readers.values("pk"), full_name__in=names)
            .values("full_name")
            .annotate(count=Count("pk"))
            .filter(count__gt=1)
            .values_list("full_name", flat=True)
        )
        if names
        else set()
    )
    return [
        MentionCandidate(
            user=user,
            text=user.full_name
            if user.full_name and user.full_name not in shared
            else user.username,
        )
        for user in found
    ]
