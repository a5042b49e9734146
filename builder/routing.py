"""Websocket URLs and named channels."""

from django.urls import path

from builder.consumers import RunConsumer, RunListConsumer, TrainingConsumer
from builder.runs.stream import TRAINING_CHANNEL

websocket_urlpatterns = [
    path("ws/runs/", RunListConsumer.as_asgi()),
    path("ws/runs/<int:run_id>/", RunConsumer.as_asgi()),
]

channel_routes = {TRAINING_CHANNEL: TrainingConsumer.as_asgi()}
