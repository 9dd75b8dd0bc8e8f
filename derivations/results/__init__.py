"""The twelve results, one module each, in the lecture's order as :mod:`derivations.registry` lists them."""
