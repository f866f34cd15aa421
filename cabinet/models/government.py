"""The Government itself: ministries, the people in it, and the public home page.

Sessions, ballots and resolutions arrive in later modules; this module holds what every
workflow refers to.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class Ministry(models.Model):
    """A ministry or ministerial-level agency (Bộ, cơ quan ngang Bộ).

    Each has its own group of focal officers, who upload that ministry's documents
    into session dossiers; the group is created with the ministry (``ministry_upsert``).
    """

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry")
        AGENCY = "agency", _("Ministerial-level agency")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    sort_order = models.PositiveIntegerField(_("protocol order"), default=100)
    focal_group = models.OneToOneField(
        Group,
        verbose_name=_("focal officers' group"),
        on_delete=models.PROTECT,
        related_name="ministry",
    )

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("ministry")
        verbose_name_plural = _("ministries")

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """What the Government knows of an account beyond Django's user.

    Names follow Vietnamese order in Django's fields: ``first_name`` holds the family
    and middle names, ``last_name`` the given name, so ``get_full_name()`` reads
    "Nguyễn Văn An" and ordering by ``last_name`` is the Vietnamese alphabetical order.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="person",
        verbose_name=_("user"),
    )
    position = models.CharField(_("position"), max_length=255, blank=True)
    ministry = models.ForeignKey(
        Ministry,
        verbose_name=_("ministry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    phone = models.CharField(
        _("mobile phone"),
        max_length=20,
        blank=True,
        help_text=_("International format, e.g. +84912345678; used for SMS."),
    )
    protocol_order = models.PositiveIntegerField(
        _("protocol order"),
        default=1000,
        help_text=_("Lists of Government members follow this order."),
    )
    assists = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assists"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assistants",
        help_text=_("For an assistant or secretary: the member they work for."),
    )

    class Meta:
        ordering = ["protocol_order", "user__last_name", "user__first_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        name = self.user.get_full_name() or self.user.get_username()
        return f"{name} ({self.position})" if self.position else name


class HomePage(Page):
    """The public front page of the e-Cabinet portal."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cabinet.SessionIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")
