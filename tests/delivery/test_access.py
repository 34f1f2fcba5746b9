"""Who may manage outbound channels, what they may point them at (SSRF), and what is never shown."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from salescore.delivery import ssrf
from salescore.kit.errors import Unprocessable
from tests.delivery.conftest import MakeReceiver, flush, get_json
from tests.support import Harness

ROBOT_KEY = "693a91f6-7b1e-4bc4-97a0-0ec2f1fa5aaa"
PRIVATE_URLS = [
    "http://127.0.0.1:8080/hook",
    "http://10.0.0.1/hook",
    "http://[::1]/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://192.168.1.20/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
    "http://100.64.0.1/hook",
    "http://localhost:9000/hook",
    "http://2130706433/hook",  # 127.0.0.1 as one number: resolved, then refused
]


def _problem_field(r: Any) -> str:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()["errors"][0]["field"]


@pytest.mark.parametrize("url", PRIVATE_URLS)
async def test_the_guard_refuses_private_addresses(url: str) -> None:
    with pytest.raises(Unprocessable) as caught:
        await ssrf.validate_url(url, allow_private=False)
    assert caught.value.errors[0]["field"] == "url"
    assert ssrf.SETTING in caught.value.detail
    await ssrf.validate_url(url, allow_private=True)  # the operator setting lets it through


@pytest.mark.parametrize("url", ["ftp://example.com/x", "http:///nohost", "notaurl", "http://a b/", "http://h:99999/",
                                 "javascript:alert(1)", "file:///etc/passwd"])
async def test_malformed_urls_are_refused_even_when_private_networks_are_allowed(url: str) -> None:
    with pytest.raises(Unprocessable) as caught:
        await ssrf.validate_url(url, allow_private=True)
    assert caught.value.errors[0]["field"] == "url"


async def test_public_addresses_pass() -> None:
    await ssrf.validate_url("https://93.184.215.14/hook", allow_private=False)
    await ssrf.validate_url("http://[2606:4700:4700::1111]/hook", allow_private=False)


async def test_with_the_setting_off_the_api_refuses_and_the_sender_rechecks(
    h: Harness, receiver: MakeReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = await h.org()
    server = await receiver()
    # Saved while private networks were allowed (say the DNS answer was public then)...
    r = await h.client.post("/api/v1/webhooks", json={"url": server.url, "event_types": ["customer.created"]},
                            headers=org.admin.headers)
    assert r.status_code == 201, r.text
    webhook = r.json()
    monkeypatch.setattr(h.runtime.settings, "webhook_allow_private_networks", False)
    for url in ("http://127.0.0.1:9/x", "http://10.0.0.1/x", "http://[::1]/x", "http://169.254.169.254/x"):
        r = await h.client.post("/api/v1/webhooks", json={"url": url, "event_types": ["*"]}, headers=org.admin.headers)
        assert _problem_field(r) == "url"
        r = await h.client.patch(f"/api/v1/webhooks/{webhook['id']}", json={"url": url}, headers=org.admin.headers)
        assert _problem_field(r) == "url"
        r = await h.client.post("/api/v1/wecom-robots", json={"name": "销售群", "url": f"{url}?key={ROBOT_KEY}"},
                                headers=org.admin.headers)
        assert _problem_field(r) == "url"
    # ...the send-time check refuses it now: nothing reaches the receiver, the log says why.
    await h.customer(org.reps[0])
    await h.drain()
    await flush(h)
    assert server.requests == []
    [delivery] = (await get_json(h, org.admin, f"/api/v1/webhooks/{webhook['id']}/deliveries"))["items"]
    assert delivery["status"] == "failed" and "loopback" in delivery["last_error"]
    assert delivery["attempt_log"][0]["error"].startswith("refused before sending")


async def test_secrets_are_validated_and_shown_once(h: Harness) -> None:
    admin = await h.signup()
    mine = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # 24 bytes
    r = await h.client.post("/api/v1/webhooks", headers=admin.headers,
                            json={"url": "https://hooks.example.com/a", "event_types": ["customer.*"], "secret": mine})
    assert r.status_code == 201, r.text
    assert r.json()["secret"] == mine
    webhook_id = r.json()["id"]
    for bad in ("whsec_c2hvcnQ=", "whsec_not base64!", "plain-text-secret"):
        r = await h.client.post("/api/v1/webhooks", headers=admin.headers,
                                json={"url": "https://hooks.example.com/a", "event_types": ["*"], "secret": bad})
        assert _problem_field(r) == "secret"
    for patterns in ([], ["Customer.*"], ["customer created"]):
        r = await h.client.post("/api/v1/webhooks", headers=admin.headers,
                                json={"url": "https://hooks.example.com/a", "event_types": patterns})
        assert _problem_field(r).startswith("event_types")
    r = await h.client.patch(f"/api/v1/webhooks/{webhook_id}", json={"secret": mine}, headers=admin.headers)
    assert r.status_code == 422  # not settable (nor readable) after creation
    r = await h.client.patch(f"/api/v1/webhooks/{webhook_id}", json={"url": None}, headers=admin.headers)
    assert _problem_field(r) == "url"
    r = await h.client.get(f"/api/v1/webhooks/{webhook_id}", headers=admin.headers)
    assert mine.removeprefix("whsec_") not in r.text
    # Nor does it leak through the audit trail or the change feed.
    for path in ("/api/v1/audit-log?limit=200", "/api/v1/events?limit=200"):
        r = await h.client.get(path, headers=admin.headers)
        assert r.status_code == 200, r.text
        assert "webhook_subscription" in r.text and mine.removeprefix("whsec_") not in r.text, path


async def test_only_admins_manage_channels(h: Harness) -> None:
    org = await h.org()
    for actor in (org.director, org.managers[0], org.reps[0], org.staff):
        for method, path, body in (
            ("POST", "/api/v1/webhooks", {"url": "https://hooks.example.com/a", "event_types": ["*"]}),
            ("GET", "/api/v1/webhooks", None),
            ("POST", "/api/v1/wecom-robots", {"name": "群", "url": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={ROBOT_KEY}"}),
            ("GET", "/api/v1/wecom-robots", None),
        ):
            r = await h.client.request(method, path, json=body, headers=actor.headers)
            assert r.status_code == 403, (actor.role, method, path, r.text)


async def test_another_tenants_ids_answer_404(h: Harness, receiver: MakeReceiver) -> None:
    org = await h.org()
    intruder = await h.signup("另一家公司")
    server = await receiver()
    webhook = (await h.client.post("/api/v1/webhooks", json={"url": server.url, "event_types": ["customer.created"]},
                                   headers=org.admin.headers)).json()
    robot = (await h.client.post("/api/v1/wecom-robots", headers=org.admin.headers,
                                 json={"name": "销售群", "url": f"{server.url}?key={ROBOT_KEY}"})).json()
    await h.customer(org.reps[0])
    await h.drain()
    [delivery] = (await get_json(h, org.admin, f"/api/v1/webhooks/{webhook['id']}/deliveries"))["items"]
    own_webhook = (await h.client.post("/api/v1/webhooks", json={"url": server.url, "event_types": ["x.*"]},
                                       headers=intruder.headers)).json()
    ghost = str(uuid.uuid4())
    calls = [
        ("GET", f"/api/v1/webhooks/{webhook['id']}", None),
        ("PATCH", f"/api/v1/webhooks/{webhook['id']}", {"description": "越权"}),
        ("DELETE", f"/api/v1/webhooks/{webhook['id']}", None),
        ("GET", f"/api/v1/webhooks/{webhook['id']}/deliveries", None),
        ("GET", f"/api/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}", None),
        ("POST", f"/api/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}/replay", None),
        # Their own webhook id with our delivery id: still not theirs.
        ("GET", f"/api/v1/webhooks/{own_webhook['id']}/deliveries/{delivery['id']}", None),
        ("POST", f"/api/v1/webhooks/{own_webhook['id']}/deliveries/{delivery['id']}/replay", None),
        ("GET", f"/api/v1/wecom-robots/{robot['id']}", None),
        ("PATCH", f"/api/v1/wecom-robots/{robot['id']}", {"name": "越权"}),
        ("DELETE", f"/api/v1/wecom-robots/{robot['id']}", None),
        ("POST", f"/api/v1/wecom-robots/{robot['id']}/test", None),
        ("GET", f"/api/v1/wecom-robots/{robot['id']}/deliveries", None),
        ("GET", f"/api/v1/webhooks/{ghost}", None),
    ]
    for method, path, body in calls:
        r = await h.client.request(method, path, json=body, headers=intruder.headers)
        assert r.status_code == 404, (method, path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    # Untouched.
    again = await get_json(h, org.admin, f"/api/v1/webhooks/{webhook['id']}")
    assert again["description"] == webhook["description"] and again["version"] == webhook["version"]
    assert (await get_json(h, org.admin, f"/api/v1/wecom-robots/{robot['id']}"))["name"] == "销售群"
    assert len((await get_json(h, org.admin, f"/api/v1/webhooks/{webhook['id']}/deliveries"))["items"]) == 1
