"""Test doubles the project makes itself (a fake arXiv HTTP server)."""
