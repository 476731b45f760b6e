"""WSGI entry point (gunicorn ``wildnet.wsgi:application``)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wildnet.settings")

application = get_wsgi_application()


#: Allocations (net of deallocations) between two collections of the youngest generation, and how many of those
#: make one of the middle generation, and of those one of the oldest. CPython's (700, 10, 10) suits a script; a
#: request allocates thousands of objects that live until its response is written (rows, model instances, the
#: result being built), which 700 collected and walked again dozens of times per request, promoting them on
#: the way so that middle and full collections followed. Alternated in one process (make bench-graphql's
#: data, 2,000 cases): CPU per request -22 to -27 % for the 100-case page, -9 to -16 % for a case detail, -9 to
#: -10 % for a list of 20; (10,000, 10, 10) gained as much on the detail but nothing on the page. What a
#: request leaves behind in a cycle is still collected, a little later.
GC_THRESHOLDS = (50_000, 20, 100)


def settle() -> None:
    """Load everything a request uses, move the heap out of reach of the garbage collector, and collect the
    youngest objects less often (:data:`GC_THRESHOLDS`).

    Django, graphql-core, the built schema and the URLconf are hundreds of thousands of objects that live as
    long as the process. A GraphQL page allocates tens of thousands of short-lived ones, which sets off full
    collections that walked all of that again: more than half the CPU of a 100-case page. Frozen objects are
    never collected nor traversed; what requests allocate is collected as before. gunicorn's workers, forked
    from the process that imported this module (``--preload``), inherit both.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports every view, and with the GraphQL view the schema)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


settle()
