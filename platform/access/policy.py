"""The single policy decision point.

Every path that reads or writes anything (GraphQL types and ``node(id)``, nested fields, mutations, search,
exports, downloads, tasks, notifications) asks this module, and nothing else, whether an officer may see or do
something. It knows no model by itself: each app registers, in its ``AppConfig.ready``,

* a **visibility rule** per model: a function from a :class:`Viewer` to a ``Q`` filter, so that "what may this
  officer see" is always one SQL statement (a ``WHERE`` with joins or ``EXISTS``), never a list of primary keys;
* **action rules**: named decisions such as ``"mandate.grant"``, which raise a typed error or return.

This is the "access interface in the core that sharing fills with its grants" of DESIGN.md: the core never
imports an app, and later apps (sharing) extend a rule by registering a wider one for the same model.

Defaults deny: a model without a rule is invisible, an unknown action is refused, an anonymous or inactive
officer sees nothing. Refusal looks like absence: :func:`fetch` raises the same ``NOT_FOUND`` for an object
that does not exist and for one the viewer may not see.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import lookups, prepared
from .errors import ActionError, ErrorCode, NotFound, PermissionDenied

if TYPE_CHECKING:
    import datetime

    from officers.models import Officer

M = TypeVar("M", bound=models.Model)

#: The filter of a refusal. Compared by identity, so `visible` can skip the query altogether.
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Viewer:
    """Who is asking, as the policy needs to know it: the officer, their declared purpose, and the time.

    ``at`` is fixed once per request so that every check of one request sees the same instant (a mandate that
    lapses in the middle of a request lapses for the next request, consistently). ``cache`` holds the rules' ``Q``
    (built once per viewer) and what rules read once per request (the agency's mandates in force), never a
    decision about an object.
    """

    officer: Officer | None
    purpose: str | None = None
    at: datetime.datetime = field(default_factory=timezone.now)
    token_scopes: frozenset[str] | None = None  # None: a browser session (every scope)
    #: When the session's password was last typed (seconds since the epoch); None without a browser session
    #: (an API token, a background task), which sensitive acts then do not ask to confirm.
    confirmed_at: float | None = None
    cache: dict[Any, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def active(self) -> bool:
        return self.officer is not None and self.officer.is_active and self.officer.pk is not None

    @property
    def role(self) -> str:
        return self.officer.role if self.officer is not None else ""

    @property
    def agency_id(self) -> int:
        """The officer's agency; 0 (no agency has it) for an anonymous viewer, so a filter on it matches nothing."""
        return self.officer.agency_id if self.officer is not None else 0

    @property
    def country(self) -> str:
        return self.officer.agency.country if self.officer is not None else ""

    def may_write(self) -> bool:
        return self.token_scopes is None or "write" in self.token_scopes

    def signature(self) -> tuple[Any, ...]:
        """Everything the rules read in Python to build their SQL, but the instant ``at``: two viewers with
        the same signature get the same statements, with the instant as a parameter (``access.prepared``).

        The officer's own fields, agency, purpose and scopes here; apps add what their rules read besides
        (``register_signature``: the mandates in force). Read once per request.
        """
        cached = self.cache.get("signature")
        if cached is None:
            officer = self.officer
            own = (None if officer is None else
                   (officer.pk, officer.is_active, officer.role, officer.clearance, officer.agency_id,
                    officer.agency.agency_type, officer.agency.country),
                   self.purpose, None if self.token_scopes is None else tuple(sorted(self.token_scopes)))
            cached = self.cache["signature"] = (own, *(part(self) for part in _signature_parts))
        return cached


VisibilityRule = Callable[[Viewer], Q]
AmongRule = Callable[[Viewer, Any], Q]
ActionRule = Callable[[Viewer, Any], None]
Condition = Callable[..., Q]

_visibility: dict[type[models.Model], VisibilityRule] = {}
_among: dict[type[models.Model], tuple[VisibilityRule, AmongRule]] = {}
_through: dict[tuple[type[models.Model], str], VisibilityRule] = {}
_actions: dict[str, ActionRule] = {}
_conditions: dict[str, Condition] = {}
_signature_parts: list[Callable[[Viewer], Hashable]] = []


def register_signature(part: Callable[[Viewer], Hashable]) -> Callable[[Viewer], Hashable]:
    """Declare something a rule reads in Python besides the officer (``Viewer.signature``)."""
    _signature_parts.append(part)
    prepared.forget()  # statements kept under the previous rules are not reused
    return part


def register_condition(name: str) -> Callable[[Condition], Condition]:
    """Declare (or widen, from a later app) a named building block of visibility rules.

    ``cases`` registers ``"case.visible"`` (own agency's cases); ``sharing`` replaces it with one that adds
    shared cases and honours redactions. Rules of listings, claims, reports and evidence are written in terms of
    the condition, so they follow without knowing that sharing exists.
    """

    def decorator(builder: Condition) -> Condition:
        _conditions[name] = builder
        prepared.forget()
        return builder

    return decorator


def has_condition(name: str) -> bool:
    """Whether an app declared the condition ``name`` (an optional narrowing, such as ``audit.content:…``)."""
    return name in _conditions


def condition(name: str, viewer: Viewer, **options: Any) -> Q:
    """The ``Q`` of a named condition for ``viewer``; ``NOTHING`` when unknown or the viewer is inactive."""
    builder = _conditions.get(name)
    if builder is None or not viewer.active:
        return NOTHING
    return _once(viewer, ("condition", name, *sorted(options.items())), lambda: builder(viewer, **options))


def register_visibility(model: type[models.Model]) -> Callable[[VisibilityRule], VisibilityRule]:
    """Declare (or replace, for a later app that widens it) who may see instances of ``model``."""

    def decorator(rule: VisibilityRule) -> VisibilityRule:
        _visibility[model] = rule
        prepared.forget()
        return rule

    return decorator


def register_visibility_among(model: type[models.Model]) -> Callable[[AmongRule], AmongRule]:
    """Declare the visibility of ``model``'s rows among given primary keys, for a rule that tests each row
    against a set of other rows (an entity against the visible claims): the same condition as the model's rule,
    with the keys pushed into that set, so that the database reads those keys' rows of it and not the whole set.

    It is bound to the rule registered for ``model`` at that moment: a later app that replaces the rule (and
    does not declare its own ``among``) is applied as it is, never bypassed.
    """

    def decorator(rule: AmongRule) -> AmongRule:
        _among[model] = (_visibility[model], rule)
        prepared.forget()
        return rule

    return decorator


def register_visible_through(model: type[models.Model], field_name: str) -> None:
    """Declare that the rule of the model ``model.field_name`` points at makes every row that a visible ``model``
    row points at visible (an entity is visible through any claim the viewer may see): a list of ``model`` rows
    may then read those rows in its own statement (``api.loaders.children``) instead of asking for them by key.

    Like :func:`register_visibility_among`, it is bound to the target's rule registered at that moment: a later
    app that replaces that rule is applied as it is, the rows read by key again.
    """
    _through[(model, field_name)] = _visibility[_target(model, field_name)]


def visible_through(viewer: Viewer, model: type[models.Model], field_name: str) -> bool:
    """Whether every row that a ``model`` row visible to ``viewer`` points at through ``field_name`` is visible
    to ``viewer`` too: it was declared so (:func:`register_visible_through`) under the rule in force, or the
    target's rule puts no condition (:func:`sees_every`)."""
    target = _target(model, field_name)
    bound = _through.get((model, field_name))
    if bound is not None and bound is _visibility.get(target):
        return viewer.active
    return sees_every(viewer, target)


def _target(model: type[models.Model], field_name: str) -> type[models.Model]:
    target = model._meta.get_field(field_name).related_model
    if not isinstance(target, type):
        raise TypeError(f"{model.__name__}.{field_name} is not a relation to a model")
    return target


def keys_q(field_name: str, keys: Any) -> Q:
    """``field_name`` among ``keys``: a list (one array parameter on PostgreSQL, ``access.lookups``) or a single
    key."""
    if isinstance(keys, list):
        return Q(**{f"{field_name}__{lookups.AnyOf.lookup_name}": keys})
    return Q(**{field_name: keys})


def register_action(name: str) -> Callable[[ActionRule], ActionRule]:
    """Declare the rule for a named action. The rule raises ``ActionError`` to refuse, returns to allow."""

    def decorator(rule: ActionRule) -> ActionRule:
        _actions[name] = rule
        return rule

    return decorator


def visibility_filter(viewer: Viewer, model: type[models.Model]) -> Q:
    """The ``Q`` a query on ``model`` must carry for ``viewer``; a filter matching nothing when denied."""
    rule = _visibility.get(model)
    if rule is None or not viewer.active:
        return NOTHING
    return _once(viewer, ("visibility", model), lambda: rule(viewer))


def sees_every(viewer: Viewer, model: type[models.Model]) -> bool:
    """Whether ``viewer`` may see every row of ``model``: its rule puts no condition (the agency directory).

    A row of such a model already in hand (the officer's own agency, loaded with the officer) needs no statement
    to be checked before it is shown.
    """
    def decide() -> bool:
        rule = visibility_filter(viewer, model)
        return rule is not NOTHING and not rule.children

    return prepared.decided(viewer, model, "sees_every", decide)


def _once(viewer: Viewer, key: tuple[Any, ...], build: Callable[[], Q]) -> Q:
    """A rule's ``Q`` for ``viewer``, built once per viewer (that is, per request).

    A rule's ``Q`` holds querysets (the visible cases, the shares in force…) that Django builds filter by filter;
    a page of a case with its listings, claims and reports asks for the same few rules dozens of times, and
    building them again each time was most of the request's CPU. The ``Q`` is a rule, not a decision: its
    subqueries run in the database with each query, against the data as it is then; what a rule reads in Python
    (the mandates in force) is read once per viewer already, as the request's instant ``at`` is.
    """
    cached = viewer.cache.get(key)
    if cached is None:
        cached = viewer.cache[key] = build()
    return cached


def visible(viewer: Viewer, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """Narrow ``queryset`` to what ``viewer`` may see. Every read of a model goes through here.

    The rule's condition is compiled once per process and viewer signature where it can be (``access.prepared``:
    the same SQL, with this request's instant), else built and added as a ``Q``.
    """
    model = queryset.model
    kept = prepared.where(viewer, model, lambda who: visibility_filter(who, model))
    if kept is not None:
        return prepared.narrowed(queryset, kept)
    condition = visibility_filter(viewer, model)
    if condition is NOTHING:
        return queryset.none()
    return queryset.filter(condition)


def visible_among(viewer: Viewer, model: type[M], keys: Any) -> models.QuerySet[M]:
    """The rows of ``model`` whose primary key is among ``keys`` (a list, or one key) that ``viewer`` may see:
    what the loaders and ``node(id)`` read, through the model's ``among`` condition when it declares one
    (:func:`register_visibility_among`), else as :func:`visible` narrows them."""
    queryset = model._default_manager.filter(keys_q("pk", keys))
    declared = _among.get(model)
    if declared is None or declared[0] is not _visibility.get(model) or not viewer.active:
        return visible(viewer, queryset)
    condition = declared[1](viewer, keys)
    return queryset.none() if condition is NOTHING else queryset.filter(condition)


def fetch(viewer: Viewer, queryset: models.QuerySet[M], pk: Any, field_name: str = "id") -> M:
    """The object with ``pk`` if ``viewer`` may see it, else ``NotFound`` — the same error either way."""
    try:
        return visible(viewer, queryset).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound(field_name, str(queryset.model._meta.verbose_name)) from None


def check(viewer: Viewer, action: str, target: Any = None) -> None:
    """Raise the typed refusal for ``action`` on ``target``, or return when it is allowed."""
    if not viewer.active:
        raise PermissionDenied(_("Sign in first."))
    rule = _actions.get(action)
    if rule is None:
        raise PermissionDenied()
    rule(viewer, target)


def allowed(viewer: Viewer, action: str, target: Any = None) -> bool:
    """``check`` as a boolean, for fields such as ``canGrant`` that tell a client which buttons to show."""
    from .errors import ActionError

    try:
        check(viewer, action, target)
    except ActionError:
        return False
    return True


def viewer_for(officer: Officer | Any, purpose: str | None = None, token_scopes: list[str] | None = None,
               confirmed_at: float | None = None, at: datetime.datetime | None = None) -> Viewer:
    """Build the viewer for an officer, an ``AnonymousUser`` (who sees nothing) or a background task, at the
    instant ``at`` (now by default)."""
    at = at or timezone.now()
    if officer is None or not getattr(officer, "is_authenticated", False):
        return Viewer(officer=None, purpose=purpose, at=at)
    # A request's user is Django's lazy proxy (set up by the check above): the rules read the officer's fields
    # through the viewer a couple of hundred times a request, each a detour through the proxy; keep the officer.
    officer = getattr(officer, "_wrapped", officer)
    return Viewer(officer=officer, purpose=purpose,
                  token_scopes=frozenset(token_scopes) if token_scopes is not None else None,
                  confirmed_at=confirmed_at, at=at)


def require_recent_confirmation(viewer: Viewer) -> None:
    """Sensitive acts (sharing out, mandates, API tokens) ask a browser session for the password again once
    ``REAUTHENTICATION_SECONDS`` have passed since it was last typed: a session left open on an unattended
    computer cannot give intelligence away. Call it right after the act's access check."""
    if viewer.confirmed_at is None:
        return
    if time.time() - viewer.confirmed_at > settings.REAUTHENTICATION_SECONDS:
        raise ActionError(ErrorCode.REAUTHENTICATE, _("Confirm your password to do this."), "password")
