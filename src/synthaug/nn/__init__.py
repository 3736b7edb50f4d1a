"""Small neural networks shared by the experiment runner, the metrics and domain adaptation."""

from synthaug.nn.classifier import CNNClassifier, SmallCNN, to_nchw

__all__ = ["CNNClassifier", "SmallCNN", "to_nchw"]
