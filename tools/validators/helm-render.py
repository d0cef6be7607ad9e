"""Lints and renders a Helm chart offline with Helm's own engine (the Go
library bundled by the helm-python-sdk wheel), the way `helm lint --strict`
and `helm template` would.

Usage: helm-render.py CHART_DIR VALUES_FILE NAMESPACE OUT_DIR
Writes every rendered template to OUT_DIR; exits 1 on a lint error or
warning, or when rendering fails.
"""
import os
import sys

import helm_python
from helm_python import chart as helm_chart

chart_dir, values_file, namespace, out_dir = sys.argv[1:5]
with open(values_file, encoding="utf-8") as f:
    values = helm_chart.values_from_yaml(f.read())

report = helm_chart.lint(chart_dir, values, strict=True, namespace=namespace)
problems = [m for m in report.get("messages", []) if m.get("severity", 0) >= 2]
for m in problems:
    print(f"lint: {m.get('path')}: {m.get('error')}")
if problems or report.get("errors"):
    print(f"lint failed: {report.get('errors')}")
    sys.exit(1)

chart = helm_chart.Chart.load(chart_dir)
merged = chart.merge_values(values)
rendered = chart.render(merged, name=os.path.basename(chart_dir.rstrip("/")), namespace=namespace, is_install=True)
os.makedirs(out_dir, exist_ok=True)
for path, text in sorted(rendered.items()):
    if not text.strip():
        continue
    with open(os.path.join(out_dir, path.replace("/", "_")), "w", encoding="utf-8") as f:
        f.write(text)
print(f"rendered {len([t for t in rendered.values() if t.strip()])} templates")
