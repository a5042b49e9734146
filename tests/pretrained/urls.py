"""The site's URLs, with the models router on an API of its own in front: the tests don't depend on
where builder/api/__init__.py mounts it."""

from django.urls import path
from ninja import NinjaAPI

from builder.api.auth import API_AUTH
from builder.api.errors import install_error_handlers
from builder.api.pretrained import router
from netbuilder.urls import urlpatterns as site

models_api = NinjaAPI(title="models (tests)", auth=API_AUTH, urls_namespace="models-tests", docs_url=None)
install_error_handlers(models_api)
models_api.add_router("", router)

urlpatterns = [path("api/", models_api.urls), *site]
