"""Classifiers: the run-time stages the pipeline runs (``runtime/``, assembled by ``stages.py``) and the tools
that train and evaluate their models (``training/``). Their data files live in ``data/``."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().with_name("data")
# Where a home keeps its trained models (``<home>/models/<task>/<version>``): classifiers/training/registry.py.
MODELS_DIR = "models"
