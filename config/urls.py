from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import views as core_views
from core import views_otp, views_password
from core.forms import LoginForm

urlpatterns = [
    path("", core_views.home, name="home"),
    path("health/", core_views.health, name="health"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views_password.password_change, name="password_change"),
    path("accounts/two-factor/", include(views_otp.urlpatterns)),
    path("members/", include("members.urls")),
    path("branches/", include("branches.urls")),
    path("appraisal/", include("appraisal.urls")),
    path("reviews/", include("reviews.urls")),
    path("reports/", include("reports.urls")),
    path("vote/", include("reviews.vote_urls")),
    path("admin/", admin.site.urls),
]

# A database that cannot be reached answers a plain 503 page instead of a 500 (core/errors.py, RELIABILITY.md R27).
handler500 = "core.errors.server_error"
