"""Discovery sources: the arXiv API (``arxiv``) and leaderboard files (``leaderboards``).

Pure code only: turning API answers and leaderboard files into typed records. The network
IO lives in ``flows.fetching``; the named errors both layers raise live in ``errors``.
"""
