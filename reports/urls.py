from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.jobs, name="jobs"),
    path("jobs/<uuid:pk>/row/", views.job_row, name="job_row"),
    path("jobs/<uuid:pk>/retry/", views.job_retry, name="job_retry"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job_download"),
]
