"""API endpoints for incoming documents (router mounted at /api/v1/incoming)."""

from __future__ import annotations

from ninja import Router

router = Router()
