"""One construct per capability; app.py composes them into the stack."""
