"""STL intake and slicing (PrusaSlicer as a separate program)."""
