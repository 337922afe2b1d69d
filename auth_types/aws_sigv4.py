import difflib
import re
from functools import lru_cache

import botocore.session
from django import forms

from .base import AuthType, ConfigForm

REGION_RE = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}\Z")


@lru_cache(maxsize=1)
def known_services():
    """Return the service names botocore knows: API model names and endpoint prefixes."""
    session = botocore.session.get_session()
    names = set(session.get_available_services())
    endpoints = session.get_component("data_loader").load_data("endpoints")
    for partition in endpoints["partitions"]:
        names.update(partition["services"])
    return frozenset(names)


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

    def clean_service(self):
        service = self.cleaned_data["service"].strip().lower()
        services = known_services()
        if service not in services:
            near = difflib.get_close_matches(service, services, n=3, cutoff=0.7)
            hint = f" Did you mean {', '.join(near)}?" if near else ""
            raise forms.ValidationError(f"AWS has no service named “{service}”.{hint}", code="unknown_service")
        return service

    def clean_region(self):
        region = self.cleaned_data["region"].strip().lower()
        if not REGION_RE.match(region):
            raise forms.ValidationError(
                "Enter a region in AWS's format, for example us-east-1 or eu-west-2.", code="invalid_region"
            )
        return region


class AwsSigV4(AuthType):
    key = "aws_sigv4"
    name = "AWS"
    description = "Requests are signed with AWS Signature Version 4 using the end user's access keys."
    config_form = AwsConfigForm
