"""Answer-quality evals for the content team: cases (data) -> metrics -> reports -> gate."""
