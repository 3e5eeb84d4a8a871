"""The schema at ``/api/schema/`` and the interactive docs at ``/api/docs/``.

The schema is in English (``?lang=de`` for German where translations exist). The docs are
Swagger UI from drf-spectacular-sidecar's local files, its start script served as a file
(``?script``), so that the strict CSP holds: no inline script or style, nothing from elsewhere.
"""

from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

LANGUAGES = ("en", "de")


class SchemaView(SpectacularAPIView):
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        language = request.GET.get("lang")
        with translation.override(language if language in LANGUAGES else "en"):
            return super().get(request, *args, **kwargs)


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
