"""Configuration of the TLV module, editable by the functional administrator (TLV-04/07/11/12).

Changes are recorded by the admin's change log. Case data are not in the admin.
"""

from django.contrib import admin

from passend.tlv.models import FundingCategory, TlvDuration, TlvSettings


@admin.register(FundingCategory)
class FundingCategoryAdmin(admin.ModelAdmin):
    list_display = ("school_year", "category", "personnel", "material")
    list_filter = ("school_year",)


@admin.register(TlvDuration)
class TlvDurationAdmin(admin.ModelAdmin):
    list_display = ("tlv_type", "school_years")


@admin.register(TlvSettings)
class TlvSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "expiry_warning_months",
        "hamerslag_target_percent",
        "cva_meeting_interval_weeks",
        "first_cva_meeting",
    )
