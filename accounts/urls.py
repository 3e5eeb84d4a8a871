from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

# two_factor's own URL names (its views and templates reverse "two_factor:...").
two_factor_patterns = (
    [
        path("setup/", views.SetupView.as_view(), name="setup"),
        path("qrcode/", views.QRGeneratorView.as_view(), name="qr"),
        path("setup/complete/", views.SetupCompleteView.as_view(), name="setup_complete"),
        path("recovery-codes/", views.BackupTokensView.as_view(), name="backup_tokens"),
        path("disable/", views.DisableView.as_view(), name="disable"),
    ],
    "two_factor",
)

password_reset = {
    "email_template_name": "registration/password_reset_email.txt",
    "subject_template_name": "registration/password_reset_subject.txt",
}

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", include(two_factor_patterns)),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(**password_reset),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("profile/", views.profile_view, name="profile"),
    path("language/", views.set_language, name="set-language"),
    path("invitation/<str:token>/", views.accept_invitation, name="invitation-accept"),
    path("organizations/", views.organization_list, name="organization-list"),
    path(
        "organization/<int:organization_id>/users/",
        views.organization_users,
        name="organization-users",
    ),
    path(
        "organization/<int:organization_id>/users/invite/",
        views.invite,
        name="organization-invite",
    ),
    path(
        "organization/<int:organization_id>/invitations/<int:invitation_id>/resend/",
        views.resend_invitation,
        name="invitation-resend",
    ),
    path(
        "organization/<int:organization_id>/invitations/<int:invitation_id>/revoke/",
        views.revoke_invitation,
        name="invitation-revoke",
    ),
    path(
        "organization/<int:organization_id>/members/<int:membership_id>/admin/",
        views.set_member_admin,
        name="member-admin",
    ),
    path(
        "organization/<int:organization_id>/members/<int:membership_id>/remove/",
        views.remove_member,
        name="member-remove",
    ),
]
