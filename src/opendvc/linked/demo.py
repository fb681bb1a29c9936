"""Demo of the linked procedures: the police and social insurance offices of Phường Biên Hòa with their
officers, the two bundles and their combined e-forms, and one birth bundle filed by the demo citizen
(citizen1) and received by the ward's one-stop office — the three agencies then act in their own back
offices (``/lien-thong/co-quan/``). Idempotent."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from opendvc.accounts.demo import DOMAIN, _user, totp_secret_for
from opendvc.agencies.models import Agency, StaffRole, Tier
from opendvc.catalog.services import agency_link_procedures

from .bundles import BIRTH, bundles_seed, combined_form_publish
from .models import LinkedDossier, LinkedProcedure

WARD = "000.21.00.H19"
MEMBER_AGENCIES = {
    "police": ("000.21.41.H19", "Công an phường Biên Hòa", "CA P. Biên Hòa"),
    "social_insurance": ("000.21.50.H19", "Bảo hiểm xã hội cơ sở Biên Hòa", "BHXH Biên Hòa"),
}
STAFF = [
    ("lt-tiepnhan", "Lý Thị Một Cửa", StaffRole.Role.RECEIVING_OFFICER, WARD),
    ("lt-hotich", "Châu Văn Hộ Tịch", StaffRole.Role.PROCESSING_OFFICER, WARD),
    ("lt-chutich", "Mai Văn Chủ Tịch", StaffRole.Role.LEADER, WARD),
    ("lt-congan", "Trịnh Văn Công An", StaffRole.Role.PROCESSING_OFFICER, "000.21.41.H19"),
    ("lt-truongcongan", "Đinh Văn Trưởng", StaffRole.Role.LEADER, "000.21.41.H19"),
    ("lt-bhxh", "Tạ Thị Bảo Hiểm", StaffRole.Role.PROCESSING_OFFICER, "000.21.50.H19"),
    ("lt-giamdocbhxh", "Lương Văn Giám Đốc", StaffRole.Role.LEADER, "000.21.50.H19"),
]


def member_agencies() -> dict[str, Agency]:
    """The police and social insurance offices of Phường Biên Hòa, mapped as the offices that take the
    parts of the dossiers the ward receives (``MemberAgency``)."""
    from .models import MemberAgency

    ward = Agency.objects.get(code=WARD)
    tier = Tier.objects.get(code="xa")
    out = {}
    for role, (code, name, short) in MEMBER_AGENCIES.items():
        out[role], _ = Agency.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short,
                "tier": tier,
                "parent": ward.parent,
                "address": "Phường Biên Hòa, tỉnh Đồng Nai",
            },
        )
        MemberAgency.objects.update_or_create(
            receiving_agency=ward, role=role, defaults={"agency": out[role]}
        )
        # Made after the catalog was imported: the procedures whose published agency is the ward's
        # police ("Công an cấp xã") are filed with it.
        agency_link_procedures(agency=out[role])
    return out


def _file_demo_dossier(bundle: LinkedProcedure) -> None:
    from opendvc.accounts.models import User
    from opendvc.dossiers.models import Channel, Dossier
    from opendvc.dossiers.services import counter_intake

    citizen = User.objects.filter(email=f"citizen1@{DOMAIN}").first()
    officer = User.objects.filter(email=f"lt-tiepnhan@{DOMAIN}").first()
    if citizen is None or officer is None or bundle.procedure is None:
        return
    if (
        LinkedDossier.objects.filter(bundle=bundle, dossier__applicant=citizen).exists()
        or Dossier.objects.filter(procedure=bundle.procedure, applicant=citizen).exists()
    ):
        return
    home = {"province": 75, "ward": 26068, "street": "12 Võ Thị Sáu"}
    # The combined form's data as the officer enters it with the applicant (the birth of his son).
    data = {
        "agency": "Ủy ban nhân dân phường Biên Hòa",
        "requester_name": "Nguyễn Văn An",
        "requester_id_number": "075090001234",
        "requester_relation": "Cha",
        "child_name": "Nguyễn Bảo Nam",
        "child_birth_date": "2026-11-20",
        "child_gender": "male",
        "child_ethnicity": "Kinh",
        "child_nationality": "Việt Nam",
        "birth_place_kind": "health_facility",
        "birth_facility": "Bệnh viện Đa khoa Đồng Nai",
        "birth_place": {"province": 75, "ward": 26041, "street": "Số 2 Đồng Khởi"},
        "requester_address": home,
        "mother_name": "Trần Thị Bích Ngọc",
        "mother_ethnicity": "Kinh",
        "mother_nationality": "Việt Nam",
        "mother_id_number": "075192004321",
        "father_known": True,
        "father_name": "Nguyễn Văn An",
        "father_ethnicity": "Kinh",
        "father_nationality": "Việt Nam",
        "thuong_tru_agency": "Công an phường Biên Hòa",
        "birth_date": "1990-04-15",
        "gender": "male",
        "head_name": "Nguyễn Văn An",
        "head_relation": "Con",
        "request": "Đăng ký thường trú cho con vào hộ của cha.",
        "residence_address": home,
        "declaration": True,
    }
    dossier = counter_intake(
        actor=officer,
        procedure=bundle.procedure,
        receiving_agency=Agency.objects.get(code=WARD),
        channel=Channel.COUNTER,
        applicant=citizen,
        data=data,
    )
    LinkedDossier.objects.get_or_create(dossier=dossier, defaults={"bundle": bundle})


def seed(stdout=None) -> None:
    member_agencies()
    for login, name, role, code in STAFF:
        email = f"{login}@{DOMAIN}"
        user = _user(email, name, staff=True)
        StaffRole.objects.get_or_create(user=user, agency=Agency.objects.get(code=code), role=role)
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, totp_secret_for(email))
    bundles = bundles_seed()
    for bundle in bundles:
        combined_form_publish(bundle=bundle)
    birth = next((b for b in bundles if b.key == BIRTH), None)
    if birth is not None:
        _file_demo_dossier(birth)
    if stdout:
        stdout.write(f"  {len(bundles)} thủ tục liên thông, {len(STAFF)} cán bộ liên thông")
