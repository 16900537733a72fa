"""The Open311 GeoReport v2 server's domain: API keys, the public view of services and
requests, and filing requests through the same ticket service as the bot."""
