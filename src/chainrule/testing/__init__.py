"""Gradient checking and the sample inputs per primitive."""
