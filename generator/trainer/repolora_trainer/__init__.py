"""RepoLoRA trainer: trains a LoRA adapter on a RepoLoRA FIM dataset and writes its report card.

Run as `python -m repolora_trainer train|eval ...`; see cli.py for the flags and progress.py for the JSON-lines
protocol on stdout.
"""

__version__ = "0.1.0"
