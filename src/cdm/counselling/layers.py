"""The in-memory channel layer (the embedded default: one process, nothing else to run), its expiry
sweep at most once a second.

Channels' own walks every channel and every group's members on each ``receive`` and each
``group_send`` to drop what expired (messages unread after 60 s, memberships after a day): with
200 visitors and 20 counsellors, the sweep was about a tenth of the server's busy time under
`make bench-chat`, on the event loop every socket waits on. Once a second drops the same things,
at most a second later. The Redis layer (production) has no such sweep.
"""

import time

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer

SWEEP_SECONDS = 1.0


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    _swept_at = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._swept_at < SWEEP_SECONDS:
            return
        self._swept_at = now
        super()._clean_expired()
