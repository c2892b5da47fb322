"""``python -m app.api.examples``: regenerate the response examples from the code."""

from app.api.examples import write_examples

write_examples()
