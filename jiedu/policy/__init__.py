"""The one policy module: what each role in each organisation may see and do.

Every page (``guard``), API operation (``jiedu.api.auth.requires``), search and export asks ``can`` and
reads through the ``*_in_scope`` querysets here. See docs/adr/0005-policy-module.md.
"""

from jiedu.policy.rules import (  # noqa: F401
    GRANTS,
    ORG_TYPE_ROLES,
    Action,
    can,
    effective_roles,
)
from jiedu.policy.scope import (  # noqa: F401
    audit_entries_in_scope,
    care_organisations,
    organisations_in_scope,
    persons_in_scope,
)
