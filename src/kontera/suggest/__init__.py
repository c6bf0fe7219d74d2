"""Posting suggestions: history import, per-company models, calibrated top-k, explanations.

Public surface (import from the modules; this package does not re-export, so that
`kontera.suggest.baseline` stays a light import):

- history: `history.HistoryLine`, `history.ImportProblem`,
  `importers.read_history(path, format, mapping, on_problem)`,
  `importers.read_history_items(path, format, mapping)` (lines and problems, streamed),
  `csv_history.parse_mapping(["column=name", …])`, `saft.iter_saft`, `sie.iter_sie`.
- models: `persistence.train_company_model(lines, *, chart, out_dir) -> artifact.ModelInfo`,
  `persistence.load_company_model(path) -> model.CompanyModel`,
  `CompanyModel.suggest(invoice, supplier_key) -> Suggestion`,
  `CompanyModel.refresh(lines) -> CompanyModel` (cheap recount after approvals),
  `persistence.refresh_company_model(lines, *, out_dir) -> ModelInfo` (the same, saved),
  `coldstart.ColdStartModel.load(chart, company_accounts).suggest(invoice, supplier_key)`,
  `baseline.SupplierMajority`.
- policy: `policy.AutoApprovalPolicy`, `policy.decide(policy, invoice, suggestion)`.
- evaluation: `evaluate.evaluate(lines) -> Evaluation` (`.summary()` is the JSON line).
"""
