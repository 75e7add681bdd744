"""Atlas datasets of symplectic polytopes."""
