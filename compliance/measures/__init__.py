"""The national audit of the CITES model measures against wildlife crime linked to the Internet.

The catalogue (``MeasureCatalogue``/``ModelMeasure``) restates the CITES "Best practices and model measures"
document, one row per bullet, versioned so that a later CITES edition is added beside the earlier one. A
national coordinator records, per country and period, the status of each measure (``NationalAssessment``),
signs it off, and revises it through a new revision; indicators computed from the platform's own data and a
national report sit beside it.
"""
