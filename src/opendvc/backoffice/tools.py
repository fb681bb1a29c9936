"""The back-office tools, each with the roles that may use it (the landing page lists what fits)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Tool:
    url_name: str
    title: str
    text: str
    roles: tuple[str, ...] | None = None  # None: every staff member

    def url(self) -> str | None:
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


TOOLS: list[Tool] = [
    Tool("dossiers:inbox", _("Hồ sơ cần tiếp nhận"), _("Tiếp nhận, yêu cầu bổ sung hoặc từ chối hồ sơ nộp trực tuyến."),
         ("receiving_officer", "leader", "head", "province_office")),
    Tool("dossiers:counter_intake", _("Tiếp nhận tại quầy, qua bưu chính"), _("Nhập hồ sơ do người dân nộp trực tiếp hoặc gửi qua bưu điện."),
         ("receiving_officer",)),
    Tool("workflow:queue", _("Việc cần xử lý"), _("Các bước hồ sơ của tôi và của phòng: nhận, chuyển, trả lại; sắp đến hạn, quá hạn."),
         ("receiving_officer", "processing_officer", "leader", "head")),
    Tool("workflow:overview", _("Tổng quan xử lý hồ sơ"), _("Số hồ sơ theo trạng thái và theo bước, sắp đến hạn, quá hạn."),
         ("leader", "head", "province_office")),
    Tool("accounts:person_search", _("Tra cứu công dân"), _("Tìm theo CCCD, số điện thoại hoặc email (được ghi nhật ký)."),
         ("receiving_officer", "processing_officer", "leader", "head", "province_office", "switchboard", "administrator")),
    Tool("worktime:calendar", _("Lịch làm việc"), _("Ngày nghỉ lễ, nghỉ bù, ngày làm bù dùng để tính thời hạn."), ("administrator",)),
    Tool("eforms:builder_list", _("Biểu mẫu điện tử"), _("Soạn, kiểm tra và ban hành phiên bản biểu mẫu."), ("administrator",)),
    Tool("accounts:deletion_requests", _("Yêu cầu xóa tài khoản"), _("Xử lý yêu cầu xóa tài khoản của người dùng."), ("administrator",)),
    Tool("feedback:queue", _("Phản ánh, kiến nghị"), _("Phân loại, chuyển, trả lời phản ánh; hàng đợi sắp đến hạn, trễ hạn, gia hạn."),
         ("switchboard", "feedback_focal", "head", "province_office")),
    Tool("ops:staff_list", _("Sự cố"), _("Ghi nhận, cập nhật, giải quyết sự cố; kết quả kiểm tra tự động."),
         ("ict_department", "province_office", "administrator")),
    Tool("admin:index", _("Quản trị dữ liệu"), _("Danh mục thủ tục, cơ quan, tài khoản (Django admin)."), ("administrator",)),
]


def tools_for(user) -> list[Tool]:
    from opendvc.agencies.selectors import role_names

    held = set() if user.is_superuser else role_names(user)
    return [
        t for t in TOOLS
        if t.url() and (user.is_superuser or t.roles is None or held & set(t.roles))
    ]
