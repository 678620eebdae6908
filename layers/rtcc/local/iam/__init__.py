"""The deployed IAM, enforced on a laptop.

The AWS emulator checks no permissions, so a function that calls AWS with an action its
role lacks passes every local test and fails on its first deployed request. `rtcc dev`
closes that gap: each function's calls carry its identity (`identity`), a middleware in
front of the emulator (`enforcer`) works out what each request asks for (`requests`) and
evaluates it (`policy`) against the policies CDK gives that function's role, the key
policies and the bucket and queue policies, all read from the synthesized template
(`deployed`). What AWS would refuse is refused with AWS's own error.
"""
