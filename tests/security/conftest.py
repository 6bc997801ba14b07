"""What the attack tests share: the company hub they probe (see ``tests.support.hubs.attacked_company``)."""

from __future__ import annotations

import pytest

from tests.integration.test_company_members import Company
from tests.support.hubs import HubEnv, attacked_company


@pytest.fixture
def acme(hub_env: HubEnv) -> Company:
    """Acme after its admin removed Bob: Ann is the contributor, Bob the removed member."""
    return attacked_company(hub_env)
