"""The engine: the one place commands happen (the CLI, the app and the approval server call
it; none touches the store or an adapter directly).

The package reads in the order a command runs: :mod:`.commands` (the verbs; statements' in
:mod:`.drafts`, the clock's in :mod:`.ticks`, the queries in :mod:`.reading`), the decisions
they hand the runner (:mod:`.incidents`, :mod:`.statements`, :mod:`.sign_off`,
:mod:`.resolution`, :mod:`.approval_links`), the runner and the append in :mod:`.runner` (a
new incident's log is opened by :mod:`.declaring`), the engine's view in :mod:`.core`, and
the outbox that performs intents (:mod:`.outbox`), owned while in flight by the process
performing them (:mod:`.performing`), each message recorded as it starts and ends
(:mod:`.recording`), and sending again what may have been sent (:mod:`.deliveries`). Who
operates and how that is proven is
:mod:`.identity`; approval-link tokens are :mod:`.link_keys`; checking stored proofs is
:mod:`.proofs`.
"""

from runbook.engine.commands import Engine

__all__ = ["Engine"]
