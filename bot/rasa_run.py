"""Start the Rasa server (``python -m bot.rasa_run run …`` takes ``rasa`` arguments) with
performance fixes for Rasa 3.6, found by profiling the server under load (``make bench``):

- every action-server reply is validated with ``jsonschema.validate``, which first checks the
  large events schema itself: more than half of the server's CPU. The validator is built once;
  replies are checked against the same schema with the same error messages.
- every event read back from the tracker store looks its class up by walking all subclasses
  of ``Event`` (with ``inspect.isabstract`` on each): a third of the CPU in long
  conversations. The lookup is cached; an unknown name is looked up the original way;
- once the model is loaded, the objects alive are frozen out of the garbage collector
  (``gc.freeze``), so full collections do not stall replies.
"""

from __future__ import annotations

from typing import Any


def install_cached_action_validator() -> None:
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator = validator_for(schema)(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    RemoteAction._validate_action_result = _validate_action_result


def install_event_type_cache() -> None:
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    cache: dict[str, type] = {}

    def refresh() -> None:
        from rasa.shared.utils.common import all_subclasses

        cache.clear()
        for cls in all_subclasses(Event):  # first match wins, as in the original loop
            cache.setdefault(cls.type_name, cls)

    def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
        if type_name not in cache:
            refresh()  # a class imported since the last look
        if type_name in cache:
            return cache[type_name]
        return original(type_name, default)

    Event.resolve_by_type = staticmethod(resolve_by_type)


def install_gc_freeze() -> None:
    """Move everything alive once the model is loaded out of the garbage collector's sight.

    The loaded model and libraries are hundreds of thousands of long-lived objects; a full
    collection walking them stalls every reply in flight for a noticeable moment.
    """
    import gc

    import rasa.core.run

    configure_app = rasa.core.run.configure_app

    def configure_app_with_freeze(*args: Any, **kwargs: Any) -> Any:
        app = configure_app(*args, **kwargs)

        async def freeze(app: Any, loop: Any) -> None:
            gc.collect()
            gc.freeze()

        app.register_listener(freeze, "after_server_start")
        return app

    rasa.core.run.configure_app = configure_app_with_freeze


def main() -> None:
    install_cached_action_validator()
    install_event_type_cache()
    install_gc_freeze()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
