"""Trainers' review: grouping what the assistant could not answer, and writing the reviewed
questions back into ``knowledge/`` as training data (no Rasa imports)."""
