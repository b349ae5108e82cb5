"""vanphong-signer: the desk signing agent shipped with vanphong (see agent.py)."""
