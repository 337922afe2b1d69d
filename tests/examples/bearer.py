from tests.examples import Example, Live

EXAMPLE = Example(
    config={"location": "header", "parameter_name": "Bearer Token", "parameter_key": "Authorization",
            "token_prefix": "Bearer"},
    credentials={"token": "tok-CANARY/4+x="},
    openapi_scheme={"type": "http", "scheme": "bearer"},
    live=lambda peers: Live(config=EXAMPLE.config, credentials={"token": "tok-123"},
                            test_url=f"{peers.httpbin}/bearer"),  # 401 without a Bearer header
)
