"""Baseline views: the cheapest DRF endpoints shaped like the widget API.

``ConstantView`` returns a fixed JSON body. It is the floor for requests
that touch no storage (idle poll, resumed bootstrap). ``InsertView``
validates a small JSON body and inserts one row into a table of its own, the
floor for requests that write (send, new bootstrap). ``CacheReadView`` adds one cache read to the
constant view, to show what a single round trip to Redis costs. All three use
the widget views' parser, renderer and negotiation and have no
authentication, permissions or throttles.
"""

from typing import Any

from django.core.cache import cache

from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from django_crm_messenger.api.widget.base import JSONOnlyNegotiation
from .models import BenchRow

CONSTANT_BODY = {
    "messages": [],
    "conversation": {"id": 1, "status": "open"},
    "poll_interval_ms": 3000,
}


class BaselineView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnlyNegotiation


class ConstantView(BaselineView):
    def post(self, request):
        return Response(CONSTANT_BODY)


class CacheReadView(BaselineView):
    """The constant view plus one cache read, the least that a response built from the cache costs."""

    def post(self, request):
        cache.get("bench:constant")
        return Response(CONSTANT_BODY)


class RowSerializer(serializers.Serializer):
    # The branch is checked as a number only, so the view runs exactly one
    # query: the INSERT.
    branch_id = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=200, allow_blank=True)
    email = serializers.EmailField(max_length=254, allow_blank=True)


class InsertView(BaselineView):
    def post(self, request):
        serializer = RowSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = BenchRow.objects.create(**serializer.validated_data)
        return Response({"id": row.pk}, status=status.HTTP_201_CREATED)
