"""The CDK app that deploys rtcc into a city's AWS account (see app.py)."""
