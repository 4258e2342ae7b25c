"""Sign-in under pressure: password hashing off the event loop, and a growing delay after
failures per account and per client address (issue 9, finding 6)."""

from __future__ import annotations

import threading
import time

import httpx

from cloud.settings import CloudSettings
from tests.cloud.auth import PASSWORD, admin_client
from tests.cloud.live import running_api


def _sign_in(api_url: str, email: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{api_url}/v1/auth/token",
        data={"grant_type": "password", "username": email, "password": password},
        timeout=60,
    )


def test_parallel_sign_ins_do_not_stall_other_routes(database_url: str) -> None:
    # a generous per-address allowance: this test measures the event loop, not the limit
    settings = CloudSettings(
        database_url=database_url, pool_min_size=1, pool_max_size=8, sign_in_address_allowance=100
    )
    with running_api(settings) as url:
        threads = [
            threading.Thread(target=_sign_in, args=(url, f"u{n}@example.com", "wrong-" * 4))
            for n in range(24)
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        slowest = 0.0
        with httpx.Client(base_url=url, timeout=30) as http:
            while any(thread.is_alive() for thread in threads):
                asked = time.monotonic()
                assert http.get("/healthz").status_code == 200
                slowest = max(slowest, time.monotonic() - asked)
        for thread in threads:
            thread.join(timeout=60)
        all_took = time.monotonic() - began

    # With the checks on the event loop, /healthz waited for nearly all 24 (3.5 s in issue 9;
    # 11-22 s of 16-26 s on a loaded 2-core machine). Off the loop it waits for none: a share
    # of the whole, so the test holds however loaded the machine is.
    assert slowest < all_took / 5, f"/healthz took {slowest:.2f} s of {all_took:.2f} s"


def test_failures_on_one_account_bring_a_growing_delay_then_429(
    api_url: str, database_url: str
) -> None:
    with admin_client(api_url, database_url, "site-1") as client:
        email = client.get("/v1/auth/me").json()["name"]

    answers = [_sign_in(api_url, email, "not-the-password") for _ in range(7)]
    right_but_too_soon = _sign_in(api_url, email, PASSWORD)

    assert [a.status_code for a in answers[:5]] == [400] * 5
    assert answers[5].status_code == 400  # the sixth failure starts the delay
    assert answers[6].status_code == 429, answers[6].text
    assert int(answers[6].headers["Retry-After"]) >= 1
    assert answers[6].json()["error"] == "slow_down"
    assert right_but_too_soon.status_code == 429
    time.sleep(int(answers[6].headers["Retry-After"]) + 0.2)
    assert _sign_in(api_url, email, PASSWORD).status_code == 200


def test_failures_from_one_address_over_many_accounts_are_limited(database_url: str) -> None:
    settings = CloudSettings(database_url=database_url, pool_min_size=1, pool_max_size=4,
                             sign_in_address_allowance=8)  # fmt: skip
    with running_api(settings) as url:
        codes = [_sign_in(url, f"guess{n}@example.com", "not-a-password").status_code
                 for n in range(10)]  # fmt: skip

    assert codes[:9] == [400] * 9
    assert codes[9] == 429


def test_sign_ins_beyond_the_queue_are_answered_503_at_once(database_url: str) -> None:
    settings = CloudSettings(database_url=database_url, pool_min_size=1, pool_max_size=8,
                             password_hash_concurrency=1, password_hash_queue=2,
                             sign_in_address_allowance=100)  # fmt: skip
    answers: list[httpx.Response] = []
    with running_api(settings) as url:
        threads = [
            threading.Thread(
                target=lambda n=n: answers.append(_sign_in(url, f"q{n}@example.com", "x" * 12))
            )
            for n in range(16)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    codes = sorted(answer.status_code for answer in answers)
    assert len(codes) == 16
    assert set(codes) <= {400, 503}
    assert 400 in codes
    busy = [answer for answer in answers if answer.status_code == 503]
    assert busy, codes
    assert busy[0].headers["Retry-After"] == "1"
    assert busy[0].json()["error"] == "temporarily_unavailable"
