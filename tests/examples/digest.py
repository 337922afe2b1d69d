from tests.examples import Example, Live

EXAMPLE = Example(
    config={"username_name": "Username", "password_name": "Password"},
    credentials={"username": "maria", "password": "pw CANARY/digest+9c1d&="},
    openapi_scheme={"type": "http", "scheme": "digest"},
    # httpbin challenges with SHA-256 and qop=auth, and checks the answer against these credentials.
    live=lambda peers: Live(config=EXAMPLE.config, credentials={"username": "maria", "password": "s3cret-pw"},
                            test_url=f"{peers.httpbin}/digest-auth/auth/maria/s3cret-pw/SHA-256"),
)
