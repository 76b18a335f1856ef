"""The qa chat UI and HTTP API: ``python ui.py`` (the same as ``qa serve``).

Thin on purpose: the page is built by ``qa.webapp`` from qa's public API, everything it does
lives in ``qa.webui``, and ``qa.server`` serves it beside the REST and OpenAI-compatible APIs.
Configure it with ``QA_*`` variables (see README): ``QA_UI_HOST``, ``GRADIO_SERVER_PORT``,
``QA_UI_AUTH``, ``QA_UI_MAX_UPLOAD_MB``, ``QA_API_TOKEN``, ``QA_MCP``, ``QA_DATA_DIR``.
"""

from __future__ import annotations

from qa.server import main

if __name__ == "__main__":
    main()
