"""One module per mail-server family; `domain.bounces.registry` lists them in the order tried."""
