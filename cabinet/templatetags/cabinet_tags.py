from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def from_iso(value):
    """An ISO 8601 string from a JSON context, as a local datetime for ``|date``."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
