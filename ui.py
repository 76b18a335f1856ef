"""The qa chat UI: ``python ui.py`` (the same as ``qa serve``).

Thin on purpose: the page is built by ``qa.webapp`` from qa's public API, and everything it does
lives in ``qa.webui``, reachable from Python. Configure it with ``QA_*`` variables (see README):
``QA_UI_HOST``, ``GRADIO_SERVER_PORT``, ``QA_UI_AUTH``, ``QA_UI_MAX_UPLOAD_MB``, ``QA_DATA_DIR``.
"""

from __future__ import annotations

from qa.server import serve

if __name__ == "__main__":
    serve()
