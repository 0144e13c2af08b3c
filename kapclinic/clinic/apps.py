from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class ClinicConfig(AppConfig):
    name = "kapclinic.clinic"
    label = "clinic"
    verbose_name = "Clinic and people"

    def ready(self):
        from allauth.account.signals import password_changed
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from . import auth_backends, plugins, principal, signin
        from .constraints import reinstall_after_migrate
        from .models import Provider, User

        post_migrate.connect(
            reinstall_after_migrate, sender=self, dispatch_uid="clinic-sqlite-overlap-triggers"
        )
        user_logged_in.connect(signin.record_sign_in, dispatch_uid="clinic-record-sign-in")
        # After django.contrib.auth's own receiver (an earlier app) saved the last login.
        user_logged_in.connect(auth_backends.keep_at_sign_in, dispatch_uid="clinic-keep-principal")
        user_logged_out.connect(
            signin.end_sessions_on_sign_out, dispatch_uid="clinic-sign-out-everywhere"
        )
        password_changed.connect(
            signin.end_other_sessions_on_password_change, dispatch_uid="clinic-password-changed"
        )
        post_save.connect(
            signin.end_sessions_on_deactivation, sender=User, dispatch_uid="clinic-user-inactive"
        )
        post_save.connect(
            signin.end_sessions_on_staff_deactivation,
            sender=Provider,
            dispatch_uid="clinic-provider-inactive",
        )
        principal.connect()  # what renews the kept principal of a login
        plugins.discover()  # every app's timeline.py, home.py and badges.py
