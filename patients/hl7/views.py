"""``POST /api/v1/hl7/v2/``: one HL7 v2 ORU^R01 in (ER7, ``application/hl7-v2``), its ACK out.

Every message that reaches the view is answered 200 with an ACK, AA, AE or AR, as HL7 over
HTTP does: the ACK is the answer, the HTTP status says only that the transport worked. A body
that is not an HL7 message is an AR. Authentication, scope and media type are HTTP's: 401,
403 and 415 with the API's JSON ``{"detail": ...}`` (docs/hl7.md).
"""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from il2monitor.openapi import DESCRIPTIONS, ErrorDetailSerializer
from il2monitor.permissions import RolePermission
from il2monitor.tokens.permissions import DeviceFeedOnly
from patients.hl7.message import decoded
from patients.hl7.receive import hl7_receive

MEDIA_TYPE = "application/hl7-v2"
# The name some HL7-over-HTTP senders use for the same thing.
MEDIA_TYPE_ALIAS = "x-application/hl7-v2+er7"


class Hl7Parser(BaseParser):
    """The raw bytes: decoding and reading are the receiver's, which answers AR when they fail."""

    media_type = MEDIA_TYPE

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return bytes(stream.read()) if stream is not None else b""


class Hl7AliasParser(Hl7Parser):
    media_type = MEDIA_TYPE_ALIAS


class Hl7Renderer(BaseRenderer):
    media_type = MEDIA_TYPE
    format = "hl7"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        return str(data).encode("utf-8")


EXAMPLE_ORU = (
    "MSH|^~\\&|MONITOR^0001^EUI-64|WARD7|IL2MONITOR|HOSP|20261130101500+0000||"
    "ORU^R01^ORU_R01|MSG00042|P|2.6\r"
    "PID|||MRN-1042^^^HOSP^MR||DOE^JANE\r"
    "OBR|1|||182777000^monitoring of patient^SCT|||20261130101000+0000\r"
    "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.7.4.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC"
    "|||||R|||20261130101000+0000||||0001^MONITOR^EUI-64\r"
)
EXAMPLE_ACK = (
    "MSH|^~\\&|IL2MONITOR|HOSP|MONITOR^0001^EUI-64|WARD7|20261130101501+0000||ACK^R01^ACK|"
    "1A2B3C|P|2.6\rMSA|AA|MSG00042\r"
)


JSON = "application/json"
HTTP_ERRORS = {
    "400": "Not sent by this endpoint: a body it cannot read is answered with an AR ACK.",
    "401": DESCRIPTIONS["401"],
    "403": "Not an API token with the device_feed scope, or its user's role may not record "
    "vital signs.",
    "415": f"The body must be sent as {MEDIA_TYPE} (or {MEDIA_TYPE_ALIAS}).",
    "429": DESCRIPTIONS["429"],
}


class Hl7V2View(APIView):
    permission_classes = [DeviceFeedOnly, RolePermission]
    required_permissions = {"POST": ["patients.add_vitalsigns"]}
    takes_device_feed = True
    parser_classes = [Hl7Parser, Hl7AliasParser]
    renderer_classes = [Hl7Renderer]

    @extend_schema(
        operation_id="hl7_v2_receive",
        summary="Receive an HL7 v2 ORU^R01 (vital signs from a monitor)",
        description=(
            "The body is one HL7 v2 message in ER7 (segments separated by CR). The answer is "
            "always 200 with an HL7 ACK: MSA-1 AA (recorded), AE (read but not recorded: the "
            "reason in ERR-8 and MSA-3, the HL7 error code in ERR-3) or AR (not an ORU^R01, or "
            "not a readable message). A repeated MSH-10 from the same MSH-4 gets the same ACK "
            "and writes nothing. Needs an API token with the device_feed scope. Mapping and "
            "rules: docs/hl7.md."
        ),
        request={MEDIA_TYPE: OpenApiTypes.STR, MEDIA_TYPE_ALIAS: OpenApiTypes.STR},
        responses={
            (200, MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.STR,
                description="The HL7 ACK (AA, AE or AR).",
                examples=[OpenApiExample("AA", value=EXAMPLE_ACK)],
            ),
            # HTTP's own refusals are the API's JSON, as everywhere.
            **{
                (int(code), JSON): OpenApiResponse(ErrorDetailSerializer, words)
                for code, words in HTTP_ERRORS.items()
            },
        },
        examples=[OpenApiExample("ORU^R01", value=EXAMPLE_ORU, request_only=True)],
        tags=["hl7"],
    )
    def post(self, request: Request) -> Response:
        raw = request.data
        body = decoded(raw) if isinstance(raw, bytes) else str(raw)
        received = hl7_receive(body=body, by=request.user)
        return Response(received.ack, content_type=f"{MEDIA_TYPE}; charset=utf-8")

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        """An ACK is HL7 whatever the Accept header says (no 406: a sender gets its ACK)."""
        return (Hl7Renderer(), MEDIA_TYPE)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        """An ACK is HL7 whatever the Accept header; an HTTP error is the API's JSON."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response):
            hl7_body = isinstance(response.data, str)
            renderer = Hl7Renderer() if hl7_body else JSONRenderer()
            response.accepted_renderer = renderer
            response.accepted_media_type = renderer.media_type
            if not hl7_body:
                response["Content-Type"] = "application/json"
        return response
