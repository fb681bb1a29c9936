from django import forms
from django.utils.translation import gettext_lazy as _

from .models import StaffRole


class GrantRoleForm(forms.Form):
    email = forms.EmailField(
        label=_("Email của cán bộ"),
        error_messages={
            "required": _("Vui lòng nhập email."),
            "invalid": _("Địa chỉ email không hợp lệ."),
        },
    )
    role = forms.ChoiceField(label=_("Vai trò"), choices=StaffRole.Role.choices)

    def __init__(self, *args, roles: list[str] | None = None, **kwargs) -> None:
        """``roles``: the roles the person granting may grant (``permissions.grantable_roles``)."""
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = [
                (value, label) for value, label in StaffRole.Role.choices if value in roles
            ]
