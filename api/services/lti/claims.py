"""The IMS names LTI 1.3 messages and services use, spelled once (LTI 1.3 Core §5, Deep
Linking 2.0 §4, AGS 2.0 §3, NRPS 2.0 §3)."""
from __future__ import annotations

from typing import Final

LTI: Final = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE: Final = LTI + "message_type"
VERSION: Final = LTI + "version"
DEPLOYMENT_ID: Final = LTI + "deployment_id"
TARGET_LINK_URI: Final = LTI + "target_link_uri"
RESOURCE_LINK: Final = LTI + "resource_link"
ROLES: Final = LTI + "roles"
CONTEXT: Final = LTI + "context"
CUSTOM: Final = LTI + "custom"
AGS_ENDPOINT: Final = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_SERVICE: Final = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS: Final = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_CONTENT_ITEMS: Final = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA: Final = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
DL_MESSAGE: Final = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"

LTI_VERSION: Final = "1.3.0"
RESOURCE_LINK_REQUEST: Final = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST: Final = "LtiDeepLinkingRequest"
DEEP_LINKING_RESPONSE: Final = "LtiDeepLinkingResponse"
LAUNCH_MESSAGES: Final = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)

#: Role URIs (LTI 1.3 Core §A.2): context roles, and institution and system roles.
MEMBERSHIP: Final = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION: Final = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM: Final = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
#: Roles that make a teacher here; a learner. NRPS may send the short names (§A.2.3.1).
TEACHING_ROLES: Final = frozenset({MEMBERSHIP + "Instructor", MEMBERSHIP + "Administrator",
                                   INSTITUTION + "Instructor", INSTITUTION + "Administrator",
                                   INSTITUTION + "Faculty", SYSTEM + "Administrator",
                                   "Instructor", "Administrator"})
LEARNER_ROLES: Final = frozenset({MEMBERSHIP + "Learner", INSTITUTION + "Learner", INSTITUTION + "Student",
                                  "Learner"})

SCOPE_LINEITEM: Final = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_SCORE: Final = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_MEMBERSHIPS: Final = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

CLIENT_ASSERTION_TYPE: Final = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MEDIA_SCORE: Final = "application/vnd.ims.lis.v1.score+json"
MEDIA_LINEITEM: Final = "application/vnd.ims.lis.v2.lineitem+json"
MEDIA_LINEITEMS: Final = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEDIA_MEMBERSHIPS: Final = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


def is_teaching(roles: list[str]) -> bool:
    """Any role that teaches (sub-roles such as ``membership/Instructor#TeachingAssistant`` do not)."""
    return any(role in TEACHING_ROLES for role in roles)


def is_learning(roles: list[str]) -> bool:
    return any(role in LEARNER_ROLES for role in roles)
