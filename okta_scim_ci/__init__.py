"""okta-scim-ci: Okta SCIM provisioning lifecycle checks for CI."""

__version__ = "0.1.0"
