from tests.examples import Example, Live

USERNAME = "maria"
PASSWORD = "pw CANARY/basic+7f3a&="

EXAMPLE = Example(
    config={"username_name": "Username", "username_key": "username", "password_name": "Password",
            "password_key": "password"},
    credentials={"username": USERNAME, "password": PASSWORD},
    leaks=(f"{USERNAME}:{PASSWORD}",),  # what Basic base64-encodes
    openapi_scheme={"type": "http", "scheme": "basic"},
    live=lambda peers: Live(
        config=EXAMPLE.config, credentials={"username": "maria", "password": "s3cret-pw"},
        test_url=f"{peers.httpbin}/basic-auth/maria/s3cret-pw",  # 401 unless these very credentials
    ),
)
