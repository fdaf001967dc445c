"""Template helpers of the comments and files on a record's page (``crm.comments``)."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from crm.models import Comment

register = template.Library()


@register.filter
def comment_html(comment: Comment) -> SafeString:
    """The comment's text, escaped, with the people it mentions highlighted (its line breaks
    are kept by the timeline's ``white-space: pre-line``).

    Only the names the comment really mentions (``Comment.mentions``, prefetched by
    ``crm.comments.comments_of``) are marked, so ``@`` before anything else stays plain text.
    """
    text = escape(comment.body)
    people = comment.mentions.all()
    # Longest first, so "@王志深" is marked whole when "王志" is a name too.
    names = sorted(
        {name for user in people for name in (user.username, user.full_name) if name},
        key=len,
        reverse=True,
    )
    if names:
        pattern = re.compile("@(" + "|".join(re.escape(escape(name)) for name in names) + ")")
        text = pattern.sub(r'<span class="mention">@\1</span>', text)
    # Escaped above; the marks added are the only markup.
    return mark_safe(text)
