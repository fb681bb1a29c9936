import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from opendvc.accounts import services
from opendvc.accounts.models import PersonProfile, User
from opendvc.audit.models import AuditEntry

from .factories import ProfileFactory, UserFactory

GOOD = {
    "full_name": "Trần Thị Cúc",
    "date_of_birth": "02/01/2003",
    "gender": "female",
    "cccd": "079303000111",
    "phone": "0386123456",
    "permanent_province_code": 75,
    "permanent_ward_code": 26068,
}


def _codes(exc):
    return {f: [e.code for e in errs] for f, errs in exc.value.error_dict.items()}


@pytest.mark.django_db
class TestUpdateProfile:
    def test_saves_encrypted_and_audits_field_names_only(self, citizen):
        services.update_profile(user=citizen, actor=citizen, data=GOOD)
        profile = PersonProfile.objects.get(user=citizen)
        assert profile.cccd == "079303000111" and profile.date_of_birth == dt.date(2003, 1, 2)
        assert User.objects.get(pk=citizen.pk).phone == "0386123456"
        entry = AuditEntry.objects.filter(action="accounts.profile_updated").get()
        assert "cccd" in entry.changes["fields"]
        assert "079303000111" not in json.dumps(entry.changes)

    @pytest.mark.parametrize(
        "override,field,code",
        [
            ({"cccd": "07930300011"}, "cccd", "invalid_cccd"),
            ({"cccd": "003303000111"}, "cccd", "invalid_cccd"),
            ({"gender": "male"}, "cccd", "invalid_cccd"),
            ({"phone": "0123"}, "phone", "invalid_phone"),
            ({"date_of_birth": "31/02/2003"}, "date_of_birth", "invalid_date"),
            ({"full_name": "  "}, "full_name", "full_name_required"),
            ({"permanent_ward_code": 26740}, "permanent_ward_code", "invalid_ward"),
            ({"gender": "x"}, "gender", "invalid_gender"),
        ],
    )
    def test_bad_input_saves_nothing(self, citizen, override, field, code):
        with pytest.raises(ValidationError) as exc:
            services.update_profile(user=citizen, actor=citizen, data={**GOOD, **override})
        assert code in _codes(exc)[field]
        assert not PersonProfile.objects.filter(user=citizen).exists()
        assert User.objects.get(pk=citizen.pk).phone_hash is None
        assert not AuditEntry.objects.filter(action="accounts.profile_updated").exists()

    @time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
    def test_dob_in_future(self, citizen):
        with pytest.raises(ValidationError) as exc:
            services.update_profile(
                user=citizen,
                actor=citizen,
                data={**GOOD, "date_of_birth": "02/03/2026", "cccd": ""},
            )
        assert _codes(exc) == {"date_of_birth": ["dob_in_future"]}

    def test_duplicates(self, citizen):
        """A phone is unique; a CCCD only once verified through the electronic identity (one
        merely typed may repeat: see test_cccd_verification)."""
        other = UserFactory()
        services.update_profile(user=other, actor=other, data=GOOD)
        services.verify_cccd_from_identity_provider(user=other, cccd=GOOD["cccd"])
        with pytest.raises(ValidationError) as exc:
            services.update_profile(
                user=citizen, actor=citizen, data={**GOOD, "phone": "+84 386 123 456"}
            )
        assert _codes(exc) == {"cccd": ["duplicate_cccd"], "phone": ["duplicate_phone"]}

    def test_only_owner(self, citizen):
        other = UserFactory()
        with pytest.raises(Exception):  # noqa: B017
            services.update_profile(user=citizen, actor=other, data=GOOD)

    def test_legacy_address_kept_until_changed(self, citizen):
        profile = ProfileFactory(
            user=citizen,
            permanent_province_code=74,
            permanent_ward_code=25741,
            permanent_legacy_district="Thành phố Thủ Dầu Một",
            permanent_legacy_ward="Phường Phú Cường",
        )
        services.update_profile(user=citizen, actor=citizen, data={"full_name": "Ông Cũ"})
        profile.refresh_from_db()
        assert profile.permanent_legacy_district == "Thành phố Thủ Dầu Một"
        assert "Phường Phú Cường" in profile.permanent_address
        with pytest.raises(ValidationError):
            services.update_profile(
                user=citizen, actor=citizen, data={"permanent_ward_code": 25742}
            )
        services.update_profile(
            user=citizen,
            actor=citizen,
            data={"permanent_province_code": 79, "permanent_ward_code": 26740},
        )
        profile.refresh_from_db()
        assert profile.permanent_legacy_district == "" and profile.permanent_ward_code == 26740


@pytest.mark.django_db
class TestProfilePage:
    def test_field_errors_in_vietnamese(self, citizen_client):
        r = citizen_client.post(reverse("accounts:profile"), {**GOOD, "cccd": "12345"})
        assert r.status_code == 422  # refused: the form again, what was typed kept
        assert 'value="12345"' in r.content.decode()
        assert "Số CCCD phải gồm đúng 12 chữ số." in r.context["form"].errors["cccd"]
        html = r.content.decode()
        assert 'aria-invalid="true"' in html and "error-summary" in html

    def test_ward_options_follow_province(self, citizen_client):
        r = citizen_client.get(
            reverse("accounts:profile"), {"permanent_province_code": "79"}, HTTP_HX_REQUEST="true"
        )
        assert "Phường Sài Gòn" in r.content.decode()

    def test_requires_login(self, client):
        r = client.get(reverse("accounts:profile"))
        assert r.status_code == 302 and "/tai-khoan/login/" in r["Location"]


@pytest.mark.django_db
class TestApi:
    url = "/api/v1/accounts/profile"

    def test_get_and_put(self, citizen_client, citizen):
        r = citizen_client.put(self.url, GOOD, content_type="application/json")
        assert r.status_code == 200, r.content
        body = r.json()
        assert body["cccd"] == "079303000111" and body["date_of_birth"] == "2003-01-02"
        assert body["permanent_address"]["text"].endswith("Đồng Nai")
        assert citizen_client.get(self.url).json()["is_complete"] is True

    @pytest.mark.parametrize(
        "override,code,status",
        [
            ({"cccd": "1"}, "invalid_cccd", 422),
            ({"phone": "12"}, "invalid_phone", 422),
            ({"date_of_birth": "01/01/2999", "cccd": ""}, "dob_in_future", 422),
        ],
    )
    def test_problem_codes(self, citizen_client, citizen, override, code, status):
        r = citizen_client.put(self.url, {**GOOD, **override}, content_type="application/json")
        assert r.status_code == status
        assert r["Content-Type"] == "application/problem+json"
        body = r.json()
        assert body["code"] == code and body["errors"][0]["code"] == code and body["detail"]
        assert not PersonProfile.objects.filter(user=citizen).exists()

    def test_duplicate_cccd_is_409(self, citizen_client):
        other = UserFactory()
        services.update_profile(user=other, actor=other, data=GOOD)
        services.verify_cccd_from_identity_provider(user=other, cccd=GOOD["cccd"])
        r = citizen_client.put(self.url, {**GOOD, "phone": ""}, content_type="application/json")
        assert r.status_code == 409 and r.json()["code"] == "duplicate_cccd"

    def test_anonymous(self, client):
        r = client.get(self.url)
        assert r.status_code == 401 and r.json()["code"] == "unauthenticated"

    def test_organisations(self, citizen_client, citizen):
        from .factories import MembershipFactory

        MembershipFactory(user=citizen, organisation__name="Công ty TNHH Biên Hòa Xanh")
        MembershipFactory()  # someone else's
        body = citizen_client.get("/api/v1/accounts/organisations").json()
        assert [o["name"] for o in body] == ["Công ty TNHH Biên Hòa Xanh"]


@pytest.mark.django_db
def test_find_persons_by_exact_identifiers(citizen):
    from opendvc.accounts.selectors import find_persons

    services.update_profile(user=citizen, actor=citizen, data=GOOD)
    profile = PersonProfile.objects.get(user=citizen)
    assert find_persons(query="079 303 000 111") == [profile]
    assert find_persons(query="+84 386 123 456") == [profile]
    assert find_persons(query=citizen.email.upper()) == [profile]
    for q in ["079303000112", "0386123", "", "Trần Thị Cúc"]:
        assert find_persons(query=q) == []
