"""The consumer page's cache and validator over real HTTP and PostgreSQL: a reload is a 304,
a recall reaches a cached lot by notification (not by expiry), and a cache that cannot hear
notifications serves nothing."""

from __future__ import annotations

import asyncio
import time

import httpx

from cloud.digital_link.lot_cache import LotCache, keep_fresh
from cloud.digital_link.public import PublicLot
from tests.cloud.digital_link_world import GTIN, LOT, fill_world
from tests.cloud.live import database_of

PAGE = f"/01/{GTIN}/10/{LOT}"


def _lot(recall: str = "none") -> PublicLot:
    return PublicLot(gtin=GTIN, lot=LOT, serial=None, product_name="p", origin_site=None,
                     origin_location=None, origin_kind=None, origin_at=None, expires_on=None,
                     documents=(), cold_chain=(), recall=recall)  # type: ignore[arg-type]  # fmt: skip


def test_a_reload_with_the_pages_tag_is_a_304(client: httpx.Client) -> None:
    fill_world(client)
    with httpx.Client(base_url=str(client.base_url), timeout=30) as phone:
        first = phone.get(PAGE)
        tag = first.headers["etag"]
        assert (tag[0], len(tag)) == ('"', 34)
        assert first.headers["cache-control"] == "private, no-cache"
        again = phone.get(PAGE, headers={"If-None-Match": tag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
        chinese = phone.get(PAGE, headers={"If-None-Match": tag, "Accept-Language": "zh-CN"})
        assert chinese.status_code == 200
        assert chinese.headers["etag"] != tag
        # a recall changes what the page shows, so the old tag no longer matches
        recall = client.post("/v1/recalls", json={"item": "chicken", "lot": LOT, "reason": "x"})
        assert recall.status_code == 201, recall.text
        deadline = time.monotonic() + 30
        while (answer := phone.get(PAGE, headers={"If-None-Match": tag})).status_code == 304:
            assert time.monotonic() < deadline, "the page still matched its old tag after 30 s"
            time.sleep(0.1)
        assert 'data-recall="recalled"' in answer.text


def test_a_recall_reaches_a_cached_lot_by_notification(client: httpx.Client) -> None:
    """With entries kept ten minutes, only the notification can make the cache forget."""
    fill_world(client)
    url = database_of(str(client.base_url).rstrip("/"))

    async def run() -> None:
        cache = LotCache(ttl_s=600)
        listener = asyncio.create_task(keep_fresh(cache, url))
        try:
            deadline = time.monotonic() + 30
            while not cache.listening:
                assert time.monotonic() < deadline, "the listener did not connect in 30 s"
                await asyncio.sleep(0.05)
            cache.put((GTIN, LOT, None), _lot(), cache.generation)
            cache.put((GTIN, "L-other", None), _lot(), cache.generation)
            assert cache.get((GTIN, LOT, None)) == _lot()
            body = {"item": "chicken", "lot": LOT, "reason": "x"}
            recall = await asyncio.to_thread(client.post, "/v1/recalls", json=body)
            assert recall.status_code == 201, recall.text
            while cache.get((GTIN, LOT, None)) is not None:
                assert time.monotonic() < deadline, "the recall's notification never came"
                await asyncio.sleep(0.05)
            assert cache.get((GTIN, "L-other", None)) == _lot()  # another lot is kept
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
        assert cache.listening is False
        assert cache.get((GTIN, "L-other", None)) is None

    asyncio.run(run())


def test_the_cache_serves_nothing_unheard_and_keeps_no_read_overtaken() -> None:
    now = [0.0]
    cache = LotCache(ttl_s=5, clock=lambda: now[0])
    key = (GTIN, LOT, None)
    cache.put(key, _lot(), cache.generation)
    assert cache.get(key) is None  # not listening: nothing kept, nothing served
    cache.listening = True
    read_began = cache.generation
    cache.forget(LOT)  # a notification arrives while that read runs
    cache.put(key, _lot(), read_began)
    assert cache.get(key) is None  # the overtaken read was not stored
    cache.put(key, _lot("recalled"), cache.generation)
    assert cache.get(key) == _lot("recalled")
    now[0] = 5.0
    assert cache.get(key) is None  # expired
