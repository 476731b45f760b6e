"""Species reference data: name normalisation, the CITES checklist importer, the curated fixture and matching.

Kept free of imports so that ``cases.models`` can use ``cases.species.normalise`` without a cycle.
"""
