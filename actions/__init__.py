"""The rasa-sdk action server of 明白人助手 (``rasa run actions --actions actions``)."""
