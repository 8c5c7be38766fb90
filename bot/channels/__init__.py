"""Input and output channels of the assistant (the REST channel is Rasa's own)."""
