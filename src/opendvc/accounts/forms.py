"""Forms: Vietnamese versions of allauth's forms and the "my account" forms.

Business rules are not here: the views hand the raw values to ``services`` and put any
``ValidationError`` back on the matching field.
"""

from __future__ import annotations

import datetime as dt

from allauth.account import forms as aa
from allauth.mfa.base.forms import AuthenticateForm as _MFAAuthenticateForm
from allauth.mfa.recovery_codes.forms import GenerateRecoveryCodesForm as _GenerateRecoveryCodesForm
from allauth.mfa.totp.forms import ActivateTOTPForm as _ActivateTOTPForm
from allauth.mfa.totp.forms import DeactivateTOTPForm as _DeactivateTOTPForm
from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opendvc.api.services import KNOWN_SCOPES, scopes_for

from .models import Membership, PersonProfile, User
from .selectors import SELF, acting_as_choices
from .validators import province_choices, ward_choices

LABELS = {
    "login": _("Email hoặc số điện thoại"),
    "password": _("Mật khẩu"),
    "remember": _("Ghi nhớ đăng nhập trên máy này"),
    "email": _("Email"),
    "password1": _("Mật khẩu"),
    "password2": _("Nhập lại mật khẩu"),
    "oldpassword": _("Mật khẩu hiện tại"),
    "code": _("Mã xác thực"),
    "full_name": _("Họ và tên"),
}
HELP = {
    "password1": _("Ít nhất 8 ký tự, không quá giống thông tin cá nhân, không toàn chữ số."),
    "code": _("Mã 6 chữ số trong ứng dụng xác thực (hoặc một mã khôi phục)."),
}
# allauth ships no Vietnamese catalogue: its few form-level messages are translated here.
MESSAGES = {
    "You must type the same password each time.": _("Hai lần nhập mật khẩu không giống nhau."),
    "Incorrect code.": _("Mã xác thực không đúng hoặc đã hết hạn."),
    "This field is required.": _("Vui lòng điền thông tin này."),
    "Enter a valid email address.": _("Địa chỉ email không hợp lệ."),
    "Please type your current password.": _("Mật khẩu hiện tại không đúng; vui lòng nhập lại."),
}


# The longest email address (RFC 5321), the length of the accounts' email columns.
EMAIL_MAX_LENGTH = 254


class VietnameseFormMixin:
    """Relabel allauth's fields and translate its messages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name in LABELS:
                field.label = LABELS[name]
                field.help_text = HELP.get(name, "")
            field.widget.attrs.pop("placeholder", None)
            field.error_messages["required"] = MESSAGES["This field is required."]
            if isinstance(field, forms.EmailField):
                field.error_messages["invalid"] = _(
                    "Địa chỉ email không hợp lệ, cần có dạng ten@example.vn."
                )
                # An address is at most 254 characters (RFC 5321 §4.5.3.1.3), as the accounts'
                # email columns are; a longer one was taken and then cut short on saving, leaving
                # an account whose address nobody holds.
                field.max_length = EMAIL_MAX_LENGTH
                field.validators = [
                    v for v in field.validators if not isinstance(v, MaxLengthValidator)
                ] + [
                    MaxLengthValidator(
                        EMAIL_MAX_LENGTH,
                        message=_("Địa chỉ email dài tối đa %(limit_value)d ký tự."),
                    )
                ]
                field.widget.attrs["maxlength"] = str(EMAIL_MAX_LENGTH)

    def full_clean(self):
        super().full_clean()
        for errors in list((getattr(self, "_errors", None) or {}).values()):
            for i, message in enumerate(errors):
                if str(message) in MESSAGES:
                    errors[i] = str(MESSAGES[str(message)])


class LoginForm(VietnameseFormMixin, aa.LoginForm):
    """Sign in with an email address or a phone number (phone numbers resolve through their hash)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"] = forms.CharField(
            label=LABELS["login"],
            max_length=254,
            widget=forms.TextInput(attrs={"autocomplete": "username"}),
            error_messages={"required": MESSAGES["This field is required."]},
        )
        self.order_fields(["login", "password", "remember"])

    def clean(self):
        cleaned = super().clean()
        login = getattr(self, "_login", None)
        if login is not None and "@" not in (cleaned.get("login") or ""):
            # Signed in by phone: email verification concerns the account's own address.
            login.email = self.user.email
        return cleaned


class SignupForm(VietnameseFormMixin, aa.SignupForm):
    full_name = forms.CharField(
        label=LABELS["full_name"],
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["full_name", "email", "password1", "password2"])

    def clean(self):
        cleaned = super().clean()
        # allauth checks the password against an account holding only the email: the full name
        # typed beside it is weighed here too (``validators.PersonalDataSimilarityValidator``).
        password, name = cleaned.get("password1"), cleaned.get("full_name")
        if password and name and "password1" not in self.errors:
            person = User(email=cleaned.get("email") or None, full_name=name)
            try:
                password_validation.validate_password(password, user=person)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class ResetPasswordForm(VietnameseFormMixin, aa.ResetPasswordForm):
    pass


class ResetPasswordKeyForm(VietnameseFormMixin, aa.ResetPasswordKeyForm):
    pass


class ChangePasswordForm(VietnameseFormMixin, aa.ChangePasswordForm):
    pass


class SetPasswordForm(VietnameseFormMixin, aa.SetPasswordForm):
    pass


class AddEmailForm(VietnameseFormMixin, aa.AddEmailForm):
    pass


class ReauthenticateForm(VietnameseFormMixin, aa.ReauthenticateForm):
    pass


class MFAAuthenticateForm(VietnameseFormMixin, _MFAAuthenticateForm):
    pass


class ActivateTOTPForm(VietnameseFormMixin, _ActivateTOTPForm):
    pass


class DeactivateTOTPForm(VietnameseFormMixin, _DeactivateTOTPForm):
    pass


class GenerateRecoveryCodesForm(VietnameseFormMixin, _GenerateRecoveryCodesForm):
    pass


# --- My account ------------------------------------------------------------------------------------


def _province_field(label):
    return forms.TypedChoiceField(
        label=label,
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("— Chọn tỉnh, thành phố —")), *province_choices()],
    )


def _ward_field(label):
    return forms.TypedChoiceField(
        label=label, required=False, coerce=int, empty_value=None, choices=[]
    )


class ServiceErrorsMixin:
    def add_service_errors(self, exc: ValidationError) -> None:
        """Put a service's ``ValidationError`` on the fields it names (others on the form)."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc)


class ProfileForm(ServiceErrorsMixin, forms.Form):
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    date_of_birth = forms.CharField(
        label=_("Ngày sinh"),
        required=False,
        max_length=10,
        help_text=_("Dạng ngày/tháng/năm, ví dụ 05/09/1990."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "bday"}),
    )
    gender = forms.ChoiceField(
        label=_("Giới tính"),
        required=False,
        widget=forms.RadioSelect,
        choices=PersonProfile.Gender.choices,
    )
    cccd = forms.CharField(
        label=_("Số căn cước công dân (CCCD)"),
        required=False,
        max_length=20,
        help_text=_("12 chữ số, phải khớp với năm sinh và giới tính."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại"),
        required=False,
        max_length=20,
        help_text=_("Ví dụ 0912 345 678."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    permanent_province_code = _province_field(_("Tỉnh, thành phố (thường trú)"))
    permanent_ward_code = _ward_field(_("Phường, xã, đặc khu (thường trú)"))
    permanent_street = forms.CharField(
        label=_("Số nhà, đường, thôn, ấp (thường trú)"), required=False, max_length=300
    )
    current_province_code = _province_field(_("Tỉnh, thành phố (nơi ở hiện tại)"))
    current_ward_code = _ward_field(_("Phường, xã, đặc khu (nơi ở hiện tại)"))
    current_street = forms.CharField(
        label=_("Số nhà, đường, thôn, ấp (nơi ở hiện tại)"), required=False, max_length=300
    )

    def __init__(self, *args, verified_cccd: str = "", **kwargs):
        """``verified_cccd``: the number verified through the electronic identity, shown read-only
        (a posted value is ignored; the service refuses any other)."""
        super().__init__(*args, **kwargs)
        if verified_cccd:
            field = self.fields["cccd"]
            field.disabled = True
            field.initial = verified_cccd
            self.initial["cccd"] = verified_cccd
            field.help_text = _(
                "Đã xác thực qua định danh điện tử. Số này chỉ thay đổi khi ông/bà đăng nhập lại "
                "bằng tài khoản định danh điện tử."
            )
        for kind in ("permanent", "current"):
            field = self.fields[f"{kind}_ward_code"]
            raw = (
                self.data.get(f"{kind}_province_code")
                if self.is_bound
                else self.initial.get(f"{kind}_province_code")
            )
            try:
                province = int(raw) if raw not in (None, "") else None
            except (TypeError, ValueError):
                province = None
            field.choices = [("", _("— Chọn phường, xã —")), *ward_choices(province)]
            if self.is_bound:
                # The ward list follows the chosen province; the service checks the pair.
                current = self.data.get(f"{kind}_ward_code")
                if current and not any(str(c) == current for c, _n in field.choices):
                    field.choices = [*field.choices, (current, current)]
            self.fields[f"{kind}_province_code"].widget.attrs.update(
                {
                    "hx-target": f"#id_{kind}_ward_code",
                    "hx-trigger": "change",
                    "hx-select": f"#id_{kind}_ward_code > option",
                    "hx-swap": "innerHTML",
                }
            )


class OrganisationForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Tên tổ chức"), max_length=300, required=False)
    tax_code = forms.CharField(
        label=_("Mã số thuế"),
        max_length=20,
        required=False,
        help_text=_("10 chữ số; đơn vị phụ thuộc: 13 chữ số dạng 0123456789-001."),
    )
    legal_representative = forms.CharField(
        label=_("Người đại diện theo pháp luật"), max_length=200, required=False
    )
    province_code = _province_field(_("Tỉnh, thành phố"))
    ward_code = _ward_field(_("Phường, xã, đặc khu"))
    street = forms.CharField(label=_("Số nhà, đường"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        raw = self.data.get("province_code") if self.is_bound else self.initial.get("province_code")
        try:
            province = int(raw) if raw else None
        except ValueError:
            province = None
        self.fields["ward_code"].choices = [("", _("— Chọn phường, xã —")), *ward_choices(province)]
        if self.is_bound and self.data.get("ward_code"):
            current = self.data.get("ward_code")
            if not any(str(c) == current for c, _n in self.fields["ward_code"].choices):
                self.fields["ward_code"].choices = [
                    *self.fields["ward_code"].choices,
                    (current, current),
                ]
        self.fields["province_code"].widget.attrs.update(
            {
                "hx-target": "#id_ward_code",
                "hx-trigger": "change",
                "hx-select": "#id_ward_code > option",
                "hx-swap": "innerHTML",
            }
        )


class AddMemberForm(ServiceErrorsMixin, forms.Form):
    email = forms.CharField(label=_("Email của người được thêm"), max_length=254)
    role = forms.ChoiceField(
        label=_("Vai trò"),
        choices=Membership.Role.choices,
        widget=forms.RadioSelect,
        initial=Membership.Role.AUTHORISED_STAFF,
    )


class RevealForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Lý do cần xem đầy đủ"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ví dụ: đối chiếu thông tin người nộp hồ sơ số 000.00.32.H19-251128-0001."),
    )


class DeletionRequestForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Lý do (không bắt buộc)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_(
            "Tôi hiểu rằng hồ sơ đã nộp vẫn được lưu trữ theo quy định, chỉ tài khoản và dữ liệu cá nhân được xóa."
        ),
        error_messages={"required": _("Vui lòng xác nhận trước khi gửi yêu cầu.")},
    )


def acting_as_field(user) -> forms.ChoiceField:
    """The "submitting as" field for dossier forms: oneself or an organisation the user acts for.

    Resolve the chosen value with ``selectors.resolve_acting_as(user, value)``.
    """

    return forms.ChoiceField(
        label=_("Nộp hồ sơ với tư cách"),
        choices=acting_as_choices(user),
        initial=SELF,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Vui lòng chọn nộp với tư cách cá nhân hay tổ chức."),
            "invalid_choice": _("Bạn không được nộp hồ sơ nhân danh tổ chức này."),
        },
    )


class ApiTokenForm(forms.Form):
    """A new API token: its name, what it may do and, if it should end, the last day it works."""

    name = forms.CharField(
        label=_("Tên mã truy cập"),
        max_length=100,
        help_text=_("Để nhận ra mã sau này, ví dụ: Phần mềm kế toán của công ty."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Mã được phép"),
        choices=KNOWN_SCOPES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Chọn ít nhất một quyền.")},
    )
    expires_on = forms.CharField(
        label=_("Dùng được đến hết ngày"),
        required=False,
        max_length=10,
        help_text=_("Dạng ngày/tháng/năm, ví dụ 31/12/2027; để trống nếu mã không tự hết hạn."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owner is not None:
            # The scopes this person may hold (``api.services.scopes_for``).
            self.fields["scopes"].choices = list(scopes_for(owner).items())

    def clean_expires_on(self):
        text = self.cleaned_data["expires_on"].strip()
        if not text:
            return None
        try:
            day = dt.datetime.strptime(text, "%d/%m/%Y")
        except ValueError:
            raise ValidationError(
                _("Ngày không hợp lệ; nhập dạng ngày/tháng/năm, ví dụ 31/12/2027.")
            ) from None
        # Works through the whole of that day, Vietnam's time: it ends when the next day begins (the
        # calendar's last day has no next one; it is refused as too far ahead all the same).
        end = day + dt.timedelta(days=1) if day.date() < dt.date.max else day
        return timezone.make_aware(end, timezone.get_default_timezone())
