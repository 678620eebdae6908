"""Anonymous tips: text-a-tip (Twilio SMS/MMS), web tips, and the officer inbox.

Domain modules here never import boto3 or twilio; they talk to the ports in
`rtcc.tips.ports`, implemented by `rtcc.tips.adapters` (AWS, Twilio) and by tests.
"""
