import difflib
import gzip
import os
import re
from functools import lru_cache

import botocore.session
from django import forms

from . import aws_sts
from .base import AuthError, AuthType, ConfigForm
from .credentials import CredentialForm, secret_text_field
from .sigv4 import SESSION_TOKEN_HEADER, SigV4Auth
from .validators import ServiceURLField

REGION_RE = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}\Z")
_METADATA = re.compile(rb'"metadata"\s*:\s*\{([^{}]*)\}')
_METADATA_NAME = re.compile(rb'"(?:signingName|endpointPrefix)"\s*:\s*"([^"]+)"')


@lru_cache(maxsize=1)
def known_services():
    """Return the service names botocore knows: API model names, endpoint prefixes, signing names.

    The signing name is what Signature V4 needs and often differs from the model's name
    (execute-api for API Gateway, lex, neptune-db).
    """
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    names = set(session.get_available_services())
    for partition in loader.load_data("endpoints")["partitions"]:
        names.update(partition["services"])
    for service in session.get_available_services():
        names.update(_model_names(loader, service))
    return frozenset(names)


def _model_names(loader, service):
    """Return the endpoint prefix and signing name that the service's API model states.

    Read only the start of the model file, where its metadata is: parsing all ~450 models
    whole takes seconds. Load the whole model where the start does not hold the metadata.
    """
    version = loader.determine_latest_version(service, "service-2")
    for root in loader.search_paths:
        stem = os.path.join(root, service, version, "service-2.json")
        for path, opener in ((stem + ".gz", gzip.open), (stem, open)):
            if os.path.isfile(path):
                with opener(path, "rb") as model:
                    metadata = _METADATA.search(model.read(16384))
                if metadata:
                    return {name.decode() for name in _METADATA_NAME.findall(metadata.group(1))}
                return _loaded_model_names(loader, service)
    return _loaded_model_names(loader, service)


def _loaded_model_names(loader, service):
    metadata = loader.load_service_model(service, "service-2")["metadata"]
    return {metadata[key] for key in ("signingName", "endpointPrefix") if metadata.get(key)}


@lru_cache(maxsize=1)
def _by_lower_name():
    return {name.lower(): name for name in known_services()}


def canonical_service(service):
    """Return the known service name spelled as botocore does (IoTSecuredTunneling), or None."""
    return _by_lower_name().get(service.lower())


def suggestions(service):
    """Return up to three known service names close to `service` (a short name needs less alike)."""
    cutoff = 0.5 if len(service) <= 3 else 0.7
    return difflib.get_close_matches(service, known_services(), n=3, cutoff=cutoff)


class AwsConfigForm(ConfigForm):
    service = forms.CharField(
        label="AWS Service Name", max_length=64,
        help_text="The service's name as AWS's API documentation gives it, for example s3, sts, "
        "dynamodb, execute-api.",
    )
    region = forms.CharField(
        label="AWS Region", max_length=32,
        help_text="The region the service is hosted in, for example us-east-1 or eu-west-2.",
    )
    sts_endpoint = ServiceURLField(
        label="STS Endpoint", required=False,
        help_text="Optional: where roles are assumed when a connection names a Role ARN. Defaults to the "
        "region's AWS STS endpoint (https://sts.<region>.amazonaws.com).",
    )

    def clean_service(self):
        service = self.cleaned_data["service"].strip()
        known = canonical_service(service)
        if known is None:
            near = suggestions(service.lower())
            hint = f" Did you mean {', '.join(near)}?" if near else ""
            raise forms.ValidationError(f"AWS has no service named “{service}”.{hint}", code="unknown_service")
        return known

    def clean_region(self):
        region = self.cleaned_data["region"].strip().lower()
        if not REGION_RE.match(region):
            raise forms.ValidationError(
                "Enter a region in AWS's format, for example us-east-1 or eu-west-2.", code="invalid_region"
            )
        return region


ACCESS_KEY_RE = re.compile(r"^[A-Z0-9]{16,128}\Z")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}\Z")
EXTERNAL_ID_RE = re.compile(r"^[\w+=,.@:/-]{2,1224}\Z")


class AwsCredentialForm(CredentialForm):
    secret_fields = ("secret_access_key", "session_token")

    def add_fields(self, config):
        self.fields["access_key_id"] = forms.CharField(
            label="Access Key ID", max_length=128,
            help_text="For example AKIAIOSFODNN7EXAMPLE. Sent in the Authorization header of each signed request.")
        self.fields["secret_access_key"] = secret_text_field(
            "Secret Access Key", max_length=256, help_text="Signs each request (Signature Version 4); never sent.")
        self.fields["session_token"] = secret_text_field(
            "Session Token", required=False,
            help_text="Only for temporary credentials (STS). Sent in the X-Amz-Security-Token header.",
        )
        self.fields["role_arn"] = forms.CharField(
            label="Role ARN", max_length=2048, required=False,
            help_text="Optional: a role to assume (arn:aws:iam::123456789012:role/Name). Sent to AWS STS with your "
            "keys; the calls are then signed with the role's temporary credentials, renewed before they expire.")
        self.fields["external_id"] = forms.CharField(
            label="External ID", max_length=1224, required=False,
            help_text="Optional: the external ID the role's trust policy asks for. Sent to AWS STS with the Role ARN.")

    def clean_access_key_id(self):
        key = self.cleaned_data["access_key_id"].strip()
        if not ACCESS_KEY_RE.match(key):
            raise forms.ValidationError("An access key ID is 16 or more capital letters and digits, e.g. AKIA….")
        return key

    def clean_role_arn(self):
        arn = self.cleaned_data["role_arn"].strip()
        if arn and not ROLE_ARN_RE.match(arn):
            raise forms.ValidationError("Give a role's ARN, e.g. arn:aws:iam::123456789012:role/ReadOnly.")
        return arn

    def clean_external_id(self):
        external_id = self.cleaned_data["external_id"].strip()
        if external_id and not EXTERNAL_ID_RE.match(external_id):
            raise forms.ValidationError("An external ID is 2 to 1224 letters, digits and + = , . @ : / - _ "
                                        "(no spaces).")
        return external_id

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("external_id") and not cleaned.get("role_arn"):
            self.add_error("external_id", "An external ID goes with a Role ARN: give the role too, or leave it empty.")
        return cleaned


class AwsSigV4(AuthType):
    key = "aws_sigv4"
    name = "AWS"
    description = ("Requests are signed with AWS Signature Version 4 using the end user's access keys, or the "
                   "temporary credentials of a role they assume with them (STS AssumeRole).")
    config_form = AwsConfigForm

    def credential_form(self, config):
        return AwsCredentialForm

    def sensitive_names(self, config):
        # Temporary credentials' token travels in this header (and in a presigned URL's query).
        return [SESSION_TOKEN_HEADER]

    def auth(self, config, secrets, client=None):
        if secrets.get("role_arn"):
            credentials = aws_sts.temporary_credentials(**self._role(config, secrets))
            return SigV4Auth(credentials.access_key_id, credentials.secret_access_key, config["service"],
                             config["region"], session_token=credentials.session_token)
        return SigV4Auth(
            secrets["access_key_id"], secrets["secret_access_key"], config["service"], config["region"],
            session_token=secrets.get("session_token") or None,
        )

    def secret_values(self, config, credentials, client=None):
        values = super().secret_values(config, credentials, client=client)
        if credentials.get("role_arn") and credentials.get("secret_access_key"):
            temporary = aws_sts.cached(**self._role(config, credentials))
            if temporary is not None:
                values += [temporary.secret_access_key, temporary.session_token]
        return values

    @staticmethod
    def _role(config, secrets):
        if not config.get("region"):
            raise AuthError("The connector names no AWS region.")
        return {"access_key_id": secrets["access_key_id"], "secret_access_key": secrets["secret_access_key"],
                "session_token": secrets.get("session_token") or "", "role_arn": secrets["role_arn"],
                "external_id": secrets.get("external_id") or "", "region": config["region"],
                "sts_endpoint": config.get("sts_endpoint") or ""}
