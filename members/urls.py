from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("statistics/", views.structure_statistics, name="statistics"),
]
