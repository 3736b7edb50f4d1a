"""Small neural networks shared by the experiment runner, the metrics and domain adaptation."""

from synthaug.nn.classifier import CNNClassifier, SmallCNN, to_nchw, training_steps
from synthaug.nn.ensemble import CNNLogRegEnsemble

__all__ = ["CNNClassifier", "CNNLogRegEnsemble", "SmallCNN", "to_nchw", "training_steps"]
