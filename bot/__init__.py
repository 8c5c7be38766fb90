"""明白人助手: a legal question-answering assistant for Urad Middle Banner."""

__version__ = "0.1.0"
