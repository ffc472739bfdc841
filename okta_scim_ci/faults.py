"""Fault switches of the sandbox's SCIM server (here, apart from it, so that `--help` stays light)."""

FAULTS = {
    "ignore-deactivate": "accepts active=false but keeps the user active",
    "drop-name-update": "accepts PUT but ignores changes to name",
    "rename-username": "stores userName in lower case",
    "error-on-create": "answers POST /Users with 500",
    "string-active": "returns active as the string 'true'/'false' instead of a boolean",
    "reflect-credentials": "echoes the Authorization header back in every error body (to test redaction)",
}
