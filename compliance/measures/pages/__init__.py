"""The console's pages of the model measures: the assessments of a coordinator's country, one assessment with
its measures, evidence and indicators, the form of one measure, and the printable national report."""
