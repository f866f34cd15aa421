"""Views of the members' area outside the admin: signed in with the second factor."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse


def verified_login_required(view):
    """Like ``login_required``, but the session must also have passed the second
    factor (django-otp's ``is_verified``), as the admin requires."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_verified()):
            return redirect_to_login(
                request.get_full_path(), reverse("wagtailadmin_login")
            )
        return view(request, *args, **kwargs)

    return wrapper
