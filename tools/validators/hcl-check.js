// Checks Terraform files with HashiCorp's own HCL code (Go, compiled to
// WebAssembly): each file must parse (hcl2json) and be byte-identical to
// what hclwrite's Format (what `terraform fmt` uses) makes of it.
// Usage: node hcl-check.js FILE...   Exit 1 on the first kind of failure seen.
const fs = require("fs");
const { format } = require("@cdktf/hcl-tools");
const { parse } = require("@cdktf/hcl2json");

(async () => {
  let failed = 0;
  for (const file of process.argv.slice(2)) {
    const text = fs.readFileSync(file, "utf8");
    try {
      await parse(file, text);
    } catch (e) {
      console.log(`${file}: does not parse: ${e}`);
      failed++;
      continue;
    }
    const formatted = await format(text);
    if (formatted !== text) {
      const a = text.split("\n");
      const b = formatted.split("\n");
      const at = a.findIndex((line, i) => line !== b[i]);
      console.log(`${file}:${at + 1}: not formatted like terraform fmt`);
      console.log(`  have: ${JSON.stringify(a[at])}`);
      console.log(`  want: ${JSON.stringify(b[at])}`);
      failed++;
    }
  }
  console.log(`${process.argv.length - 2 - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
