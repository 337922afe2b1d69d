from tests.examples import Example, Live


def live(peers):
    """An S3 connection at moto, which checks every signature and the key's IAM policy."""
    key_id, secret = peers.moto.create_user_key()
    return Live(config={"service": "s3", "region": peers.moto.region}, test_url=f"{peers.moto.url}/",
                credentials={"access_key_id": key_id, "secret_access_key": secret})


EXAMPLE = Example(
    config={"service": "execute-api", "region": "eu-central-1", "sts_endpoint": ""},
    credentials={"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "aws-secret-CANARY/5+x",
                 "session_token": "aws-session-CANARY/6+x=", "role_arn": "", "external_id": ""},
    live=live,
)
