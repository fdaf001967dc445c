"""The password-length rule with its message in our own catalog.

Django 5.2's Chinese catalog still carries the length message under its old wording, so the
stock validator speaks English on a Chinese page; the rule itself is Django's.
"""

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """At least ``min_length`` characters (``PASSWORD_MIN_LENGTH``)."""

    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(min_length)s 个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(min_length)s 个字符。") % {"min_length": self.min_length}
