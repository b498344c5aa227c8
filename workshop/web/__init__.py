"""The web layer: HTTP pages, the JSON API and (later) the live websocket, on Starlette."""
