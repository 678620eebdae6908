"""rtcc: the shared package every Lambda function and the local stack use."""

__version__ = "0.1.0"
