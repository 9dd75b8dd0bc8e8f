"""The tour, the project's main job: the lecture run end to end into a report (``tinygrad-cnn tour``).

``report`` holds the page as data and writes it (HTML with MathML, Markdown); ``sections`` and ``experiments``
compute the seven parts; ``build`` runs them and publishes the files; ``command`` registers the subcommand.
"""

from .._lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "write_report": ".build", "build_report": ".build", "SECTIONS": ".build",
    "Report": ".report", "Section": ".report", "to_html": ".report", "to_markdown": ".report",
    "QUICK": ".context", "FULL": ".context",
})  # fmt: skip
