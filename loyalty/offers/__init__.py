"""Benefits, campaigns and offers: what marketers define, what members receive and redeem."""
