from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from ..models import Connector
from ..steps import builder_steps

BUILD_PERMISSION = "builder.build_connector"


class BuilderRequiredMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Anonymous users go to the login page; signed-in users without the permission get a 403."""

    permission_required = BUILD_PERMISSION


class BadRequestOnInvalidMixin:
    """Answer 400 when a form is refused, so clients and tests can tell a refusal from a page."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class ConnectorSectionMixin(BuilderRequiredMixin):
    """A builder section of one connector: loads it and adds the left pane and progress."""

    section = ""

    def get_connector(self):
        if not hasattr(self, "_connector"):
            self._connector = get_object_or_404(Connector, pk=self.kwargs["pk"])
        return self._connector

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        connector = self.get_connector()
        context.update(connector=connector, section=self.section, steps=builder_steps(connector, self.section))
        return context

    def next_step_url(self):
        """Return where Save & Continue leads from this section."""
        return builder_steps(self.get_connector()).after(self.section).url


# Room in a request body for a form's other fields and the multipart framing.
BODY_ALLOWANCE = 64 * 1024


class _RefuseLargeBody(FileUploadHandler):
    """Answer a multipart body too large to hold the document without reading any of it."""

    refused = False

    def __init__(self, request, limit):
        super().__init__(request)
        self.limit = limit

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > self.limit:
            self.refused = True
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None


class DocumentBodyMixin:
    """A page that receives a document: a body too large to hold one is refused unread, with the form.

    Django would answer a pasted text beyond DATA_UPLOAD_MAX_MEMORY_SIZE with a bare 400 when the
    CSRF check reads the body; here the size is checked first, and the CSRF token only once the body
    is known to be small enough (nothing is read or changed before). Set `max_document_bytes` and
    define `body_too_large()`, the page answered instead.
    """

    max_document_bytes = None

    @classmethod
    def as_view(cls, **initkwargs):
        return csrf_exempt(super().as_view(**initkwargs))

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST":
            return super().dispatch(request, *args, **kwargs)
        cap = _RefuseLargeBody(request, self.max_document_bytes + BODY_ALLOWANCE)
        request.upload_handlers.insert(0, cap)
        try:
            request.POST
        except RequestDataTooBig:  # pasted text beyond DATA_UPLOAD_MAX_MEMORY_SIZE
            cap.refused = True
        if cap.refused:
            return self.body_too_large()
        return csrf_protect(super().dispatch)(request, *args, **kwargs)

    def body_too_large(self):
        raise NotImplementedError(f"{type(self).__name__} must answer a body too large to read")
