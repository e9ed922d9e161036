from django.urls import path

from . import dues_views, ledger_views, lifecycle_views, roster_views, transfer_views, views

app_name = "members"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("statistics/", views.structure_statistics, name="statistics"),
    path("import/", roster_views.roster_import, name="import"),
    path("import/template.xlsx", roster_views.roster_template, name="import_template"),
    # The life of a party member (DOMAIN.md §3)
    path("<int:pk>/party/", lifecycle_views.member_party, name="party"),
    path("<int:pk>/party/step/", lifecycle_views.development_step_create, name="development_step"),
    path("<int:pk>/party/extend/", lifecycle_views.probation_extend, name="probation_extend"),
    path("<int:pk>/party/record.pdf", lifecycle_views.development_record_pdf, name="development_record_pdf"),
    path("<int:pk>/party/thought-report/", lifecycle_views.thought_report_create, name="thought_report_create"),
    path("<int:pk>/party/standing/", lifecycle_views.standing_change_create, name="standing_change"),
    path("<int:pk>/party/transfer-out/", transfer_views.transfer_out_create, name="transfer_out_create"),
    path("<int:pk>/party/dues-base/", dues_views.dues_base_update, name="dues_base"),
    path("<int:pk>/party/floating/", ledger_views.floating_update, name="floating"),
    path("<int:pk>/party/hardship/", ledger_views.hardship_open, name="hardship_open"),
    path("development/", lifecycle_views.development_list, name="development"),
    path("development/apply/", lifecycle_views.application_create, name="application_create"),
    path("probation/", lifecycle_views.probation_list, name="probation"),
    path("thought-reports/", lifecycle_views.thought_report_list, name="thought_reports"),
    path("thought-reports/<int:pk>/review/", lifecycle_views.thought_report_review, name="thought_report_review"),
    path("standing/", lifecycle_views.standing_list, name="standing"),
    path("transfers/", transfer_views.transfer_list, name="transfers"),
    path("transfers/in/", transfer_views.transfer_in_create, name="transfer_in_create"),
    path("transfers/<int:pk>/", transfer_views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/receipt/", transfer_views.transfer_receipt, name="transfer_receipt"),
    path("transfers/<int:pk>/receive/", transfer_views.transfer_receive, name="transfer_receive"),
    path("transfers/<int:pk>/cancel/", transfer_views.transfer_cancel, name="transfer_cancel"),
    path("transfers/<int:pk>/letter.pdf", transfer_views.transfer_letter_pdf, name="transfer_letter_pdf"),
    path("dues/", dues_views.dues_month, name="dues"),
    path("dues/pay/", dues_views.dues_pay, name="dues_pay"),
    path("dues/arrears/", dues_views.dues_arrears, name="dues_arrears"),
    path("dues/year/", dues_views.dues_year, name="dues_year"),
    path("ledgers/<slug:kind>/", ledger_views.ledger, name="ledger"),
    path("hardship/<int:pk>/", ledger_views.hardship_detail, name="hardship_detail"),
    path("hardship/<int:pk>/help/", ledger_views.hardship_help_create, name="hardship_help"),
    path("hardship/<int:pk>/close/", ledger_views.hardship_close, name="hardship_close"),
]
