from django import forms
from django.contrib import admin

from .models import SignedDocument, SigningCertificate


class SigningCertificateForm(forms.ModelForm):
    passphrase = forms.CharField(
        label="Mật khẩu PKCS#12", required=False, widget=forms.PasswordInput(render_value=False)
    )

    class Meta:
        model = SigningCertificate
        fields = ["agency", "signer_name", "signer_title", "pkcs12_path", "is_active"]

    def save(self, commit=True):
        obj = super().save(commit=False)
        if self.cleaned_data.get("passphrase"):
            obj.passphrase = self.cleaned_data["passphrase"]
        if commit:
            obj.save()
        return obj


@admin.register(SigningCertificate)
class SigningCertificateAdmin(admin.ModelAdmin):
    form = SigningCertificateForm
    list_display = ["agency", "signer_name", "signer_title", "is_active", "created_at"]
    list_filter = ["is_active"]


@admin.register(SignedDocument)
class SignedDocumentAdmin(admin.ModelAdmin):
    list_display = ["document", "purpose", "level", "signer_name", "signed_at"]
    readonly_fields = [f.name for f in SignedDocument._meta.fields]
