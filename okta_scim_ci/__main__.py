"""`python -m okta_scim_ci`."""

from .cli import console_main

console_main()
