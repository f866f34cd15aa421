"""Wagtail API v2: ``/api/v2/resolutions/`` lists published, signed resolutions only."""

from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet

from cabinet.models import ResolutionPage
from cabinet.resolutions.selectors import resolutions_published


class ResolutionsAPIViewSet(PagesAPIViewSet):
    model = ResolutionPage
    listing_default_fields = PagesAPIViewSet.listing_default_fields + [
        "number",
        "issued_on",
        "signer",
        "signed_at",
        "pdf_url",
        "html_url",
    ]
    meta_fields = PagesAPIViewSet.meta_fields

    def get_queryset(self):
        return resolutions_published().specific()

    def get_base_queryset(self):
        return resolutions_published()


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("resolutions", ResolutionsAPIViewSet)
