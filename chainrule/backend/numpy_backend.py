"""The NumPy backend: ``xp`` is NumPy itself; this is the one module that imports it."""
import numpy

numpy_namespace = numpy
