"""Every service area a request can belong to has officers who can be given it.

A service type's ``domain`` decides which officers may see and work its cases; identity
grants roles only in the domains it knows. A catalogue domain identity does not know
would give the council requests nobody could ever be allowed to work.
"""

from __future__ import annotations

from townhall.cases.adapters.catalogue import BUNDLED, load_catalogue
from townhall.identity.domain.officers import DOMAINS


def test_every_service_types_domain_can_be_granted_to_an_officer() -> None:
    catalogue = load_catalogue(BUNDLED)
    domains = {service_type.domain for service_type in catalogue}
    assert domains - DOMAINS == set()
