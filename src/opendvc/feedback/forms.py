"""Forms of the feedback pages: the public form, staff entry, staff actions, publishing."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from opendvc.agencies.models import Agency
from opendvc.core.widgets import VietnameseDataSelect

from .lifecycle import Action
from .models import Channel, Kind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(d, initial) for d in items]


def new_submission_id() -> str:
    return uuid.uuid4().hex


def agency_choices():
    return forms.ModelChoiceField(
        queryset=Agency.objects.filter(is_active=True).order_by("tier__rank", "name"),
        required=False,
        label=_("Cơ quan liên quan (nếu biết)"),
        empty_label=_("— Không rõ —"),
        widget=VietnameseDataSelect,
    )


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Loại"), choices=Kind.choices, initial=Kind.COMPLAINT, widget=forms.RadioSelect
    )
    subject = forms.CharField(
        label=_("Tiêu đề"), max_length=300, error_messages={"required": _("Vui lòng nhập tiêu đề.")}
    )
    content = forms.CharField(
        label=_("Nội dung"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Vui lòng nhập nội dung phản ánh, kiến nghị.")},
    )
    agency = None  # set in __init__
    procedure_code = forms.CharField(
        label=_("Mã thủ tục hành chính liên quan (nếu có)"),
        max_length=40,
        required=False,
        help_text=_("Ví dụ: 1.001234"),
    )
    dossier_code = forms.CharField(
        label=_("Mã hồ sơ liên quan (nếu có)"), max_length=40, required=False
    )
    sender_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    sender_phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    sender_email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        error_messages={
            "invalid": _("Địa chỉ email không hợp lệ."),
            "max_length": _("Địa chỉ email dài tối đa %(limit_value)d ký tự."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    sender_address = forms.CharField(label=_("Địa chỉ liên hệ"), max_length=300, required=False)
    attachments = MultipleFileField(
        label=_("Tệp đính kèm"),
        help_text=_("Tối đa 5 tệp PDF, JPEG, PNG, DOCX hoặc XLSX, mỗi tệp đến 10 MB."),
    )
    consent_publish = forms.BooleanField(
        label=_(
            "Tôi đồng ý công khai câu hỏi và câu trả lời trên Cổng (thông tin cá nhân sẽ được ẩn)."
        ),
        required=False,
    )
    # One id per form shown (``new_submission_id``): the same form sent twice (a double click, a
    # reload of the refused page) records one item (``views._create_from_form``).
    submission = forms.CharField(required=False, widget=forms.HiddenInput)
    # Honeypot: hidden from people and assistive technology; bots fill it in.
    website = forms.CharField(
        label=_("Không điền vào ô này"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if getattr(user, "is_authenticated", False) else None
        self.fields["agency"] = agency_choices()
        order = [
            "kind",
            "subject",
            "content",
            "agency",
            "procedure_code",
            "dossier_code",
            "sender_name",
            "sender_phone",
            "sender_email",
            "sender_address",
            "attachments",
            "consent_publish",
            "website",
            "submission",
        ]
        self.order_fields(order)
        if self.user is None:
            self.fields["sender_name"].help_text = _("Bắt buộc khi gửi không đăng nhập.")
            self.fields["sender_phone"].help_text = _(
                "Nhập số điện thoại hoặc email để nhận câu trả lời."
            )

    def clean(self):
        data = super().clean()
        if self.user is None:
            # A field already refused (too long, malformed) was typed: it is not also "missing".
            if not (data.get("sender_name") or "").strip() and "sender_name" not in self.errors:
                self.add_error("sender_name", _("Vui lòng nhập họ và tên người gửi."))
            if (
                not data.get("sender_phone")
                and not data.get("sender_email")
                and not {"sender_phone", "sender_email"} & set(self.errors)
            ):
                self.add_error(
                    "sender_phone", _("Vui lòng nhập số điện thoại hoặc email để nhận câu trả lời.")
                )
        return data


class StaffEntryForm(FeedbackForm):
    """Hotline calls and paper letters, entered by the switchboard (the channel is recorded)."""

    channel = forms.ChoiceField(
        label=_("Kênh tiếp nhận"),
        widget=forms.RadioSelect,
        choices=[
            (Channel.HOTLINE, Channel.HOTLINE.label),
            (Channel.PAPER, Channel.PAPER.label),
            (Channel.EMAIL, Channel.EMAIL.label),
        ],
    )

    def __init__(self, *args, **kwargs):
        kwargs["user"] = None
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        self.fields["consent_publish"].label = _(
            "Người gửi đồng ý công khai câu hỏi và câu trả lời."
        )
        self.order_fields(["channel"] + [n for n in self.fields if n != "channel"])


class PaperLetterForm(FeedbackForm):
    """A paper letter handed to the agency itself, registered by its own staff (Art. 7.3)."""

    def __init__(self, *args, agencies, **kwargs):
        kwargs["user"] = None
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        self.fields["agency"] = forms.ModelChoiceField(
            queryset=Agency.objects.filter(pk__in=[a.pk for a in agencies]).order_by("sort_name", "code"),
            label=_("Cơ quan nhận văn bản"),
            empty_label=None,
            widget=VietnameseDataSelect,
            error_messages={
                "required": _("Vui lòng chọn cơ quan nhận văn bản."),
                "invalid_choice": _("Ông/Bà không vào sổ văn bản cho cơ quan này."),
            },
        )
        self.fields["sender_address"].help_text = _(
            "Câu trả lời được gửi theo địa chỉ này khi người gửi "
            "không để lại số điện thoại hoặc email."
        )
        self.fields["sender_phone"].help_text = ""
        self.fields["consent_publish"].label = _(
            "Người gửi đồng ý công khai câu hỏi và câu trả lời."
        )
        self.order_fields(["agency"] + [n for n in self.fields if n != "agency"])

    def clean(self):
        data = forms.Form.clean(self)
        if not (data.get("sender_name") or "").strip() and "sender_name" not in self.errors:
            self.add_error("sender_name", _("Vui lòng nhập họ và tên người gửi."))
        contact = (
            data.get("sender_phone")
            or data.get("sender_email")
            or (data.get("sender_address") or "").strip()
        )
        if not contact and not {"sender_phone", "sender_email", "sender_address"} & set(self.errors):
            self.add_error(
                "sender_address",
                _(
                    "Vui lòng nhập địa chỉ, số điện thoại hoặc email của người gửi để gửi "
                    "câu trả lời."
                ),
            )
        return data


class ActionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Thao tác"),
        choices=Action.choices,
        widget=forms.HiddenInput,
        error_messages={"required": _("Chưa chọn thao tác."), "invalid_choice": _("Thao tác không tồn tại.")},
    )
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.filter(is_active=True), required=False, label=_("Cơ quan xử lý")
    )
    kind = forms.ChoiceField(
        label=_("Phân loại"), choices=[("", "—"), *Kind.choices], required=False
    )
    note = forms.CharField(
        label=_("Ghi chú / lý do"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    new_due_at = forms.DateTimeField(
        label=_("Thời hạn mới đã thống nhất với người gửi"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        error_messages={"invalid": _("Thời hạn mới không hợp lệ.")},
    )
    answer = forms.CharField(
        label=_("Nội dung trả lời"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = MultipleFileField(label=_("Tệp đính kèm câu trả lời"))
    version = forms.IntegerField(
        label=_("Phiên bản"),
        widget=forms.HiddenInput,
        required=False,
        error_messages={"invalid": _("Trang đã cũ: tải lại trang rồi thử lại.")},
    )


class PublishForm(forms.Form):
    title = forms.CharField(label=_("Tiêu đề công khai"), max_length=300)
    question = forms.CharField(
        label=_("Câu hỏi (đã ẩn thông tin cá nhân)"), widget=forms.Textarea(attrs={"rows": 6})
    )
    answer = forms.CharField(
        label=_("Câu trả lời (đã ẩn thông tin cá nhân)"), widget=forms.Textarea(attrs={"rows": 6})
    )
    confirm = forms.BooleanField(
        label=_("Tôi đã kiểm tra, nội dung không còn thông tin cá nhân."),
        error_messages={"required": _("Vui lòng xác nhận đã kiểm tra nội dung.")},
    )
