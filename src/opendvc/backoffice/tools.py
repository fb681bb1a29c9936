"""The back-office tools and the links to back-office pages.

Who may open a page is said once, on its view (``backoffice_required(roles=…)``); a link is shown only
to the users that view lets in (``staff_url``), so no page offers a link that answers 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, Resolver404, get_urlconf, resolve, reverse
from django.utils.translation import gettext_lazy as _

from opendvc.agencies.models import StaffRole

from .decorators import backoffice_allows, holds_role_for


def staff_url(user, url_name: str, *args, **kwargs) -> str | None:
    """The URL of ``url_name`` when ``user`` may open it, else None (also when it does not exist)."""
    try:
        url = reverse(url_name, args=args or None, kwargs=kwargs or None)
        view = (
            _view_of(url_name, url) if not (args or kwargs) else resolve(url.split("?", 1)[0]).func
        )
    except (NoReverseMatch, Resolver404):
        return None
    return url if backoffice_allows(user, view) else None


# The view behind a URL name without arguments, per URLconf: every page's navigation asks for the same
# few (resolving walks the whole URLconf each time).
_VIEWS: dict[tuple, object] = {}


def _view_of(url_name: str, url: str):
    key = (settings.ROOT_URLCONF, get_urlconf(), url_name, url)
    view = _VIEWS.get(key)
    if view is None:
        view = _VIEWS[key] = resolve(url.split("?", 1)[0]).func
    return view


@dataclass(frozen=True)
class Tool:
    url_name: str
    title: str
    text: str
    # Only for pages outside ``backoffice_required`` (the Django admin): the roles the tool is for.
    roles: tuple[str, ...] = ()

    def url_for(self, user) -> str | None:
        url = staff_url(user, self.url_name)
        if url is None or not holds_role_for(user, self.roles):
            return None
        return url


TOOLS: list[Tool] = [
    Tool(
        "dossiers:inbox",
        _("Hồ sơ cần tiếp nhận"),
        _("Tiếp nhận, yêu cầu bổ sung hoặc từ chối hồ sơ nộp trực tuyến."),
    ),
    Tool(
        "dossiers:intake",
        _("Tiếp nhận tại quầy, qua bưu chính"),
        _("Nhập hồ sơ do người dân nộp trực tiếp hoặc gửi qua bưu điện."),
    ),
    Tool(
        "workflow:queue",
        _("Việc cần xử lý"),
        _("Các bước hồ sơ của tôi và của phòng: nhận, chuyển, trả lại; sắp đến hạn, quá hạn."),
    ),
    Tool(
        "dossiers:overview",
        _("Tổng quan xử lý hồ sơ"),
        _("Số hồ sơ theo trạng thái và theo bước, sắp đến hạn, quá hạn."),
    ),
    Tool(
        "accounts:person_search",
        _("Tra cứu công dân"),
        _("Tìm theo CCCD, số điện thoại hoặc email (được ghi nhật ký)."),
    ),
    Tool(
        "worktime:calendar",
        _("Lịch làm việc"),
        _("Ngày nghỉ lễ, nghỉ bù, ngày làm bù dùng để tính thời hạn."),
    ),
    Tool(
        "eforms:builder_list",
        _("Biểu mẫu điện tử"),
        _("Soạn, kiểm tra và ban hành phiên bản biểu mẫu."),
    ),
    Tool(
        "accounts:deletion_requests",
        _("Yêu cầu xóa tài khoản"),
        _("Xử lý yêu cầu xóa tài khoản của người dùng."),
    ),
    Tool(
        "feedback:queue",
        _("Phản ánh, kiến nghị"),
        _("Phân loại, chuyển, trả lời phản ánh; hàng đợi sắp đến hạn, trễ hạn, gia hạn."),
    ),
    Tool(
        "ops:staff_list",
        _("Sự cố"),
        _("Ghi nhận, cập nhật, giải quyết sự cố; kết quả kiểm tra tự động."),
    ),
    Tool(
        "reports:oversight",
        _("Giám sát, đôn đốc"),
        _("Đúng hạn, quá hạn theo cơ quan; hồ sơ, phản ánh quá hạn lâu nhất; đôn đốc cơ quan."),
    ),
    Tool(
        "reports:index",
        _("Báo cáo, thống kê"),
        _("Số liệu theo kỳ, chỉ số QĐ 766; lập, gửi báo cáo 6 tháng, quý, năm (xlsx, PDF)."),
    ),
    Tool(
        "postal:queue",
        _("Bưu chính: thu gom, phát kết quả"),
        _("Thu gom hồ sơ, giao một cửa; phát kết quả trong 24 giờ, sắp đến hạn, quá hạn."),
    ),
    Tool(
        "postal:office",
        _("Hồ sơ, kết quả qua bưu chính"),
        _("Tiếp nhận hồ sơ bưu điện giao; giao kết quả cho bưu điện phát."),
    ),
    # The admin checks only is_staff; the tool is for the administrators.
    Tool(
        "admin:index",
        _("Quản trị dữ liệu"),
        _("Danh mục thủ tục, cơ quan, tài khoản (Django admin)."),
        (StaffRole.Role.ADMINISTRATOR,),
    ),
]


@dataclass(frozen=True)
class ShownTool:
    url: str
    title: str
    text: str


def tools_for(user) -> list[ShownTool]:
    """The tools ``user`` may open, in the order of ``TOOLS``."""
    shown = []
    for tool in TOOLS:
        url = tool.url_for(user)
        if url:
            shown.append(ShownTool(url=url, title=str(tool.title), text=str(tool.text)))
    return shown
