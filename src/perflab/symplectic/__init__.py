"""Symplectic polytopes: volume, EHZ capacity, systolic ratio."""
