"""Standard Webhooks signatures (checked by hand) and refusal of non-public subscriber URLs."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from alerts.subscriptions import new_webhook_secret
from alerts.webhooks import UnsafeUrl, check_url, headers, signature


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """An independent check, as a receiver would write it from the Standard Webhooks spec."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body.decode()}"
    expected = base64.b64encode(hmac.new(key, signed.encode(), hashlib.sha256).digest()).decode()
    return any(
        part.split(",", 1)[1] == expected
        for part in headers["webhook-signature"].split(" ")
        if part.startswith("v1,")
    )


def test_signature_is_hmac_sha256_of_id_timestamp_body() -> None:
    secret = new_webhook_secret()
    body = b'{"type":"alert","n":1}'
    sent = headers(secret, "msg_1", 1_700_000_000, body)
    assert sent["webhook-id"] == "msg_1" and sent["webhook-timestamp"] == "1700000000"
    assert verify(secret, sent, body)
    assert not verify(secret, sent, body + b" ")
    assert not verify(new_webhook_secret(), sent, body)
    assert signature(secret, "msg_1", 1_700_000_000, body) == sent["webhook-signature"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "ftp://example.org/hook",
        "http://user:pw@example.org/hook",
    ],
)
async def test_non_public_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        await check_url(url)


async def test_public_addresses_and_the_test_switch_pass() -> None:
    await check_url("https://93.184.215.14/hook")
    await check_url("http://127.0.0.1:8080/hook", allow_private=True)
