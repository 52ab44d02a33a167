"""The renderers behind :mod:`dagabaaz.docgen`, one module per kind of generated part."""
