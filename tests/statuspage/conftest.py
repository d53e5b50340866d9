import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache

from tests.statuspage import factories


@pytest.fixture(autouse=True)
def _fresh_public_cache(settings):
    """Answers are cached a few seconds in production; tests see every change at once (one test
    turns the cache back on) and start with empty sign-up counters."""
    settings.STATUSPAGE_CACHE_SECONDS = 0
    cache.clear()
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    for key in client.scan_iter("statuspage:rl:*"):
        client.delete(key)
    yield
    cache.clear()


@pytest.fixture
def status_setup(org):
    """An enabled page with two components (API, Database) over two services."""
    api, database = factories.service(org, "API"), factories.service(org, "Database")
    page = factories.enabled_page(org, title="Acme", time_zone="Europe/Berlin")
    return {
        "org": org, "page": page, "api": api, "database": database,
        "api_component": factories.component(org, "Website and API", [api], position=1),
        "db_component": factories.component(org, "Database", [database], position=2),
    }
