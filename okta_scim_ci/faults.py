"""Fault switches of the sandbox's SCIM server (here, apart from it, so that `--help` stays light).

Faults marked "reads" affect only the requests of okta-scim-ci's checks, not Okta's provisioning pushes
(told apart by Okta's User-Agent), so the push lands and the check meets the broken answer.
"""

FAULTS = {
    "ignore-deactivate": "accepts active=false but keeps the user active",
    "drop-name-update": "accepts PUT but ignores changes to name",
    "rename-username": "stores userName in lower case",
    "error-on-create": "answers POST /Users with 500",
    "lookup-404": "a lookup that finds nobody answers 404 'User not found' instead of an empty list (Okta accepts it)",
    "patch-no-content": "answers PATCH with 204 and no body (Okta accepts it)",
    "case-sensitive-filter": "userName lookups match case-sensitively (RFC 7643 makes userName case-insensitive)",
    "string-active": "returns active as the string 'true'/'false' instead of a boolean",
    "reflect-credentials": "echoes the Authorization header (as is, base64, URL-encoded) in error bodies, the "
    "Okta org emulator's too",
    "slow-reads": "reads: answers GETs after 3 seconds",
    "html-errors": "reads: answers GETs with a 502 HTML error page, as a broken proxy does",
    "invalid-json": "reads: answers GETs with truncated JSON",
    "resources-not-list": "reads: a list answer's Resources is an object",
    "no-active": "users come without their active attribute",
    "json-content-type": "reads: answers with Content-Type application/json instead of application/scim+json",
    "huge-body": "reads: list answers carry a 6 MiB body",
    "redirect": "reads: GETs are redirected to another host",
    "wrong-user": "reads: the filter is ignored and a different user comes first",
    "duplicate-users": "reads: the filter finds the user twice, under two ids",
}
