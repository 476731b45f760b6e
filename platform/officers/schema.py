"""GraphQL for officers and API tokens."""

from __future__ import annotations

from typing import Any

import graphene

from access.policy import allowed, fetch
from agencies.models import Agency
from agencies.schema import AgencyNode
from api.context import get_viewer
from api.enums import ClassificationEnum
from api.errors import enum_value
from api.loaders import related
from api.mutations import BaseMutation, decode_id
from api.nodes import PolicyConnectionField, PolicyObjectType

from . import actions, rules
from .models import ApiToken, Officer, Role, TokenScope

RoleEnum = graphene.Enum.from_enum(Role)
TokenScopeEnum = graphene.Enum.from_enum(TokenScope)


class OfficerNode(PolicyObjectType):
    role = RoleEnum(required=True)
    clearance = ClassificationEnum(required=True)
    agency = related(AgencyNode, Agency, "agency_id", required=True)
    time_zone = graphene.String(
        required=True, description="The zone the console shows this officer's times in (IANA name).")
    chosen_time_zone = graphene.String(
        required=True, description="The zone this officer chose; empty when they read their agency's.")
    can_change = graphene.Boolean(
        required=True, description="Whether you may change this officer's role and disable or re-enable them.")

    class Meta:
        name = "Officer"
        model = Officer
        fields = ("id", "username", "first_name", "last_name", "email", "role", "clearance", "agency",
                  "is_active", "preferred_language", "date_joined", "last_login")
        filter_fields = {"role": ["exact"], "is_active": ["exact"], "username": ["icontains"]}
        convert_choices_to_enum: list[str] = []

    @staticmethod
    def resolve_time_zone(officer: Officer, info: Any) -> str:
        return officer.zone_name

    @staticmethod
    def resolve_chosen_time_zone(officer: Officer, info: Any) -> str:
        return officer.time_zone

    @staticmethod
    def resolve_can_change(officer: Officer, info: Any) -> bool:
        return allowed(get_viewer(info), "officer.set_active", officer)


class ApiTokenState(graphene.Enum):
    """Whether a token authenticates, and if not why."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
    OFFICER_DISABLED = "officer_disabled"


class ApiTokenNode(PolicyObjectType):
    scopes = graphene.List(graphene.NonNull(TokenScopeEnum), required=True)
    officer = related(OfficerNode, Officer, "officer_id")
    is_usable = graphene.Boolean(required=True,
                                 description="Whether the token authenticates now (`state` says why not).")
    state = ApiTokenState(required=True)

    class Meta:
        name = "ApiToken"
        model = ApiToken
        fields = ("id", "name", "prefix", "scopes", "created_at", "expires_at", "revoked_at", "last_used_at",
                  "officer")
        filter_fields = {"revoked_at": ["isnull"]}

    @staticmethod
    def resolve_is_usable(token: ApiToken, info: Any) -> bool:
        return ApiTokenNode.resolve_state(token, info) == "active"

    @staticmethod
    def resolve_state(token: ApiToken, info: Any) -> str:
        """Revoked first (for good), then expired, then an officer disabled (which re-enabling undoes)."""
        if token.revoked_at is not None:
            return "revoked"
        if token.expires_at <= get_viewer(info).at:
            return "expired"
        if not token.officer.is_active:
            return "officer_disabled"
        return "active"


class OfficerAdministration(graphene.ObjectType):
    """What an agency administrator may give to the officers of their agency."""

    agency = graphene.Field(AgencyNode, required=True)
    assignable_roles = graphene.List(graphene.NonNull(RoleEnum), required=True,
                                     description="The roles you may give (at creation or by a change of role).")
    assignable_clearances = graphene.List(graphene.NonNull(ClassificationEnum), required=True,
                                          description="The clearance levels you may give: up to your own.")


class Query(graphene.ObjectType):
    viewer = graphene.Field(OfficerNode, description="The signed-in officer; null when not signed in.")
    officers = PolicyConnectionField(OfficerNode)
    api_tokens = PolicyConnectionField(
        ApiTokenNode, description="Your tokens; for an agency administrator, also those of the agency's officers.")
    officer_administration = graphene.Field(
        OfficerAdministration,
        description="The officers you administer: null unless you are your agency's administrator.")

    @staticmethod
    def resolve_viewer(root: Any, info: Any) -> Officer | None:
        return get_viewer(info).officer

    @staticmethod
    def resolve_officers(root: Any, info: Any, **kwargs: Any) -> Any:
        return Officer.objects.all()

    @staticmethod
    def resolve_api_tokens(root: Any, info: Any, **kwargs: Any) -> Any:
        return ApiToken.objects.select_related("officer")  # ``state`` reads whether the officer is active

    @staticmethod
    def resolve_officer_administration(root: Any, info: Any) -> dict[str, Any] | None:
        viewer = get_viewer(info)
        if viewer.officer is None or viewer.role != Role.AGENCY_ADMIN:
            return None
        agency = viewer.officer.agency
        return {"agency": agency, "assignable_roles": rules.assignable_roles(viewer, agency),
                "assignable_clearances": rules.assignable_clearances(viewer)}


class CreateOfficerInput(graphene.InputObjectType):
    agency_id = graphene.ID(required=True)
    username = graphene.String(required=True)
    email = graphene.String(required=True)
    role = RoleEnum(required=True)
    clearance = ClassificationEnum(required=True)
    first_name = graphene.String()
    last_name = graphene.String()


class CreateOfficer(BaseMutation):
    """Create an officer in an agency. They set their password through the reset link."""

    officer = graphene.Field(OfficerNode)

    class Arguments:
        input = CreateOfficerInput(required=True)

    class Meta:
        audit_action = "officer.create"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        data = data["input"]
        agency = fetch(viewer, Agency.objects.all(), decode_id(data["agency_id"], "Agency", "agency_id"),
                       "agency_id")
        officer = actions.create_officer(
            viewer, agency, username=data["username"], email=data["email"], role=enum_value(data["role"]),
            clearance=enum_value(data["clearance"]), first_name=data.get("first_name") or "",
            last_name=data.get("last_name") or "",
        )
        return {"officer": officer}


class IssueApiToken(BaseMutation):
    """Issue an API token for yourself. ``rawToken`` is shown this once; only its hash is kept."""

    token = graphene.Field(ApiTokenNode)
    raw_token = graphene.String()

    class Arguments:
        name = graphene.String(required=True)
        scopes = graphene.List(graphene.NonNull(TokenScopeEnum), required=True)
        days = graphene.Int(description="Lifetime in days; the default and maximum come from settings.")

    class Meta:
        audit_action = "token.issue"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        token, raw = actions.issue_token_for(
            viewer, name=data["name"], scopes=[enum_value(s) for s in data["scopes"]], days=data.get("days"),
        )
        return {"token": token, "raw_token": raw}


class RevokeApiToken(BaseMutation):
    token = graphene.Field(ApiTokenNode)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        audit_action = "token.revoke"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        token = fetch(viewer, ApiToken.objects.select_related("officer"), decode_id(data["id"], "ApiToken", "id"))
        return {"token": actions.revoke_token(viewer, token)}


class ChangeOfficerRole(BaseMutation):
    """Give an officer of your agency another role among ``officerAdministration.assignableRoles``.

    Agency administrators only, never for themselves nor for an officer a system administrator appointed
    (a national coordinator); another agency's officer is ``NOT_FOUND``, as a missing one.
    """

    officer = graphene.Field(OfficerNode)

    class Arguments:
        id = graphene.ID(required=True)
        role = RoleEnum(required=True)

    class Meta:
        audit_action = "officer.change_role"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        officer = fetch(viewer, Officer.objects.all(), decode_id(data["id"], "Officer", "id"))
        return {"officer": actions.change_role(viewer, officer, enum_value(data["role"]))}


class SetOfficerActive(BaseMutation):
    """Disable an officer of your agency (they can no longer sign in nor use their API tokens) or re-enable them.

    Agency administrators only, never for themselves; another agency's officer is ``NOT_FOUND``.
    """

    officer = graphene.Field(OfficerNode)

    class Arguments:
        id = graphene.ID(required=True)
        active = graphene.Boolean(required=True)

    class Meta:
        audit_action = "officer.set_active"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        officer = fetch(viewer, Officer.objects.all(), decode_id(data["id"], "Officer", "id"))
        return {"officer": actions.set_active(viewer, officer, data["active"])}


class SetPreferredLanguage(BaseMutation):
    """Choose the language of the console and of your e-mails: ``en``, ``fr`` or ``es``."""

    officer = graphene.Field(OfficerNode)

    class Arguments:
        language = graphene.String(required=True)

    class Meta:
        audit_action = "officer.set_language"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        return {"officer": actions.set_preferred_language(viewer, data["language"])}


class SetTimeZone(BaseMutation):
    """Choose the zone the console shows your times in (an IANA name such as ``Europe/Paris``); empty: your
    agency's."""

    officer = graphene.Field(OfficerNode)

    class Arguments:
        time_zone = graphene.String(required=True)

    class Meta:
        audit_action = "officer.set_time_zone"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        return {"officer": actions.set_time_zone(viewer, data["time_zone"])}


class SignOutEverywhere(BaseMutation):
    """End every session of yours, in every browser, this one included (API tokens are revoked one by one)."""

    officer = graphene.Field(OfficerNode)

    class Meta:
        audit_action = "auth.sign_out_everywhere"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        return {"officer": actions.sign_out_everywhere(viewer)}


class ResetSecondFactor(BaseMutation):
    """Remove a colleague's authenticator apps and recovery codes (a lost phone): their sessions end, they set up
    a new one at their next sign-in, and they are told by e-mail. For their agency's administrator."""

    officer = graphene.Field(OfficerNode)

    class Arguments:
        officer_id = graphene.ID(required=True)

    class Meta:
        audit_action = "auth.second_factor.reset"

    @classmethod
    def perform(cls, info: Any, viewer: Any, **data: Any) -> dict[str, Any]:
        officer = fetch(viewer, Officer.objects.all(), decode_id(data["officer_id"], "Officer", "officerId"),
                        "officerId")
        return {"officer": actions.reset_second_factor(viewer, officer)}


class Mutation(graphene.ObjectType):
    create_officer = CreateOfficer.Field()
    change_officer_role = ChangeOfficerRole.Field()
    set_officer_active = SetOfficerActive.Field()
    set_preferred_language = SetPreferredLanguage.Field()
    set_time_zone = SetTimeZone.Field()
    sign_out_everywhere = SignOutEverywhere.Field()
    reset_second_factor = ResetSecondFactor.Field()
    issue_api_token = IssueApiToken.Field()
    revoke_api_token = RevokeApiToken.Field()
