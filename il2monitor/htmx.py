"""The request type of a page that answers htmx (django-htmx's middleware sets ``htmx``)."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """For annotations only: django-htmx's recipe for type checkers."""

    htmx: HtmxDetails
