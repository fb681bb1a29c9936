"""allauth adapters: Vietnamese messages, the lockout explanation with its unlock path, and
registration side effects."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from opendvc.agencies.permissions import is_staff_member
from opendvc.core.context_processors import portal

from . import crypto, services
from .models import PersonProfile
from .oidc.provider import NONCE_STATE_KEY, cccd_claim, keep_cccd_claim

LOCKOUT_MESSAGE = _(
    "Bạn đã đăng nhập sai quá nhiều lần nên việc đăng nhập tạm bị khóa trong 5 phút. "
    "Vui lòng thử lại sau, hoặc dùng chức năng “Quên mật khẩu” để đặt lại mật khẩu: "
    "đặt lại thành công sẽ mở khóa ngay."
)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _("Tài khoản này đang bị khóa hoặc đã bị xóa."),
        "duplicate_email": _("Địa chỉ email này đã gắn với tài khoản của bạn."),
        "email_password_mismatch": _("Email, số điện thoại hoặc mật khẩu không đúng."),
        "phone_password_mismatch": _("Số điện thoại hoặc mật khẩu không đúng."),
        "email_taken": _("Địa chỉ email này đã được dùng để đăng ký một tài khoản khác."),
        # Raised when the password typed is not the current one (allauth checks it, the field is required).
        "enter_current_password": _("Mật khẩu hiện tại không đúng; vui lòng nhập lại."),
        "incorrect_code": _("Mã không đúng."),
        "incorrect_password": _("Mật khẩu không đúng."),
        "invalid_or_expired_key": _(
            "Liên kết không hợp lệ hoặc đã hết hạn; vui lòng yêu cầu gửi lại."
        ),
        "invalid_login": _("Thông tin đăng nhập không hợp lệ."),
        "invalid_password_reset": _("Liên kết đặt lại mật khẩu không hợp lệ hoặc đã được dùng."),
        "max_email_addresses": _("Không thể thêm quá %d địa chỉ email."),
        "phone_taken": _("Số điện thoại này đã được dùng cho một tài khoản khác."),
        "too_many_login_attempts": LOCKOUT_MESSAGE,
        "unknown_email": _("Địa chỉ email này không gắn với tài khoản nào."),
        "unknown_phone": _("Số điện thoại này không gắn với tài khoản nào."),
        "unverified_primary_email": _("Địa chỉ email chính của bạn cần được xác minh."),
        "select_only_one": _("Vui lòng chỉ chọn một."),
        "same_as_current": _("Giá trị mới phải khác giá trị hiện tại."),
        "rate_limited": _("Bạn gửi yêu cầu quá nhanh; vui lòng đợi một chút rồi thử lại."),
    }

    def format_email_subject(self, subject):
        """The subject after the portal's name (``ACCOUNT_EMAIL_SUBJECT_PREFIX``), the name said in the
        mail's language as the pages say it; a prefix configured otherwise is kept as it is."""
        if f"[{settings.PORTAL_NAME}] " == settings.ACCOUNT_EMAIL_SUBJECT_PREFIX:
            return f"[{portal(self.request)['PORTAL_NAME']}] {subject}"
        return super().format_email_subject(subject)

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        full_name = form.cleaned_data.get("full_name")
        if full_name:
            user.full_name = " ".join(full_name.split())
        if commit:
            user.save()
        return user


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "add_email_blocked": _("Không thể thêm email cho tài khoản đang bật xác thực hai lớp."),
        "cannot_delete_authenticator": _("Cán bộ không được tắt xác thực hai lớp."),
        "cannot_generate_recovery_codes": _("Cần bật xác thực hai lớp trước khi tạo mã khôi phục."),
        "incorrect_code": _("Mã xác thực không đúng hoặc đã hết hạn."),
        "unverified_email": _("Bạn cần xác minh địa chỉ email trước khi bật xác thực hai lớp."),
    }

    def can_delete_authenticator(self, authenticator) -> bool:
        """Staff must keep TOTP: back-office pages require it."""

        if authenticator.type == authenticator.Type.TOTP and is_staff_member(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-in through the national identity provider.

    The first sign-in finds its account by a verified email (allauth's email authentication: the
    provider says the address is verified; an account whose copy of it is unverified loses its
    password) or by the CCCD claim — only an account whose number the identity provider itself
    verified earlier; a number merely typed on a profile connects nothing. Otherwise a new account
    is created. Every sign-in then records the claim as the account's verified CCCD
    (``services.verify_cccd_from_identity_provider``: it replaces the typed number and removes
    unverified claims of it from other accounts)."""

    error_messages = {
        **DefaultSocialAccountAdapter.error_messages,
        "email_taken": _(
            "Đã có tài khoản dùng email này. Hãy đăng nhập tài khoản đó trước rồi liên kết với %s."
        ),
        "invalid_token": _("Phản hồi từ nhà cung cấp định danh không hợp lệ."),
        "no_password": _("Tài khoản của bạn chưa đặt mật khẩu."),
        "no_verified_email": _("Tài khoản của bạn chưa có email đã xác minh."),
        "disconnect_last": _("Không thể gỡ liên kết đăng nhập cuối cùng."),
        "connected_other": _("Tài khoản định danh này đã liên kết với một tài khoản khác."),
    }

    @staticmethod
    def _claims(sociallogin) -> dict:
        data = dict(sociallogin.account.extra_data or {})
        userinfo = data.get("userinfo")
        if isinstance(userinfo, dict):
            data = {**data, **userinfo}
        id_token = data.get("id_token")
        if isinstance(id_token, dict):
            data = {**id_token, **data}
        return data

    @staticmethod
    def _cccd_claim(sociallogin) -> str:
        """The CCCD sent by the identity provider (kept off ``extra_data``, see ``oidc.provider``)."""

        return cccd_claim(sociallogin)

    def pre_social_login(self, request, sociallogin) -> None:
        expected = (sociallogin.state or {}).get(NONCE_STATE_KEY)
        if expected is not None:
            id_token = (sociallogin.account.extra_data or {}).get("id_token") or {}
            if not isinstance(id_token, dict) or id_token.get("nonce") != expected:
                raise PermissionDenied("ID token nonce does not match the login attempt")
        super().pre_social_login(request, sociallogin)
        keep_cccd_claim(sociallogin)
        cccd = self._cccd_claim(sociallogin)
        if not cccd:
            return
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            return  # the signed-in user's own account: verified once connected (``signals``)
        if sociallogin.is_existing:
            if sociallogin.user.is_active:
                services.verify_cccd_from_identity_provider(
                    user=sociallogin.user, cccd=cccd, request=request
                )
            return
        profile = (
            PersonProfile.objects.select_related("user")
            .filter(
                cccd_hash=crypto.lookup_hash(cccd),
                cccd_verified_at__isnull=False,
                cccd_source=PersonProfile.CccdSource.IDENTITY_PROVIDER,
            )
            .first()
        )
        if profile is not None and profile.user.is_active:
            sociallogin.connect(request, profile.user)

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        claims = self._claims(sociallogin)
        name = claims.get("name") or " ".join(
            p for p in (claims.get("family_name"), claims.get("given_name")) if p
        )
        if name and not user.full_name:
            user.full_name = " ".join(str(name).split())[:200]
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        cccd = self._cccd_claim(sociallogin)
        if cccd:
            services.verify_cccd_from_identity_provider(user=user, cccd=cccd, request=request)
        return user
