"""The pickled, bounded in-memory tracker store."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered

from bot import paths
from bot.tracker_store import PickleInMemoryTrackerStore


class CollectingBroker(EventBroker):
    def __init__(self):
        self.events = []

    def publish(self, event):
        self.events.append(event)


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(paths.ROOT / "domain.yml"))


def turn(i):
    return [
        UserUttered(f"问题{i}", {"name": "ask_homestead", "confidence": 0.9}),
        ActionExecuted("action_answer_question"),
        BotUttered(f"回答{i}"),
        ActionExecuted("action_listen"),
    ]


def run_turns(store, sender, first, last, extra=None):
    async def go():
        tracker = await store.get_or_create_tracker(sender)
        for i in range(first, last):
            for event in turn(i):
                tracker.update(event)
            if extra and i == first:
                for event in extra:
                    tracker.update(event)
            await store.save(tracker)
            tracker = await store.retrieve(sender)
        return tracker

    return asyncio.run(go())


def test_round_trip_keeps_the_tracker(domain):
    store = PickleInMemoryTrackerStore(domain, keep_turns=10)
    tracker = run_turns(store, "a", 0, 3, extra=[SlotSet("role", "understander")])
    assert tracker.get_slot("role") == "understander"
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["问题0", "问题1", "问题2"]
    assert isinstance(store.store["a"], bytes)


def test_long_conversations_keep_the_last_turns_and_the_state(domain):
    store = PickleInMemoryTrackerStore(domain, keep_turns=3)
    extra = [SlotSet("role", "understander"), ActiveLoop("handoff_form"), SlotSet("requested_slot", "phone")]
    tracker = run_turns(store, "b", 0, 20, extra=extra)
    user_turns = [e.text for e in tracker.events if isinstance(e, UserUttered)]
    assert 3 <= len(user_turns) <= 6 and user_turns[-1] == "问题19"
    assert tracker.get_slot("role") == "understander"
    assert tracker.active_loop_name == "handoff_form"
    assert tracker.get_slot("requested_slot") == "phone"
    assert tracker.latest_action_name == "action_listen"


def test_every_event_reaches_the_broker_once(domain):
    broker = CollectingBroker()
    store = PickleInMemoryTrackerStore(domain, event_broker=broker, keep_turns=2)
    run_turns(store, "c", 0, 12)
    texts = [e["text"] for e in broker.events if e["event"] == "user"]
    assert texts == [f"问题{i}" for i in range(12)]


def test_zero_keep_turns_never_compacts(domain):
    store = PickleInMemoryTrackerStore(domain, keep_turns=0)
    tracker = run_turns(store, "d", 0, 15)
    assert sum(isinstance(e, UserUttered) for e in tracker.events) == 15
