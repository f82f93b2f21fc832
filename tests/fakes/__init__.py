"""Fake scheduling products (Postiz, Hootsuite, Buffer, Meta) served on 127.0.0.1."""
