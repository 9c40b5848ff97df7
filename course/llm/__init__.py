"""The LLM layer: one client (client.py) over two backends (online.py, offline.py)."""
