from django.contrib import admin

from .models import SurveyForm, SurveyInvitation, SurveyResponse


@admin.register(SurveyForm)
class SurveyFormAdmin(admin.ModelAdmin):
    list_display = ("title", "code", "scale", "dissatisfied_at_most", "is_active")


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(admin.ModelAdmin):
    list_display = ("dossier_code", "agency", "created_at", "answered_at")
    readonly_fields = ("token",)
    search_fields = ("dossier_code",)


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ("dossier_code", "agency", "overall", "satisfied", "created_at")
    list_filter = ("satisfied",)
    readonly_fields = [f.name for f in SurveyResponse._meta.fields]
