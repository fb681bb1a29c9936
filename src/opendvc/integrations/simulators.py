"""The demo simulators of this app's peers (``manage.py run_simulators``)."""

from opendvc.core.simulators import register

from .govfeedback.simulator import GovFeedbackSimulator
from .national.simulator import NationalPortalSimulator
from .onestop.simulator import OneStopSimulator
from .sms.simulator import SmsSimulator

register(
    "national",
    NationalPortalSimulator,
    port=18301,
    settings=lambda url: {
        "NATIONAL_PORTAL_URL": url,
        "NATIONAL_PORTAL_USERNAME": "tinh",
        "NATIONAL_PORTAL_PASSWORD": "mat-khau",
    },
    help="Cổng Dịch vụ công quốc gia (DongBoHoSoMC, CapNhatTienDoHoSoMC, TraCuuHoSo)",
)

register(
    "onestop",
    lambda host="127.0.0.1", port=18302: OneStopSimulator(
        host=host, port=port, portal_url="http://127.0.0.1:8000"
    ),
    port=18302,
    settings=lambda url: {"ONESTOP_URL": url, "ONESTOP_SECRET": "bi-mat-mot-cua"},
    help="Phần mềm một cửa điện tử của tỉnh (nhận hồ sơ, gửi trạng thái về webhook có chữ ký)",
)

register(
    "govfeedback",
    GovFeedbackSimulator,
    port=18303,
    settings=lambda url: {
        "GOVFEEDBACK_NGUOIDAN_URL": f"{url}/nguoidan",
        "GOVFEEDBACK_DOANHNGHIEP_URL": f"{url}/doanhnghiep",
    },
    help="nguoidan.chinhphu.vn / doanhnghiep.chinhphu.vn (phản ánh, kiến nghị và trả lời)",
)

register(
    "sms",
    SmsSimulator,
    port=18304,
    settings=lambda url: {"SMS_URL": url, "SMS_TOKEN": "sms-demo"},
    help="Nhà cung cấp SMS (gửi tin, báo cáo đã nhận)",
)
