"""The bench's outer ceiling: a hello-world Django view with one middleware, nothing else.

Served by `make bench` with the same gunicorn settings as the app, in the same run, so the app's
own bare view can be read as a fraction of what Django itself costs on this machine:

    gunicorn --chdir scripts bench_hello:application
"""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path


def hello(request):
    return HttpResponse("hello", content_type="text/plain")


settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-hello-not-secret",  # noqa: S106  serves no session or form
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    INSTALLED_APPS=[],
    DATABASES={},
    USE_TZ=True,
)
urlpatterns = [path("hello/", hello)]
application = get_wsgi_application()
