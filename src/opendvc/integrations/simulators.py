"""The demo simulators of this app's peers (``manage.py run_simulators``)."""

from opendvc.core.simulators import register

from .national.simulator import NationalPortalSimulator

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
