"""Helpers shared by the service tests (imported by name: pytest puts tests/api on sys.path)."""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi.testclient import TestClient

#: The test clock starts here; tests move it with ``clock.advance``.
START = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)


def small_bank():
    return []


def create_user(client: TestClient, username: str, role: str, password: str = "password-123",
                language: str | None = "nb") -> dict:
    from sqlmodel import Session

    from api.services.users import create_user as service_create

    with Session(client.app.state.engine) as session:
        user = service_create(session, username, password, role, START, language=language)
        session.commit()
        return {"id": user.id, "username": username, "password": password, "role": role}


def login(client: TestClient, username: str, password: str = "password-123") -> dict[str, str]:
    response = client.post("/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


