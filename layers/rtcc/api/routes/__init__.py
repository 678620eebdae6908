"""One Powertools Router per capability; `rtcc.api.app` includes them all."""
