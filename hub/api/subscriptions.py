"""`/api/v1/subscriptions`: alerts for lines, stops or a commute, without an account.

``POST`` creates one and answers its id, its secret token (shown once) and, with a webhook, the
``whsec_`` signing secret. ``GET``, ``PATCH`` (renew with ``expires_in_days``, or change what is
watched) and ``DELETE`` need the token (``Authorization: Bearer`` or ``?token=``).
``GET /{id}/events?token=`` streams the subscription's events as Server-Sent Events, each with
its ``id:``; a client reconnecting with ``Last-Event-ID`` (or ``last_event_id=``) gets exactly
the events it missed, ``0`` replays every event kept.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
from typing import Any, TypeVar

from aiohttp import web
from pydantic import Field, ValidationError

from alerts.commute import parse_location
from alerts.redis_client import RETRYABLE
from alerts.subscriptions import (
    Subscription,
    SubscriptionSpec,
    new_id,
    new_token,
    new_webhook_secret,
    token_hash,
)
from alerts.webhooks import UnsafeUrl, check_url
from hub.api.limits import DEADLINE_S
from hub.api.models import CreatedSubscription, SubscriptionView, WatchView
from hub.api.subscription_events import STREAMS, OpenStreams, stream_events
from hub.problems import ApiError, json_body, reject_unknown_params
from hub.realtime_commutes import spec_watch
from hub.state import STATE
from routing.network import Network
from routing.query import StopRef

DAY_S = 86_400.0
M = TypeVar("M", bound=SubscriptionSpec)
DEFAULT_DAYS = 30


class CreateSubscription(SubscriptionSpec):
    """The body of ``POST``: what to watch, and for how long."""

    expires_in_days: int = Field(DEFAULT_DAYS, ge=1, le=3650)


class PatchSubscription(SubscriptionSpec):
    """The body of ``PATCH``: fields given replace the stored ones."""

    expires_in_days: int | None = Field(None, ge=1, le=3650)


def add_subscription_routes(app: web.Application) -> None:
    """Register the subscription routes.

    Those under ``/api/v1/subscriptions/`` live in a sub-application sharing the main one's
    state but not its request deadline: an event stream is meant to stay open for hours.
    """
    base = "/api/v1/subscriptions"
    app.router.add_post(base, create)
    streams = OpenStreams()
    app[STREAMS] = streams
    app.on_shutdown.append(streams.close)
    sub = web.Application()
    for key, value in app.items():
        if key is not DEADLINE_S:
            sub[key] = value
    sub.router.add_get("/{subscription_id}", read)
    sub.router.add_patch("/{subscription_id}", update)
    sub.router.add_delete("/{subscription_id}", delete)
    sub.router.add_get("/{subscription_id}/events", stream_events)
    app.add_subapp(base + "/", sub)


def _service(request: web.Request) -> Any:
    from hub.realtime import realtime_of

    return realtime_of(request.app)


async def create(request: web.Request) -> web.Response:
    """Create a subscription: 201 with its id, token and secrets."""
    reject_unknown_params(request, frozenset())
    body = _parse(CreateSubscription, await json_body(request))
    spec = SubscriptionSpec.model_validate(body.model_dump(exclude={"expires_in_days"}))
    service = _service(request)
    now = service.now()
    token = new_token()
    watched = await _watch(request, spec)
    subscription = Subscription(
        id=new_id(),
        token_hash=token_hash(token),
        webhook_secret=new_webhook_secret(),
        created_at=now,
        expires_at=now + _days(request, body.expires_in_days) * DAY_S,
        spec=spec,
        **watched,
    )
    await _store(service.subscriptions.put(subscription))
    await service.welcome(subscription)
    secret = None if spec.webhook_url is None else subscription.webhook_secret
    answer = CreatedSubscription(**dict(_view(subscription)), token=token, webhook_secret=secret)
    shown = answer.model_dump(mode="json", exclude=None if secret else {"webhook_secret"})
    response = web.json_response(shown, status=201)
    response.headers["Location"] = f"/api/v1/subscriptions/{subscription.id}"
    return response


async def read(request: web.Request) -> web.Response:
    """The subscription (without its secrets)."""
    reject_unknown_params(request, frozenset({"token"}))
    return web.json_response(_view(await authorized(request)).model_dump(mode="json"))


async def update(request: web.Request) -> web.Response:
    """Renew it or change what it watches."""
    reject_unknown_params(request, frozenset({"token"}))
    current = await authorized(request)
    raw = await json_body(request)
    if not isinstance(raw, dict):
        raise ApiError(400, "the body must be a JSON object", param="body")
    merged = {**current.spec.model_dump(), **raw}
    body = _parse(PatchSubscription, merged)
    spec = SubscriptionSpec.model_validate(body.model_dump(exclude={"expires_in_days"}))
    service = _service(request)
    changes: dict[str, Any] = {"spec": spec}
    if spec != current.spec:
        changes.update(await _watch(request, spec))
    if body.expires_in_days is not None:
        changes["expires_at"] = service.now() + _days(request, body.expires_in_days) * DAY_S
    updated = current.model_copy(update=changes)
    await _store(service.subscriptions.put(updated))
    return web.json_response(_view(updated).model_dump(mode="json"))


async def delete(request: web.Request) -> web.Response:
    """Delete it with everything it holds (a commute's places, its event log)."""
    reject_unknown_params(request, frozenset({"token"}))
    subscription = await authorized(request)
    service = _service(request)
    await _store(service.subscriptions.delete(subscription.id))
    await _store(service.events.delete(subscription.id))
    return web.Response(status=204)


async def authorized(request: web.Request) -> Subscription:
    """The subscription of the path, if the request carries its token.

    Raises:
        ApiError: 401 without a token, 404 for an unknown id or a token that does not match
            (the same answer, so ids cannot be probed).
    """
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    token = value.strip() if scheme.lower() == "bearer" else request.query.get("token")
    if not token:
        raise ApiError(401, "the subscription's token is needed (Bearer header or ?token=)")
    subscription_id = request.match_info["subscription_id"]
    service = _service(request)
    found = await _store(service.subscriptions.get(subscription_id, service.now()))
    if found is None or not hmac.compare_digest(found.token_hash, token_hash(token)):
        raise ApiError(404, f"no subscription {subscription_id!r} for this token")
    assert isinstance(found, Subscription)
    return found


async def _watch(request: web.Request, spec: SubscriptionSpec) -> dict[str, Any]:
    """Check the ids and the webhook; plan the commute; what the subscription watches."""
    state = request.app[STATE]
    network = state.reloader.served.network
    _check_ids(network, spec)
    if spec.webhook_url is not None:
        try:
            await check_url(spec.webhook_url, allow_private=state.settings.webhook_allow_private)
        except UnsafeUrl as error:
            raise ApiError(400, str(error), param="webhook_url") from None
    if spec.commute is None:
        return {"watch": spec_watch(network, spec.lines, spec.stops), "commute_legs": []}
    legs, watch, version = await asyncio.to_thread(_service(request).commutes.usual, spec.commute)
    if not legs:
        raise ApiError(422, "no transit itinerary found for this commute", param="commute")
    return {
        "watch": spec_watch(network, spec.lines, spec.stops, watch),
        "commute_legs": legs,
        "network_version": version,
    }


def _check_ids(network: Network, spec: SubscriptionSpec) -> None:
    for i, route_id in enumerate(spec.lines):
        if network.find_route(route_id) is None:
            raise ApiError(422, f"no line {route_id!r} in the network", param=f"lines[{i}]")
    for i, stop_id in enumerate(spec.stops):
        if network.find_stop(stop_id) is None:
            raise ApiError(422, f"no stop {stop_id!r} in the network", param=f"stops[{i}]")
    if spec.commute is None:
        return
    for name in ("origin", "destination"):
        try:
            place = parse_location(getattr(spec.commute, name))
        except ValueError as error:
            raise ApiError(400, str(error), param=f"commute.{name}") from None
        if isinstance(place, StopRef) and network.find_stop(place.stop_id) is None:
            raise ApiError(422, f"no stop {place.stop_id!r}", param=f"commute.{name}")


def _days(request: web.Request, days: int) -> int:
    longest = request.app[STATE].settings.subscription_max_days
    if days > longest:
        raise ApiError(400, f"at most {longest} days", param="expires_in_days")
    return days


def _view(subscription: Subscription) -> SubscriptionView:
    expires = dt.datetime.fromtimestamp(subscription.expires_at, dt.UTC)
    created = dt.datetime.fromtimestamp(subscription.created_at, dt.UTC)
    watch = subscription.watch
    return SubscriptionView(
        id=subscription.id,
        created_at=created.isoformat(timespec="seconds"),
        expires_at=expires.isoformat(timespec="seconds"),
        spec=subscription.spec,
        watch=WatchView(
            routes=sorted(watch.routes),
            stops=sorted(watch.stops),
            trips=sorted(watch.trips),
            agencies=sorted(watch.agencies),
        ),
        commute_legs=subscription.commute_legs,
        events_url=f"/api/v1/subscriptions/{subscription.id}/events",
    )


def _parse(model: type[M], body: Any) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(400, f"invalid {name!r}: {first['msg']}", param=name) from None


async def _store(awaitable: Any) -> Any:
    """Await a store call; Redis away becomes 503 (the journeys keep answering meanwhile)."""
    try:
        return await awaitable
    except RETRYABLE as error:
        problem = ApiError(503, f"subscriptions are unavailable ({type(error).__name__}); retry")
        problem.extra["retry_after_s"] = 2
        raise problem from None
