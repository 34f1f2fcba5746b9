async def test_signup_and_create_customer(h):
    admin = await h.signup()
    r = await h.client.get("/api/v1/me", headers=admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "admin"
    c = await h.customer(admin)
    r = await h.client.get(f"/api/v1/customers/{c['id']}", headers=admin.headers)
    assert r.status_code == 200
    assert r.headers["etag"] == '"1"'
