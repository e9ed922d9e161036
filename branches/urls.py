from django.urls import path

from . import committee_views, views

app_name = "branches"

urlpatterns = [
    path("", views.organization_list, name="organizations"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<uuid:token>/", views.attachment_download, name="attachment_download"),
    path("attachments/<uuid:token>/delete/", views.attachment_delete, name="attachment_delete"),
    path("compliance/", views.compliance, name="compliance"),
    # Branch committees and their terms (DOMAIN.md §2)
    path("committees/", committee_views.committee_list, name="committees"),
    path("committees/<int:pk>/", committee_views.committee_detail, name="committee_detail"),
    path("committees/<int:pk>/new/", committee_views.committee_term_create, name="committee_create"),
]
