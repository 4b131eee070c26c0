def test_signed_in_pages_render(client, auth):
    auth.login()
    for path in ["/", "/lines", "/appropriations", "/scenarios/", "/audit/", "/profile", "/lines/new"]:
        response = client.get(path)
        assert response.status_code == 200, path
