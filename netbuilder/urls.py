from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from builder import views
from builder.api import api

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/", api.urls),
    re_path(r"^api/(?P<path>.*)$", views.api_not_found),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.signup, name="signup"),
    path("admin/", admin.site.urls),
    path("", views.app_shell, name="app"),
    re_path(r"^(?:runs|sweeps|builder|architectures)(?:/.*)?$", views.app_shell),
]
