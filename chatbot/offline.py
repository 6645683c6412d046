"""Keep every library offline and quiet, whichever entry point starts the program."""

import os

OFFLINE_DEFAULTS = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    # Gradio's queue keeps per-event statistics for its monitoring page (which we do not serve)
    # and rebuilds a pandas summary of up to 10,000 of them after every event: app CPU per
    # answer that grows with the events served. One kept, the summary never rebuilt.
    "GRADIO_ANALYTICS_MAX_EVENTS": "1",
    "GRADIO_ANALYTICS_CACHE_FREQUENCY": str(2**62),
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def use_offline_defaults(environ: dict | None = None) -> None:
    """Set the offline/quiet variables unless the deployer already chose a value."""
    env = os.environ if environ is None else environ
    for name, value in OFFLINE_DEFAULTS.items():
        env.setdefault(name, value)
