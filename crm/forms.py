"""Forms of the account pages."""

from django import forms

from crm.models import User


class ProfileForm(forms.ModelForm):
    """What a user edits about themselves: name, contact details and the daily email switch."""

    class Meta:
        model = User
        fields = ("full_name", "email", "phone", "receives_digests")
