from tests.examples import Example, Live

EXAMPLE = Example(
    config={"parameters": [{"name": "API Key", "key": "X-API-Key", "location": "header"},
                           {"name": "Account", "key": "account", "location": "query"},
                           {"name": "Signature", "key": "sig", "location": "form"}]},
    credentials={"header:X-API-Key": "hdr-CANARY-1/+=", "query:account": "qry CANARY 2/+&=",
                 "form:sig": "frm CANARY 3/+&="},
    openapi_scheme={"type": "apiKey", "in": "header", "name": "X-Key"},
    # httpbin checks no API key: /anything echoes where each value arrived.
    live=lambda peers: Live(
        config=EXAMPLE.config, test_url=f"{peers.httpbin}/anything",
        credentials={"header:X-API-Key": "key-1", "query:account": "acct-2", "form:sig": "sig-3"},
    ),
)
