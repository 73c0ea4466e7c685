"""The WhatsApp Cloud API channel: webhook in (webhook.py), Graph API out (graph.py), the turn rendered within
WhatsApp's limits (render.py), the 24-hour window and the channel's rows (store.py), its content (content.py); the
adapter (adapter.py) ties them; settings.py is what the channels' registry reads (nothing here is imported until
WhatsApp is served)."""
