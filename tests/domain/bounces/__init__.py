"""Tests of the bounce reader package (domain/bounces): one module per concern, plus generated bounces."""
