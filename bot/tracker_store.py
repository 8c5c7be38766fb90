"""Rasa's in-memory tracker store, kept pickled and bounded in length.

Rasa reads a conversation's tracker back from the store at least twice per message and
re-reads its whole history to predict each action, so a reply gets slower with every turn of
a long conversation, and the default store keeps every conversation whole in memory forever.
This store:

- keeps trackers pickled instead of as JSON text (read back about ten times faster; the
  pickles never leave the process's memory and hold only objects the server made itself);
- remembers how many events the tracker it last handed out had, so finding the new events for
  the event broker does not read the tracker back a second time;
- keeps only the last ``keep_turns`` turns of a conversation once it has twice as many: the
  older turns are replaced by a session start that carries the slots and the active form over,
  as Rasa does when a session expires. Every message still reaches the query log whole.
"""

from __future__ import annotations

import itertools
import pickle
from typing import Any

from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_KEEP_TURNS = 4


def compact(tracker: DialogueStateTracker, keep_turns: int, domain: Any) -> DialogueStateTracker:
    """The tracker's last ``keep_turns`` user turns after a session start carrying its state over."""
    events = list(tracker.events)
    turns = [i for i, event in enumerate(events) if isinstance(event, UserUttered)]
    if len(turns) <= keep_turns:
        return tracker
    cut = turns[-keep_turns]
    before = DialogueStateTracker.from_events(tracker.sender_id, events[:cut], domain.slots, domain=domain)
    at = events[cut].timestamp - 0.001  # the carried-over state sits just before the kept turns
    prefix: list[Event] = [
        ActionExecuted(ACTION_SESSION_START_NAME, timestamp=at),
        SessionStarted(timestamp=at),
    ]
    for slot in before.slots.values():
        if slot.value != slot.initial_value:
            prefix.append(SlotSet(slot.name, slot.value, timestamp=at))
    if before.active_loop_name:
        prefix.append(ActiveLoop(before.active_loop_name, timestamp=at))
    prefix.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=at))
    return DialogueStateTracker.from_events(
        tracker.sender_id, prefix + events[cut:], domain.slots, tracker._max_event_history, domain=domain
    )


class PickleInMemoryTrackerStore(InMemoryTrackerStore):
    """In-memory tracker store: pickled, bounded, one read per message."""

    def __init__(self, *args: Any, keep_turns: int = DEFAULT_KEEP_TURNS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keep_turns = int(keep_turns)
        self._served_lengths: dict[str, int] = {}

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        turns = sum(isinstance(e, UserUttered) for e in tracker.events)
        if self.keep_turns > 0 and turns > 2 * self.keep_turns:  # compact now and then, not every turn
            tracker = compact(tracker, self.keep_turns, self.domain)
        self.store[tracker.sender_id] = pickle.dumps(tracker, protocol=pickle.HIGHEST_PROTOCOL)
        self._served_lengths.pop(tracker.sender_id, None)

    def deserialise_tracker(self, sender_id: str, serialised_tracker: Any) -> DialogueStateTracker | None:
        if isinstance(serialised_tracker, bytes):
            return pickle.loads(serialised_tracker)  # noqa: S301 - written by save() above, in memory only
        return super().deserialise_tracker(sender_id, serialised_tracker)

    async def _retrieve(self, sender_id: str, fetch_all_sessions: bool) -> DialogueStateTracker | None:
        tracker = await super()._retrieve(sender_id, fetch_all_sessions)
        if tracker is not None and not fetch_all_sessions:
            self._served_lengths[sender_id] = len(tracker.events)
        return tracker

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        offset = self._served_lengths.get(tracker.sender_id)
        if offset is None or self.event_broker is None or offset > len(tracker.events):
            await super().stream_events(tracker)  # Rasa's way: read the stored tracker back
            return
        new_events = list(itertools.islice(tracker.events, offset, len(tracker.events)))
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
